"""What the visit form lists, the same for every visit: its tables of tests and findings, the
pain-mechanism checklist, the body chart's regions (shared by the form and its on-demand parts)."""
from __future__ import annotations

from typing import Any

from ...clinical.knowledge.runtime import load_knowledge
from ...clinical.vocabulary import vocabulary
from .. import body_chart
from .fields import (CHART_FIELDS, HIP_TESTS, LANDMARK_FINDINGS, MIDLINE_LANDMARKS, NEURO_TESTS, PAIN_QUALITIES, PALPATION,
                     SURGERY_PROCEDURES, label)


def mechanism_checklist() -> list[tuple[str, list[tuple[str, str]]]]:
    """The pain-mechanism criteria in plain words, grouped as Smart's checklist groups them."""
    criteria = load_knowledge().pain_mechanisms["criteria"]
    numbered = list(vocabulary().pain_mechanism_criteria)  # checklist order: 1-27 history, 28-38 examination
    items = [(cid, criteria[cid]["label"]) for cid in numbered]
    return [("From the history", items[:27]), ("From the examination", items[27:])]


def form_tables() -> dict[str, Any]:
    """What the form's sections and its on-demand parts list (the same for every visit)."""
    return {"mechanism_checklist": mechanism_checklist(), "chart_fields": CHART_FIELDS, "pain_qualities": PAIN_QUALITIES,
            "palpation": PALPATION, "shapes": body_chart.SHAPES, **exam_rows()}


def exam_rows() -> dict[str, Any]:
    """The examination's tables in the form: which tests and sided findings each section lists."""
    v = vocabulary()
    placed = set(HIP_TESTS) | set(NEURO_TESTS)
    return {"lumbar_tests": [t for t in v.special_tests if t not in placed], "hip_tests": list(HIP_TESTS),
            "neuro_tests": list(NEURO_TESTS), "surgery_procedures": SURGERY_PROCEDURES,
            "motor_rows": [(f"neuro.motor.{m}", text.split(";")[0][:1].upper() + text.split(";")[0][1:]) for m, text in v.movements.items()],
            "reflex_rows": [(f"neuro.reflexes.{r}", label(f"neuro.reflexes.{r}")) for r in v.reflexes],
            "sensation_rows": [(f"neuro.{kind}", label(f"neuro.{kind}")) for kind in ("vibration", "monofilament")],
            "landmark_findings": LANDMARK_FINDINGS, "landmark_columns": {f: PALPATION[f] for f in LANDMARK_FINDINGS},
            "midline_landmarks": MIDLINE_LANDMARKS}


