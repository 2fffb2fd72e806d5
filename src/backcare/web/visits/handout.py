"""The client's handout: the therapist picks and orders the exercises; the PDFs."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...clinical.knowledge.runtime import load_knowledge
from ...records import FieldErrors, Records
from .. import deps
from ..dates import locale_of, zone_named
from ..security import CurrentSession
from .context import handout_choices, render_visit

router = APIRouter(include_in_schema=False)


@router.post("/visits/{visit_id}/handout")
def choose_handout(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                   form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    items = [x for x in form.getlist("item") if isinstance(x, str)]
    if form.get("action") == "reset":
        items = None  # back to the default: the engine's choice and what the risk group adds
    try:
        records.set_handout(session.actor, visit_id, items)
    except FieldErrors as exc:
        return render_visit(request, records, session, visit_id, 422, errors=exc.errors)
    return RedirectResponse(f"/visits/{visit_id}?done=handout#handout", status_code=303)


def _pdf(request: Request, template: str, context: dict[str, Any], filename: str) -> Response:
    from ..pdf import html_to_pdf

    session: CurrentSession = request.state.session
    context = {"locale": locale_of(request), "zone": zone_named(session.zone), **context}
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
    from ..treatment.view import panel

    visit = records.get_visit(session.actor, visit_id, purpose="visit.summary")
    return _pdf(request, "summary_pdf.html", {"visit": visit, "assessment": visit.assessment, "tx": panel(records, session, visit),
                                              "clinic": records.clinic_details(session.actor)},
                f"backcare-visit-{visit.visit_date}.pdf")
