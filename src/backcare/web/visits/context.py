"""What the visit page shows: its context, the handout's choice of items, the dermatome map.

Shared by the three route modules that draw the visit page: `pages` (the page
itself), `notes` and `handout` (the page again, with the error beside the field).
It sits below all three so that none of them imports another.
"""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ...clinical.engine import self_care_choices
from ...clinical.knowledge.runtime import load_knowledge
from ...homecare import handout_choice
from ...records import Records
from ...records.visits import allowed
from .. import body_chart
from ..homecare.context import visit_homecare
from ..filters import name
from ..render import render
from ..security import CurrentSession
from . import exam
from .fields import CHART_FIELDS



def dermatomes(assessment: dict | None):
    if not assessment or not assessment["nerve_roots"]:
        return None
    return body_chart.dermatome_map(assessment["nerve_roots"], load_knowledge().neuro["dermatomes"])


def handout_choices(visit, stratified: dict[str, Any] | None = None) -> dict[str, Any]:
    """The handout's items in order, and the other items the findings allow or why they do not.

    The engine's choice is stored with the assessment, followed by what the
    client's STarT Back risk group adds; an item the therapist added comes from
    the knowledge base.
    """
    choices = self_care_choices(visit.case, load_knowledge())
    chosen = handout_choice(visit.assessment, visit.handout_items, (stratified or {}).get("self_care_add", []), choices,
                            visit.case)
    order = [c["id"] for c in chosen]
    others = [c for c in choices if c["id"] not in order and allowed(c)]
    excluded = [(c, _why(c)) for c in choices if not allowed(c) and c["id"] not in order]
    return {"chosen": chosen, "others": others, "excluded": excluded, "custom": visit.handout_items is not None}


def _why(choice: dict[str, Any]) -> str:
    if choice["no_treatment"]:
        return "no self-care until a doctor has seen the client"
    if choice["ruled_out_by"]:
        return "ruled out: " + ", ".join(name(c, "contraindications").lower() for c in choice["ruled_out_by"])
    return f"left out: {choice['aggravates'].replace('_', ' ')}"


def visit_context(request: Request, records: Records, session: CurrentSession, visit, **extra) -> dict[str, Any]:
    soap_draft = None
    if visit.signed_at is None and visit.therapist_id == session.actor.user_id:
        soap_draft = records.get_draft(session.actor, "soap", visit.client_id, visit.id)
    from ...outcomes import stratified_care

    group = records.latest_risk_group(session.actor, visit)
    stratified = stratified_care(group, visit.case, visit.assessment) if group else None
    letters = records.referral_letters(session.actor, visit.id) if visit.assessment["referral"]["urgency"] != "none" else []
    from ..treatment.view import panel

    treatment = panel(records, session, visit)
    return {"visit": visit, "assessment": visit.assessment, "errors": {}, "values": dict(soap_draft.data) if soap_draft else {},
            "soap_draft": soap_draft, "dermatomes": dermatomes(visit.assessment), "exam": exam.summary(visit.case, visit.details),
            "pain_map": exam.pain_map(visit.case), "chart_layers": CHART_FIELDS, "stratified": stratified, "letters": letters,
            "handout": handout_choices(visit, stratified), "clinic": records.clinic_details(session.actor), "tx": treatment,
            "homecare": visit_homecare(records, session.actor, visit),
            "corrections": [c for c in records.corrections(session.actor, visit.client_id) if c.visit_id == visit.id], **extra}


def render_visit(request: Request, records: Records, session: CurrentSession, visit_id: int, status: int, **extra) -> Response:
    """The visit page again, with what the failed request adds (errors, what was typed)."""
    visit = records.get_visit(session.actor, visit_id)
    context = visit_context(request, records, session, visit)
    context.update(extra)
    return render(request, "visit.html", context, status)
