"""The shared vocabulary: every identifier a case or an assessment may use.

`vocabulary.yaml` beside this file is a verbatim copy of the project contract
(`shared/spec/vocabulary.yaml`); a test keeps the two identical.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

SIDES = ("left", "right")
VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")


class Vocabulary:
    """Read-only view of vocabulary.yaml with the derived id sets the models need."""

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw
        self.regions: dict[str, str] = raw["regions"]
        # Midline regions ("midline, over the sacrum") take no side suffix.
        self.midline_regions = {r for r, text in self.regions.items() if text.startswith("midline")}
        self.region_ids: tuple[str, ...] = tuple(
            rid
            for base in self.regions
            for rid in ([base] if base in self.midline_regions else [base, *(f"{base}_{s}" for s in SIDES)])
        )
        self.nerve_roots: tuple[str, ...] = tuple(raw["nerve_roots"])
        self.movements: dict[str, str] = raw["movements"]
        self.reflexes: dict[str, str] = raw["reflexes"]
        self.special_tests: dict[str, str] = raw["special_tests"]
        # The contract marks each test "(sided ...)" or "(not sided)".
        self.sided_tests = {t for t, text in self.special_tests.items() if "(sided" in text}
        self.rom_motions: tuple[str, ...] = tuple(raw["rom_motions"])
        self.rom_modes: dict[str, str] = raw["rom_modes"]
        self.postures: dict[str, str] = raw["postures"]
        self.gaits: tuple[str, ...] = tuple(raw["gaits"])
        self.aggravating: dict[str, str] = raw["aggravating"]
        self.easing: dict[str, str] = raw["easing"]
        self.medical_history: dict[str, str] = raw["medical_history"]
        self.conditions: dict[str, str] = raw["conditions"]
        self.red_flags: dict[str, str] = raw["red_flags"]
        self.referral_urgency: tuple[str, ...] = tuple(raw["referral_urgency"])
        self.contraindications: dict[str, str] = raw["contraindications"]
        self.treatment_goals: dict[str, str] = raw["treatment_goals"]
        self.techniques: dict[str, str] = raw["techniques"]
        self.hydrotherapy: dict[str, str] = raw["hydrotherapy"]
        self.positioning: dict[str, str] = raw["positioning"]
        self.structures: dict[str, str] = raw["structures"]
        # Palpation landmarks: tender or not tender, never treatment targets.
        self.landmarks: dict[str, str] = raw["landmarks"]
        self.referral_destinations: dict[str, str] = raw["referral_destinations"]
        self.self_care: dict[str, str] = raw["self_care"]
        self.pain_mechanism_criteria: dict[str, str] = raw["pain_mechanism_criteria"]
        self.pain_mechanisms: dict[str, str] = raw["pain_mechanisms"]

    def rom_values(self, mode: str) -> tuple[str, ...]:
        """Allowed results of a ROM mode, read from its description ('... - a | b | c')."""
        return tuple(v.strip() for v in self.rom_modes[mode].split(" - ", 1)[1].split("|"))

    @staticmethod
    def base_region(region: str) -> tuple[str, str | None]:
        """Split 'calf_left' into ('calf', 'left'); unsided regions give (region, None)."""
        for side in SIDES:
            if region.endswith("_" + side):
                return region[: -len(side) - 1], side
        return region, None


@cache
def vocabulary() -> Vocabulary:
    from .yamlread import load_yaml  # imported here: only the text report needs it on the CLI's fast path

    return Vocabulary(load_yaml(VOCABULARY_FILE.read_text(encoding="utf-8")))
