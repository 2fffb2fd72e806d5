"""The client's handout: the therapist picks and orders the exercises; the PDFs."""
from __future__ import annotations

import hashlib
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


def _pdf(request: Request, template: str, context: dict[str, Any], filename: str, kind: str) -> Response:
    """The visit's PDF; a signed visit's comes from the database when this very page was rendered before."""
    from ..pdf import html_to_pdf

    session: CurrentSession = request.state.session
    records: Records = request.app.state.records
    visit = context["visit"]
    context = {"locale": locale_of(request), "zone": zone_named(session.zone), **context}
    html = request.app.state.templates.get_template(template).render(context)
    key = hashlib.sha256(html.encode()).hexdigest()
    pdf = records.kept_pdf(session.actor, visit.id, kind, key) if visit.signed_at else None
    if pdf is None:
        pdf = html_to_pdf(html)
        if visit.signed_at:
            records.keep_pdf(session.actor, visit.id, kind, key, pdf)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


@router.get("/visits/{visit_id}/handout.pdf")
def handout(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
            records: Records = Depends(deps.records)) -> Response:
    from ..drawings import drawing_url

    from ...outcomes import stratified_care

    visit = records.get_visit(session.actor, visit_id, purpose="visit.handout")
    group = records.latest_risk_group(session.actor, visit)
    stratified = stratified_care(group, visit.case, visit.assessment) if group else None
    return _pdf(request, "handout_pdf.html", {
        "visit": visit, "assessment": visit.assessment, "items": handout_choices(visit, stratified)["chosen"], "drawing_url": drawing_url,
        "safety_net": load_knowledge().safety_net, "clinic": records.clinic_details(session.actor)},
        f"backcare-handout-{visit.visit_date}.pdf", "handout")


@router.get("/visits/{visit_id}/summary.pdf")
def summary(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
            records: Records = Depends(deps.records)) -> Response:
    from ..treatment.view import panel

    visit = records.get_visit(session.actor, visit_id, purpose="visit.summary")
    return _pdf(request, "summary_pdf.html", {"visit": visit, "assessment": visit.assessment, "tx": panel(records, session, visit),
                                              "clinic": records.clinic_details(session.actor)},
                f"backcare-visit-{visit.visit_date}.pdf", "summary")
