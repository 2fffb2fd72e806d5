"""Each part of the treatment as given, checked against the visit's contraindications.

The assessment stored with the visit names the contraindications that apply;
the knowledge base says what each forbids (techniques everywhere or on some
targets, positions, hydrotherapy, self-care) and whether it stops treatment.
The domain's data adds the firmest pressure some of them allow. Nothing here
lists contraindication ids: they are read from the assessment and the
knowledge base at run time. What is ruled out is refused with the
contraindication's reason in plain words, unless the therapist records a
clinical reason for the entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .data import treatment_data
from .model import Entry, Given
from .words import entry_words, name


@dataclass(frozen=True)
class Refusal:
    """One part of the record that today's contraindications rule out."""

    field: str  # the form field: entries.3, positioning, hydrotherapy, exercises
    what: str
    reason: str
    entry: int | None = None  # the entry's index, when an entry is refused (a clinical reason can override it)

    @property
    def message(self) -> str:
        return f"{self.what}: ruled out today because {self.reason}"


class Rules:
    """What the visit's contraindications forbid, read from its assessment and the knowledge base."""

    def __init__(self, assessment: dict[str, Any], kb: Any):
        self.stops: list[str] = []
        self.everywhere: dict[str, list[str]] = {}
        self.on_targets: dict[tuple[str, str], list[str]] = {}
        self.positioning: dict[str, list[str]] = {}
        self.hydrotherapy: dict[str, list[str]] = {}
        self.self_care: dict[str, list[str]] = {}
        self.ceiling: list[tuple[str, str]] = []  # (pressure, reason)
        ceilings = treatment_data().pressure_ceilings
        for applied in assessment.get("contraindications", []):
            entry = kb.contraindications.get(applied["id"])
            if entry is None:  # an id the knowledge base has since dropped: its reason still stands, its rules are gone
                continue
            reason = applied.get("reason") or entry["reason"]
            if entry.get("stops_treatment"):
                self.stops.append(reason)
            forbids = entry.get("forbids") or {}
            for technique in forbids.get("techniques", []):
                if forbids.get("targets"):
                    for target in forbids["targets"]:
                        self.on_targets.setdefault((technique, target), []).append(reason)
                else:
                    self.everywhere.setdefault(technique, []).append(reason)
            for kind in ("positioning", "hydrotherapy", "self_care"):
                for ident in forbids.get(kind, []):
                    getattr(self, kind).setdefault(ident, []).append(reason)
            if applied["id"] in ceilings:
                self.ceiling.append((ceilings[applied["id"]].pressure, reason))
        if not assessment.get("plan", {}).get("treat", True) and not self.stops:
            self.stops.append("the assessment advised no hands-on treatment today")

    def entry_reasons(self, entry: Entry | dict[str, Any]) -> list[str]:
        """Why today's contraindications rule this technique out (empty: they allow it)."""
        technique, targets, pressure = ((entry.technique, entry.targets, entry.pressure) if isinstance(entry, Entry)
                                        else (entry["technique"], entry["targets"], entry.get("pressure", "moderate")))
        reasons = list(self.stops) + self.everywhere.get(technique, [])
        for target in targets:
            reasons += self.on_targets.get((technique, target), [])
        order = treatment_data().pressures
        reasons += [reason for ceiling, reason in self.ceiling if order.index(pressure) > order.index(ceiling)]
        return list(dict.fromkeys(reasons))

    def lightest_ceiling(self, default: str) -> str:
        order = treatment_data().pressures
        return min([default, *(c for c, _ in self.ceiling)], key=order.index)


def refusals(given: Given, rules: Rules) -> list[Refusal]:
    """Everything in the record that today's contraindications rule out, clinical reasons or not."""
    out = []
    for n, entry in enumerate(given.entries):
        for reason in rules.entry_reasons(entry):
            what = f"{entry_words(entry.technique, entry.targets)}, {entry.pressure} pressure"
            out.append(Refusal(f"entries.{n}", what, reason, n))
    for kind in ("positioning", "hydrotherapy"):
        for ident in getattr(given, kind):
            out += [Refusal(kind, name(kind, ident), reason) for reason in getattr(rules, kind).get(ident, [])]
    for ident in given.exercises:
        out += [Refusal("exercises", name("self_care", ident), reason) for reason in rules.self_care.get(ident, [])]
    return out


def unresolved(given: Given, rules: Rules) -> list[Refusal]:
    """The refusals that stand: an entry with a clinical reason recorded is the therapist's call (audited)."""
    return [r for r in refusals(given, rules) if r.entry is None or not given.entries[r.entry].clinical_reason]


def overridden(given: Given, rules: Rules) -> list[Refusal]:
    """The refusals the therapist overrode with a clinical reason (each goes into the audit log)."""
    return [r for r in refusals(given, rules) if r.entry is not None and given.entries[r.entry].clinical_reason]
