"""The client's handout: the therapist picks and orders the exercises; the PDFs."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...clinical.engine import self_care_choices
from ...clinical.knowledge.runtime import load_knowledge
from ...records import FieldErrors, Records
from ...records.visits import allowed
from .. import deps
from ..dates import locale_from, zone_named
from ..filters import name
from ..security import CurrentSession

router = APIRouter(include_in_schema=False)


def handout_choices(visit, stratified: dict[str, Any] | None = None) -> dict[str, Any]:
    """The handout's items in order, and the other items the findings allow or why they do not.

    The engine's choice is stored with the assessment, followed by what the
    client's STarT Back risk group adds; an item the therapist added comes from
    the knowledge base.
    """
    choices = self_care_choices(visit.case, load_knowledge())
    by_id = {c["id"]: c for c in choices}
    stored = {s["id"]: s for s in visit.assessment.get("self_care", [])}
    default = list(stored) + [s["id"] for s in (stratified or {}).get("self_care_add", []) if s["id"] not in stored]
    order = visit.handout_items if visit.handout_items is not None else default
    chosen = [stored.get(i) or by_id[i] for i in order if i in stored or i in by_id]
    others = [c for c in choices if c["id"] not in order and allowed(c)]
    excluded = [(c, _why(c)) for c in choices if not allowed(c) and c["id"] not in order]
    return {"chosen": chosen, "others": others, "excluded": excluded, "custom": visit.handout_items is not None}


def _why(choice: dict[str, Any]) -> str:
    if choice["no_treatment"]:
        return "no self-care until a doctor has seen the client"
    if choice["ruled_out_by"]:
        return "ruled out: " + ", ".join(name(c, "contraindications").lower() for c in choice["ruled_out_by"])
    return f"left out: {choice['aggravates'].replace('_', ' ')}"


@router.post("/visits/{visit_id}/handout")
def choose_handout(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                   form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    from .notes import _page

    items = [x for x in form.getlist("item") if isinstance(x, str)]
    if form.get("action") == "reset":
        items = None  # back to the default: the engine's choice and what the risk group adds
    try:
        records.set_handout(session.actor, visit_id, items)
    except FieldErrors as exc:
        return _page(request, records, session, visit_id, 422, errors=exc.errors)
    return RedirectResponse(f"/visits/{visit_id}?done=handout#handout", status_code=303)


def _pdf(request: Request, template: str, context: dict[str, Any], filename: str) -> Response:
    from ..pdf import html_to_pdf

    session: CurrentSession = request.state.session
    context = {"locale": locale_from(request.headers.get("accept-language")), "zone": zone_named(session.zone), **context}
    html = request.app.state.templates.get_template(template).render(context)
    return Response(html_to_pdf(html), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


@router.get("/visits/{visit_id}/handout.pdf")
def handout(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
            records: Records = Depends(deps.records)) -> Response:
    from ..drawings import drawing

    from ...outcomes import stratified_care

    visit = records.get_visit(session.actor, visit_id, purpose="visit.handout")
    group = records.latest_risk_group(session.actor, visit)
    stratified = stratified_care(group, visit.case, visit.assessment) if group else None
    return _pdf(request, "handout_pdf.html", {
        "visit": visit, "assessment": visit.assessment, "items": handout_choices(visit, stratified)["chosen"], "drawing": drawing,
        "safety_net": load_knowledge().safety_net, "clinic": records.clinic_details(session.actor)},
        f"backcare-handout-{visit.visit_date}.pdf")


@router.get("/visits/{visit_id}/summary.pdf")
def summary(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
            records: Records = Depends(deps.records)) -> Response:
    visit = records.get_visit(session.actor, visit_id, purpose="visit.summary")
    return _pdf(request, "summary_pdf.html", {"visit": visit, "assessment": visit.assessment,
                                              "clinic": records.clinic_details(session.actor)},
                f"backcare-visit-{visit.visit_date}.pdf")
