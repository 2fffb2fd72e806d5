"""The shared vocabulary: every identifier a case or an assessment may use.

`vocabulary.yaml` beside this file is a verbatim copy of the project contract
(`shared/spec/vocabulary.yaml`); a test keeps the two identical.
"""
from __future__ import annotations

import json
import os
from functools import cache

# Cheap start-up: `typing` and `pathlib` stay off the command line's fast path (its text report reads this module).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SIDES = ("left", "right")
VOCABULARY_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vocabulary.yaml")
# The same vocabulary as JSON, with the digest of the YAML it was made from (`python -m backcare.clinical.generate`).
GENERATED_VOCABULARY_FILE = os.path.join(os.path.dirname(VOCABULARY_FILE), "_generated", "vocabulary.json")


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


def read_vocabulary_yaml(text: str) -> dict[str, Any]:
    from .yamlread import load_yaml  # imported here: the fast path reads the generated JSON

    return load_yaml(text)


def generated_vocabulary_text(yaml_bytes: bytes) -> str:
    """The generated JSON copy of the vocabulary: its content, and the digest of the YAML it was read from."""
    import hashlib

    raw = read_vocabulary_yaml(yaml_bytes.decode("utf-8"))
    return json.dumps({"digest": hashlib.sha256(yaml_bytes).hexdigest(), "vocabulary": raw}, ensure_ascii=False) + "\n"


@cache
def vocabulary() -> Vocabulary:
    from .knowledge.version import sha256  # CPython's own SHA-256: hashlib would load OpenSSL on the CLI's start

    with open(VOCABULARY_FILE, "rb") as fh:
        yaml_bytes = fh.read()
    try:
        with open(GENERATED_VOCABULARY_FILE, encoding="utf-8") as fh:
            generated = json.load(fh)
        if generated["digest"] == sha256(yaml_bytes).hexdigest():
            return Vocabulary(generated["vocabulary"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing or damaged: the YAML is the source
    return Vocabulary(read_vocabulary_yaml(yaml_bytes.decode("utf-8")))
