"""The finding worth re-testing after today's treatment, proposed from the case.

In order: a positive straight leg raise (its angle, on the positive side), a
limited or painful forward bend (fingertips to floor), then the first other
positive special test (positive or negative after). No proposal when the
examination recorded none of these; the therapist may always pick another.
"""
from __future__ import annotations

from typing import Any

from ..clinical.vocabulary import vocabulary
from .model import Retest

LIMITED = {"reduced", "painful", "reduced_painful"}


def _name(text: str) -> str:
    name = text.split(" (")[0]
    return name[:1].upper() + name[1:]


def _positive_sides(result: Any) -> list[str]:
    if isinstance(result, dict):
        return [side for side, value in result.items() if value == "positive"]
    return [""] if result == "positive" else []


def propose(case: dict[str, Any], assessment: dict[str, Any] | None = None) -> Retest | None:
    """The re-test for today, or None; the assessment, when given, must allow treatment."""
    if assessment is not None and not (assessment.get("plan") or {}).get("treat", False):
        return None
    tests = case.get("special_tests") or {}
    slr = _positive_sides(tests.get("slr"))
    if slr:
        side = slr[0] if len(slr) == 1 else "left"
        return Retest(id=f"slr_{side}", label=f"Straight leg raise, {side}: angle where symptoms start", unit="degrees")
    flexion = (case.get("rom") or {}).get("flexion")
    if isinstance(flexion, dict) and (set(flexion.values()) & LIMITED):
        return Retest(id="flexion", label="Forward bend: fingertips to floor", unit="cm")
    names = vocabulary().special_tests
    for test in names:
        if test in ("slr", "centralization"):
            continue
        for side in _positive_sides(tests.get(test)):
            label = _name(names[test]) + (f", {side}" if side else "")
            return Retest(id=f"{test}_{side}" if side else test, label=label, unit="result", before="positive")
    return None
