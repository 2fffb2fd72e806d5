"""The records law in the browser: each client's retention date and requests (access, with a readable copy and the
FHIR record; correction, with the change or the client's statement of disagreement attached), the admin's queue of
records past retention (destroyed only on approval), and the breach register."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ..records import Actor, FieldErrors, Forbidden, Records
from . import deps
from .dates import locale_of, zone_named
from .clients import client_page
from .render import render
from .security import CurrentSession

router = APIRouter(include_in_schema=False)


def _admin(session: CurrentSession) -> Actor:
    if not session.actor.is_admin:
        raise Forbidden("admins only")
    return session.actor


def _date(value: Any) -> date | str | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text  # the model says what is wrong with it, beside the field


def _client_page(request: Request, records: Records, session: CurrentSession, client_id: int, errors: dict[str, str],
                 values: dict[str, Any]) -> Response:
    request.state.law_form = {"errors": errors, "values": values}
    page = client_page(request, client_id, session=session, records=records)
    page.status_code = 422
    return page


@router.post("/clients/{client_id}/requests")
def log_request(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    values = {"kind": str(form.get("kind") or ""), "received_on": _date(form.get("received_on")), "details": str(form.get("details") or "")}
    try:
        records.log_request(session.actor, client_id, values)
    except FieldErrors as exc:
        return _client_page(request, records, session, client_id, exc.errors, values)
    return RedirectResponse(f"/clients/{client_id}?done=request#records-law", status_code=303)


@router.post("/requests/{request_id}/answer")
def answer_request(request: Request, request_id: int, session: CurrentSession = Depends(deps.session),
                   form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    values = {"status": str(form.get("status") or ""), "outcome": str(form.get("outcome") or "")}
    client_id = int(str(form.get("client_id") or "0")) if str(form.get("client_id") or "").isdigit() else 0
    try:
        client_id = records.answer_request(session.actor, request_id, values)
    except FieldErrors as exc:
        if not client_id:
            raise
        return _client_page(request, records, session, client_id, {f"answer_{request_id}": " ".join(exc.errors.values())}, values)
    return RedirectResponse(f"/clients/{client_id}?done=answered#records-law", status_code=303)


@router.post("/clients/{client_id}/corrections")
def attach_correction(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                      form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    visit = str(form.get("visit_id") or "")
    req = str(form.get("request_id") or "")
    values = {"kind": str(form.get("kind") or ""), "part": str(form.get("part") or ""), "text": str(form.get("text") or ""),
              "visit_id": int(visit) if visit.isdigit() and len(visit) < 10 else None,
              "request_id": int(req) if req.isdigit() and len(req) < 10 else None}
    try:
        records.attach_correction(session.actor, client_id, values)
    except FieldErrors as exc:
        return _client_page(request, records, session, client_id, exc.errors, values)
    return RedirectResponse(f"/clients/{client_id}?done=corrected#records-law", status_code=303)


@router.get("/clients/{client_id}/record.pdf")
def readable_copy(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                  records: Records = Depends(deps.records)) -> Response:
    """The client's whole record as a readable PDF (for an access request): details, every visit with its note,
    amendments, corrections and statements of disagreement, questionnaires and letters, the treatment as given,
    consents, and the home programme with its ticks and check-ins."""
    from .pdf import html_to_pdf
    from .record_copy import care

    [record] = records.export_clients(session.actor, client_id, purpose="export.copy")
    corrections = records.corrections(session.actor, client_id)
    context = {"record": record, "corrections": corrections, "clinic": records.clinic_details(session.actor),
               "locale": locale_of(request), "zone": zone_named(session.zone),
               "made": date.today(), "care": care(record)}
    html = request.app.state.templates.get_template("record_copy_pdf.html").render(context)
    return Response(html_to_pdf(html), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="backcare-record-{client_id}-{date.today()}.pdf"',
                             "Cache-Control": "no-store"})


@router.get("/admin/retention")
def retention_page(request: Request, done: int = 0, session: CurrentSession = Depends(deps.session),
                   records: Records = Depends(deps.records)) -> Response:
    actor = _admin(session)
    queue, rule = records.retention_queue(actor)
    return render(request, "retention.html", {"queue": queue, "rule": rule, "destroyed": records.destroyed_records(actor),
                                              "errors": {}, "done": done})


@router.post("/admin/retention/destroy")
def destroy(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
            records: Records = Depends(deps.records)) -> Response:
    actor = _admin(session)
    chosen = [int(v) for v in form.getlist("client") if isinstance(v, str) and v.isdigit() and len(v) < 10]
    try:
        done = records.destroy_records(actor, chosen, str(form.get("confirmation") or ""))
    except FieldErrors as exc:
        queue, rule = records.retention_queue(actor)
        return render(request, "retention.html", {"queue": queue, "rule": rule, "destroyed": records.destroyed_records(actor),
                                                  "errors": exc.errors, "done": 0, "chosen": chosen}, 422)
    return RedirectResponse(f"/admin/retention?done={len(done)}", status_code=303)


BREACH_FIELDS = ("discovered_on", "occurred_on", "kind", "description", "clients_affected", "containment", "clients_notified_on",
                 "regulator_notified_on", "college_notified_on", "closed_on")


def _breach_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in BREACH_FIELDS}
    for key in BREACH_FIELDS:
        if key.endswith("_on"):
            values[key] = _date(values[key])
    count = values["clients_affected"].strip()
    values["clients_affected"] = int(count) if count.isdigit() and len(count) < 9 else count or None
    return values


def _breach_page(request: Request, records: Records, actor: Actor, errors: dict, values: dict, status: int = 200,
                 editing: int | None = None) -> Response:
    from ..retention.rules import jurisdiction

    return render(request, "breaches.html", {"breaches": records.breaches(actor), "errors": errors, "values": values,
                                             "editing": editing, "law": jurisdiction(records.clinic_details(actor).jurisdiction),
                                             "today": date.today()}, status)


@router.get("/admin/breaches")
def breaches(request: Request, edit: int | None = None, session: CurrentSession = Depends(deps.session),
             records: Records = Depends(deps.records)) -> Response:
    actor = _admin(session)
    found = next((b for b in records.breaches(actor) if b.id == edit), None) if edit is not None else None
    values = {k: getattr(found, k) for k in BREACH_FIELDS} if found else {}
    return _breach_page(request, records, actor, {}, values, editing=found.id if found else None)


@router.post("/admin/breaches")
def new_breach(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
               records: Records = Depends(deps.records)) -> Response:
    return _save_breach(request, session, form, records, None)


@router.post("/admin/breaches/{breach_id}")
def update_breach(request: Request, breach_id: int, session: CurrentSession = Depends(deps.session),
                  form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    return _save_breach(request, session, form, records, breach_id)


def _save_breach(request: Request, session: CurrentSession, form: FormData, records: Records, breach_id: int | None) -> Response:
    actor = _admin(session)
    values = _breach_values(form)
    try:
        records.record_breach(actor, values, breach_id)
    except FieldErrors as exc:
        return _breach_page(request, records, actor, exc.errors, values, 422, breach_id)
    return RedirectResponse("/admin/breaches", status_code=303)
