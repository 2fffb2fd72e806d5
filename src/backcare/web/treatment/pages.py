"""The treatment form, "as planned", consents the therapist records, withdrawal, and the clinic's consent pack."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...records import FieldErrors, Forbidden, Records
from .. import deps
from ..render import render
from ..security import CurrentSession
from ..visits.context import render_visit
from .forms import BLANK_ROWS, form_errors, record_from_form, values_of
from .view import choices, panel

router = APIRouter(include_in_schema=False)


def form_page(request: Request, records: Records, session: CurrentSession, visit, values: dict[str, Any],
              errors: dict[str, str], status: int = 200, notice: str = "") -> Response:
    tx = panel(records, session, visit)
    rows = int(values.get("_rows") or 0)
    shown = {f"e{n}.{k}" for n in range(rows + BLANK_ROWS) for k in ENTRY_FIELDS} | SHOWN
    if tx.view.previous is None:  # no after-effects section without a previous visit
        shown -= {"after.effects", "after.note"}
    unplaced = [message for name, message in errors.items() if name not in shown]
    return render(request, "treatment_form.html", {
        "visit": visit, "tx": tx, "values": values, "errors": errors, "rows": range(rows + BLANK_ROWS), "choices": choices(),
        "notice": notice, "unplaced": unplaced, "exercise_choices": list(dict.fromkeys(
            [s["id"] for s in visit.assessment.get("self_care", [])] + list(values.get("exercises") or [])))}, status)


# The fields the form shows an error beside; any other error is listed at the top.
ENTRY_FIELDS = ("technique", "targets", "side", "minutes", "pressure", "clinical_reason")
SHOWN = {"positioning", "hydrotherapy", "draping", "exercises", "total_minutes", "pain_before", "pain_after", "retest.after",
         "client_words", "after.effects", "after.note"}
NOTICES = {"planned": "Filled from today's plan and saved. Change what you did differently, add the client's response, "
                      "then save.",
           "withdrawn": "Consent withdrawn and its time recorded; the work on that area is marked as stopped then."}


@router.get("/visits/{visit_id}/treatment")
def treatment_form(request: Request, visit_id: int, done: str = "", session: CurrentSession = Depends(deps.session),
                   records: Records = Depends(deps.records)) -> Response:
    visit = records.get_visit(session.actor, visit_id, purpose="treatment.edit")
    if visit.signed_at is not None or visit.therapist_id != session.actor.user_id:
        return RedirectResponse(f"/visits/{visit_id}#treatment", status_code=303)
    view = records.treatment_view(session.actor, visit_id)
    values = values_of(view.record)
    if view.previous is not None and not values.get("after.of_visit"):
        values["after.of_visit"] = view.previous.id
    if not values.get("pain_before") and values.get("pain_before") != 0:
        values["pain_before"] = visit.pain_nrs
    return form_page(request, records, session, visit, values, {}, notice=NOTICES.get(done, ""))


@router.post("/visits/{visit_id}/treatment")
def save_treatment(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                   form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    visit = records.get_visit(session.actor, visit_id, purpose="treatment.edit")
    data, errors, rows = record_from_form(form)
    if not errors:
        try:
            records.save_treatment(session.actor, visit_id, data)
            return RedirectResponse(f"/visits/{visit_id}?done=treatment#treatment", status_code=303)
        except FieldErrors as exc:
            errors = form_errors(exc.errors, rows)
    return form_page(request, records, session, visit, values_of(data, rows), errors, 422)


@router.post("/visits/{visit_id}/treatment/as-planned")
def as_planned(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
               records: Records = Depends(deps.records)) -> Response:
    records.record_as_planned(session.actor, visit_id)
    return RedirectResponse(f"/visits/{visit_id}/treatment?done=planned", status_code=303)


def _consent_data(form: FormData, visit) -> dict[str, Any]:
    plan = visit.assessment.get("plan") or {}
    return {"scope": str(form.get("scope") or ""), "areas": [a for a in form.getlist("areas") if isinstance(a, str)][:20],
            "elements": [e for e in form.getlist("elements") if isinstance(e, str)][:20],
            "methods": [m for m in form.getlist("methods") if isinstance(m, str)][:3],
            "decision": str(form.get("decision") or "given"),
            "techniques": [t["technique"] for t in plan.get("techniques", [])] if plan.get("treat") else []}


@router.post("/visits/{visit_id}/consents")
def record_consent(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                   form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    """A consent the therapist took aloud or on paper, or the client's refusal."""
    visit = records.get_visit(session.actor, visit_id, purpose="consent.record")
    if visit.therapist_id != session.actor.user_id:
        raise Forbidden("only the treating therapist records this visit's consents")
    data = _consent_data(form, visit)
    if data["decision"] == "declined" and not data["methods"]:
        data["methods"] = ["verbal"]
    try:
        records.record_consent(session.actor, visit.client_id, visit_id, data)
    except FieldErrors as exc:
        field = "consent_" + data["scope"] if data["scope"] in ("areas", "treatment") else "consent_areas"
        return render_visit(request, records, session, visit_id, 422,
                            errors={field: " ".join(exc.errors.values())})
    return RedirectResponse(f"/visits/{visit_id}?done=consent#treatment", status_code=303)


@router.post("/consents/{consent_id}/withdraw")
def withdraw(request: Request, consent_id: int, session: CurrentSession = Depends(deps.session),
             form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    visit_id = records.withdraw_consent(session.actor, consent_id, str(form.get("withdrawn_note") or ""))
    if visit_id is None:
        return RedirectResponse("/clients", status_code=303)
    if str(form.get("back") or "") == f"/visits/{visit_id}":  # withdrawn from the visit page: back to it
        return RedirectResponse(f"/visits/{visit_id}?done=withdrawn#treatment", status_code=303)
    return RedirectResponse(f"/visits/{visit_id}/treatment?done=withdrawn", status_code=303)


@router.post("/admin/clinic/consent-pack")
def consent_pack(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
                 records: Records = Depends(deps.records)) -> Response:
    try:
        records.set_consent_pack(session.actor, str(form.get("consent_pack") or ""))
    except FieldErrors as exc:
        from dataclasses import asdict

        from ..clinic import _page

        return _page(request, asdict(records.clinic_details(session.actor)), exc.errors, 422)
    return RedirectResponse("/admin/clinic?saved=true", status_code=303)
