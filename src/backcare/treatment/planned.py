""""As planned": the treatment record filled from the engine's plan in one tap, and what replaces declined areas.

The plan is already free of what the contraindications forbid; the pressure
is the lightest any of them allows. Areas the client declined (or withdrew)
today are left out, and the alternatives the data offers for them come in
instead, when today's contraindications allow them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .checks import Rules
from .consent import entry_areas
from .data import treatment_data
from .model import Entry, Given


def _side_of(site: str) -> str | None:
    return "left" if site.endswith("_left") else "right" if site.endswith("_right") else None


def side_for(targets: Iterable[str], case: dict[str, Any], details: dict[str, Any] | None) -> str:
    """The side to treat: where the targets were found on palpation, else where the symptoms are."""
    sides: set[str] = set()
    for by_structure in ((details or {}).get("palpation_sides") or {}).values():
        for target in targets:
            sides.update(by_structure.get(target, []))
    if not sides:
        symptoms = case.get("symptoms") or {}
        for key in ("pain_sites", "paresthesia_sites", "numbness_sites"):
            sides.update(s for s in (_side_of(site) for site in symptoms.get(key) or []) if s)
    return sides.pop() if len(sides) == 1 else "both"


@dataclass(frozen=True)
class Alternative:
    words: str
    entry: Entry | None
    exercise: str | None
    allowed: bool
    why_not: str = ""


def alternatives(declined: set[str], rules: Rules, case: dict[str, Any], details: dict[str, Any] | None) -> list[Alternative]:
    """What the plan offers instead of the declined areas, each marked allowed or not for today."""
    data = treatment_data()
    out: list[Alternative] = []
    seen: set[str] = set()
    for area in sorted(declined):
        for option in data.alternatives.get(area, []):
            if option.words in seen:
                continue
            seen.add(option.words)
            if option.technique is not None:
                entry = Entry(technique=option.technique, targets=option.targets, side=side_for(option.targets, case, details),
                              minutes=data.as_planned.minutes_per_technique,
                              pressure=rules.lightest_ceiling(data.as_planned.pressure))
                reasons = rules.entry_reasons(entry)
                if entry_areas(entry) & declined:
                    reasons.append("it touches another area the client declined")
                out.append(Alternative(option.words, entry, None, not reasons, "; ".join(reasons)))
            else:
                reasons = rules.self_care.get(option.self_care, [])
                out.append(Alternative(option.words, None, option.self_care, not reasons, "; ".join(reasons)))
    return out


def as_planned(assessment: dict[str, Any], case: dict[str, Any], details: dict[str, Any] | None, kb: Any,
               declined: set[str] = frozenset(), exercises: list[str] | None = None) -> Given:
    """The engine's plan as a treatment record: every technique, its targets and side, default minutes and pressure."""
    plan = assessment.get("plan") or {}
    if not plan.get("treat"):
        return Given()
    data = treatment_data()
    rules = Rules(assessment, kb)
    pressure = rules.lightest_ceiling(data.as_planned.pressure)
    entries: list[Entry] = []
    for item in plan.get("techniques", []):
        targets = [t for t in item["targets"] if not (entry_areas({"technique": item["technique"], "targets": [t]}) & declined)]
        if not targets:
            continue
        entry = Entry(technique=item["technique"], targets=targets, side=side_for(targets, case, details),
                      minutes=data.as_planned.minutes_per_technique, pressure=pressure)
        if not rules.entry_reasons(entry):
            entries.append(entry)
    # Remedial exercise: the self-care items with a dose (sets, repetitions or a hold), not the advice.
    dosed = [s["id"] for s in assessment.get("self_care", []) if any(s.get(k) for k in ("sets", "reps", "hold_seconds"))]
    chosen = [e for e in (exercises if exercises is not None else dosed) if e not in rules.self_care]
    for option in alternatives(set(declined), rules, case, details) if declined else []:
        if not option.allowed:
            continue
        if option.entry is not None and all(e.technique != option.entry.technique or e.targets != option.entry.targets
                                            for e in entries):
            entries.append(option.entry)
        if option.exercise is not None and option.exercise not in chosen:
            chosen.append(option.exercise)
    touched = set().union(*(entry_areas(e) for e in entries)) if entries else set()
    draping = next((did for did, d in data.draping.items() if set(d.for_areas) & touched), data.as_planned.draping)
    return Given(entries=entries, positioning=[p for p in plan.get("positioning", [])[:1] if p not in rules.positioning],
                 hydrotherapy=[h for h in plan.get("hydrotherapy", []) if h != "none" and h not in rules.hydrotherapy],
                 draping=draping,
                 exercises=chosen[:20])
