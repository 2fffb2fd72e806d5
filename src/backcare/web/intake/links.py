"""The therapist's side: make an intake link, hand it over (copy, QR code, e-mail), see what came back."""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from ...clinical.knowledge.runtime import load_knowledge
from ...records import FieldErrors, Records
from .. import deps
from ..client_links import public_url, qr_svg
from ..mail import MailError, send_mail
from ..render import render
from ..security import CurrentSession

router = APIRouter(include_in_schema=False)


def send_link(settings, to: str, first_name: str, clinic: str, url: str, expires: str) -> None:
    """E-mail the link through the clinic's SMTP server (only when one is configured)."""
    send_mail(settings, to, f"{clinic}: a few questions before your visit",
              f"Hello {first_name},\n\nBefore your visit, please answer a few questions here:\n{url}\n\n"
              f"The link works once and until {expires}. If you have numbness around your bottom or genitals, "
              "or new trouble with your bladder or bowels, go to an emergency department now instead.\n\n"
              f"{clinic}\n")


@router.get("/clients/{client_id}/intake")
def intake_link_form(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                     records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    return render(request, "intake_link.html", {"client": client, "instruments": load_knowledge().outcomes["instruments"],
                                                "links": records.intake_links(session.actor, client_id), "errors": {},
                                                "can_email": bool(request.app.state.settings.smtp_host),
                                                "now": datetime.now(timezone.utc)})


@router.post("/clients/{client_id}/intake")
def make_intake_link(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                     form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    from ..dates import locale_of, moment, zone_named

    client = records.get_client(session.actor, client_id)
    instruments = [x for x in form.getlist("instrument") if isinstance(x, str)]
    days = str(form.get("days") or "7")
    context = {"client": client, "instruments": load_knowledge().outcomes["instruments"],
               "can_email": bool(request.app.state.settings.smtp_host), "now": datetime.now(timezone.utc)}
    try:
        token, expires = records.create_intake_link(session.actor, client_id, instruments,
                                                    int(days) if days.isdigit() and len(days) < 4 else 0)
    except FieldErrors as exc:
        return render(request, "intake_link.html", context | {"links": records.intake_links(session.actor, client_id),
                                                              "errors": exc.errors}, 422)
    url = public_url(request, f"/intake/{token}")
    sent = ""
    if form.get("send_email") == "yes" and client.email and request.app.state.settings.smtp_host:
        expires_text = moment(expires, locale_of(request), zone_named(session.zone))
        try:
            send_link(request.app.state.settings, client.email, (client.name.split() or [""])[0],
                      records.clinic_details(session.actor).name, url, expires_text)
            sent = client.email
            records.record_event(session.actor, "intake.link_email", f"to {client.email}", client_id=client_id)
        except MailError as exc:
            context["email_error"] = f"The e-mail could not be sent ({exc.__class__.__name__}); copy the link instead."
    response = render(request, "intake_link.html", context | {
        "links": records.intake_links(session.actor, client_id), "errors": {}, "url": url, "qr": qr_svg(url, "QR code of the intake link"),
        "expires": expires, "sent": sent})
    return response


@router.post("/intake-links/{link_id}/revoke")
def revoke_link(request: Request, link_id: int, session: CurrentSession = Depends(deps.session),
                records: Records = Depends(deps.records)) -> Response:
    """Withdraw a link that was not used yet (a message to the wrong person, a visit cancelled)."""
    from fastapi.responses import RedirectResponse

    client_id = records.intake_link_client(session.actor, link_id)
    try:
        records.revoke_intake_link(session.actor, link_id)
    except FieldErrors as exc:
        client = records.get_client(session.actor, client_id)
        return render(request, "intake_link.html", {"client": client, "instruments": load_knowledge().outcomes["instruments"],
                                                    "links": records.intake_links(session.actor, client_id), "errors": exc.errors,
                                                    "can_email": bool(request.app.state.settings.smtp_host),
                                                    "now": datetime.now(timezone.utc)}, 409)
    return RedirectResponse(f"/clients/{client_id}/intake", status_code=303)


@router.post("/intakes/{intake_id}/acknowledge")
def acknowledge(request: Request, intake_id: int, session: CurrentSession = Depends(deps.session),
                form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    """An urgent or emergency intake dealt with without a visit: what the therapist did, for the record."""
    from fastapi.responses import RedirectResponse

    found = records.intake(session.actor, intake_id)
    try:
        records.acknowledge_intake(session.actor, intake_id, str(form.get("acknowledgement") or ""))
    except FieldErrors:
        return RedirectResponse(f"/clients/{found.client_id}?done=acknowledge-empty#intake-{intake_id}", status_code=303)
    return RedirectResponse(f"/clients/{found.client_id}?done=acknowledged#intake-{intake_id}", status_code=303)
