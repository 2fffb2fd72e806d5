"""The therapist's side: the client's home programme page (the link by copy, QR code, message or
e-mail; revoking it; adherence and check-ins by week), acknowledging a flagged check-in, and the
next visit's changes to the programme."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...homecare import rules
from ...records import FieldErrors, Records
from .. import deps
from ..client_links import public_url, qr_svg
from ..dates import day, locale_of
from ..mail import MailError, configured, send_mail
from ..render import render
from ..security import CurrentSession
from .context import progress_homecare

router = APIRouter(include_in_schema=False)


def link_message(first_name: str, clinic: str, url: str, until: str) -> str:
    """The message that hands the link over: by e-mail, or copied into the client's own messages."""
    return (f"Hello {first_name},\n\nYour home programme from {clinic}: today's exercises, a tick for each one you do, "
            f"and a short check-in each week. Keep this link; it works until {until} or until your care ends:\n{url}\n\n"
            "If you notice numbness around your bottom or genitals, new trouble with your bladder or bowels, or weakness "
            f"in your legs that is getting worse, do not wait: go to an emergency department now.\n\n{clinic}\n")


def _page(request: Request, records: Records, session: CurrentSession, client_id: int, status: int = 200, **extra) -> Response:
    client = records.get_client(session.actor, client_id)
    locale = locale_of(request)
    section = progress_homecare(records, session.actor, client_id, None, records.episode_record(
        session.actor, client_id, purpose="homecare.read"), lambda d: day(d, locale))
    context: dict[str, Any] = {
        "client": client, "programme": records.current_programme(session.actor, client_id), "section": section,
        "links": records.home_links(session.actor, client_id), "activities": records.psfs_activities(session.actor, client_id),
        "flagged": records.flagged_check_ins(session.actor, client_id),
        "can_email": configured(request.app.state.settings) and bool(client.email), "link_rules": rules().link,
        "now": datetime.now(timezone.utc), "errors": {}, "values": {}, **extra}
    return render(request, "homecare.html", context, status)


@router.get("/clients/{client_id}/homecare")
def homecare_page(request: Request, client_id: int, done: str = "", session: CurrentSession = Depends(deps.session),
                  records: Records = Depends(deps.records)) -> Response:
    messages = {"revoked": "The link was revoked: it no longer opens.", "acknowledged": "Check-in acknowledged."}
    return _page(request, records, session, client_id, done=messages.get(done, ""))


@router.post("/clients/{client_id}/homecare")
def make_link(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
              form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    weeks = str(form.get("weeks") or "")
    activity = str(form.get("psfs_activity") or "") or None
    try:
        token, expires = records.create_home_link(session.actor, client_id, int(weeks) if weeks.isdigit() and len(weeks) < 4 else 0,
                                                  psfs_activity=activity)
    except FieldErrors as exc:
        return _page(request, records, session, client_id, 422, errors=exc.errors, values={"weeks": weeks, "psfs_activity": activity})
    client = records.get_client(session.actor, client_id)
    url = public_url(request, f"/home/{token}")
    clinic = records.clinic_details(session.actor).name
    until = day(expires.astimezone(records.clinic_details(session.actor).zone).date(), locale_of(request))
    message = link_message((client.name.split() or [""])[0], clinic, url, until)
    sent, email_error = "", ""
    if form.get("send_email") == "yes" and client.email and configured(request.app.state.settings):
        try:
            send_mail(request.app.state.settings, client.email, f"{clinic}: your home programme", message)
            sent = client.email
            records.record_event(session.actor, "homecare.link_email", f"to {client.email}", client_id=client_id)
        except MailError as exc:
            email_error = f"The e-mail could not be sent ({exc.__class__.__name__}); copy the message instead."
    return _page(request, records, session, client_id, url=url, qr=qr_svg(url, "QR code of the home programme link"),
                 message=message, expires=expires, sent=sent, email_error=email_error)


@router.post("/clients/{client_id}/homecare/reminder")
def reminder_message(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                     records: Records = Depends(deps.records)) -> Response:
    """A reminder of the weekly check-in to copy into a message, when backcare sends no e-mail itself."""
    from .outbox import reminder_text

    client = records.get_client(session.actor, client_id)
    try:
        token = records.reminder_key(session.actor, client_id)
    except FieldErrors as exc:
        return _page(request, records, session, client_id, 422, errors=exc.errors)
    url = public_url(request, f"/home/{token}")
    _subject, body = reminder_text(client.name, records.clinic_details(session.actor).name, url)
    return _page(request, records, session, client_id, reminder=body)


@router.post("/clients/{client_id}/homecare/links/{link_id}/revoke")
def revoke_link(request: Request, client_id: int, link_id: int, session: CurrentSession = Depends(deps.session),
                records: Records = Depends(deps.records)) -> Response:
    records.revoke_home_link(session.actor, client_id, link_id)
    return RedirectResponse(f"/clients/{client_id}/homecare?done=revoked", status_code=303)


@router.post("/check-ins/{check_in_id}/acknowledge")
def acknowledge(request: Request, check_in_id: int, session: CurrentSession = Depends(deps.session),
                form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    client_id = records.acknowledge_check_in(session.actor, check_in_id)
    back = str(form.get("back") or "")
    # Back to the page the alert was on: only backcare's own client list or client pages.
    target = back if back in ("/clients", "/today") else f"/clients/{client_id}/homecare?done=acknowledged"
    return RedirectResponse(target, status_code=303)


@router.post("/visits/{visit_id}/programme")
def change_programme(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                     form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    from ..visits.context import render_visit

    try:
        if form.get("action") == "handout":
            records.start_programme(session.actor, visit_id)
        else:
            changes = {k.removeprefix("change."): str(v)[:70] for k, v in form.multi_items() if k.startswith("change.") and isinstance(v, str)}
            added = [str(v)[:60] for v in form.getlist("add") if isinstance(v, str) and v]
            records.revise_programme(session.actor, visit_id, changes, added)
    except FieldErrors as exc:
        return render_visit(request, records, session, visit_id, 422, errors=exc.errors)
    return RedirectResponse(f"/visits/{visit_id}?done=programme#programme", status_code=303)
