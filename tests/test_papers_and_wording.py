"""What leaves the clinic and what the pages say: each item issue 18 found wrong or misleading."""
from __future__ import annotations

from types import SimpleNamespace

from backcare.web.outcomes.progress import then_and_now

NORMAL_EXAM = {
    "special_tests": {"slr": {"left": "negative", "right": "negative"}, "slump": {"left": "negative", "right": "negative"},
                      "kemp": {"left": "negative", "right": "negative"}, "faber": {"left": "negative", "right": "negative"}},
    "neuro": {"motor": {m: {"left": "normal", "right": "normal"} for m in ("ankle_plantarflexion", "ankle_dorsiflexion",
                                                                          "great_toe_extension", "knee_extension")},
              "reflexes": {"achilles": {"left": "normal", "right": "normal"}}},
}


def test_then_and_now_shows_findings_recorded_normal_at_both_visits():
    """Plantarflexion recorded normal and SLR negative at both visits read 'not recorded' (issue 18, item 2)."""
    first = SimpleNamespace(case={**NORMAL_EXAM, "special_tests": {**NORMAL_EXAM["special_tests"],
                                                                   "slr": {"left": "positive", "right": "negative"}}},
                            details=None)
    last = SimpleNamespace(case=NORMAL_EXAM, details=None)
    rows = then_and_now(SimpleNamespace(visits=[first, last]))["sections"]
    neuro = {name: (then, now) for name, then, now in rows["Neurological examination"]}
    tests = {name: (then, now) for name, then, now in rows["Special tests"]}
    plantar = next(v for k, v in neuro.items() if k.startswith("Plantarflexion"))
    assert plantar == ("normal both sides", "normal both sides")
    assert tests["Straight leg raise"] == ("left positive, right negative", "negative both sides")
    assert tests["Slump test"] == ("negative both sides", "negative both sides")
    assert not any("not recorded" in cell for rows_ in rows.values() for row in rows_ for cell in row[1:])
