"""Stratified care: what the STarT Back risk group adds to a visit's plan (Hill 2011).

The engine's plan stands; the risk group adds an approach, self-care items
(only those the visit's findings allow) and, for high risk, the suggestion to
involve the client's doctor. A plan withdrawn for a referral gets nothing.
"""
from __future__ import annotations

from typing import Any

from ..clinical.knowledge.runtime import load_knowledge


def stratified_care(risk_group: str, case: dict[str, Any], assessment: dict[str, Any], kb=None) -> dict[str, Any] | None:
    from ..clinical.engine import self_care_choices

    kb = kb or load_knowledge()
    care = kb.outcomes["stratified_care"].get(risk_group)
    if care is None:
        return None
    if not assessment["plan"]["treat"]:
        return {"risk_group": risk_group, "summary": care["summary"], "withdrawn": True, "approach": None,
                "self_care_add": [], "involve_doctor": False, "sources": care["sources"], "mechanism_note": None}
    allowed = {c["id"]: c for c in self_care_choices(case, kb)
               if not (c["no_treatment"] or c["ruled_out_by"] or c["aggravates"])}
    already = {s["id"] for s in assessment["self_care"]}
    add = [allowed[s] for s in care["self_care_add"] if s in allowed and s not in already]
    mechanism = (assessment.get("pain_mechanism") or {}).get("dominant")
    notes = care["mechanism_notes"]
    note = notes.get(mechanism) or notes.get("any")
    return {"risk_group": risk_group, "summary": care["summary"], "withdrawn": False, "approach": care["approach"],
            "self_care_add": add, "involve_doctor": care["involve_doctor"], "sources": care["sources"], "mechanism_note": note}
