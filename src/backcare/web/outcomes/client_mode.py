"""Client mode: the therapist hands the tablet over for one questionnaire.

Entering client mode replaces the session with a new one that reaches only
that questionnaire (deps.CLIENT_MODE_PATHS; every other address, the back
button and the API lead back to it). Handing back asks for the therapist's
PIN or password and starts a fresh, normal session. Five wrong tries end the
session: the therapist then signs in again. The client sees their first name
and the questionnaire, nothing else of the record.
"""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...records import FieldErrors, NotFound, Records
from .. import deps
from ..account import set_session_cookie
from ..render import render
from ..security import SESSION_COOKIE, CurrentSession, client_address
from .forms import answers_from_form, errors_by_field, form_values, instrument_for, visit_id_of
from .questionnaires import earlier_activities

router = APIRouter(include_in_schema=False)
MAX_UNLOCK_FAILURES = 5


def _switch(request: Request, response: Response, session: CurrentSession, client_mode: dict | None) -> None:
    """End this session and start another (in or out of client mode) on the same browser."""
    store = request.app.state.sessions
    store.end(request.cookies.get(SESSION_COOKIE))
    token, _csrf = store.start(session.actor, client_mode=client_mode)
    set_session_cookie(request, response, token)


@router.post("/clients/{client_id}/questionnaires/client-mode")
def start_client_mode(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                      form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    # One hand-over for several questionnaires: the first, then each one ticked, in the order offered.
    chosen = list(dict.fromkeys(x for x in form.getlist("instrument") if isinstance(x, str)))[:10]
    inst = instrument_for(request, chosen[0] if chosen else "")
    queue = [instrument_for(request, other)["id"] for other in chosen[1:]]
    visit_id = visit_id_of(form)
    if visit_id is not None and records.get_visit(session.actor, visit_id, purpose="client_mode.visit").client_id != client_id:
        raise NotFound("visit")  # a visit of another client (or, as get_visit refuses, of another clinic)
    back = f"/visits/{visit_id}" if visit_id else f"/clients/{client_id}/progress"
    mode = {"client_id": client_id, "visit_id": visit_id, "instrument": inst["id"], "queue": queue, "done": [],
            "first_name": (client.name.split() or ["you"])[0][:50], "return_to": back, "answered": False, "failures": 0,
            "started": datetime.now(timezone.utc).isoformat()}
    records.record_event(session.actor, "client_mode.start", ", ".join([inst["id"], *queue]), client_id=client_id)
    response = RedirectResponse("/client-mode", status_code=303)
    _switch(request, response, session, mode)
    return response


def _mode(session: CurrentSession) -> dict:
    if session.client_mode is None:
        raise NotFound("client mode")
    return session.client_mode


@router.get("/client-mode")
def client_mode_page(request: Request, session: CurrentSession = Depends(deps.session),
                     records: Records = Depends(deps.records)) -> Response:
    mode = _mode(session)
    if mode.get("kind") == "consent":  # the tablet was handed over for a consent (web/treatment/consent_mode.py)
        return RedirectResponse("/client-mode/consent", status_code=303)
    inst = instrument_for(request, mode["instrument"])
    values = earlier_activities(records, session, mode["client_id"], inst) if not mode["answered"] else {}
    return render(request, "client_mode.html", {"mode": mode, "inst": inst, "values": values, "errors": {},
                                                "client_mode": True})


@router.post("/client-mode")
def client_answers(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
                   records: Records = Depends(deps.records)) -> Response:
    mode = _mode(session)
    if mode.get("kind") == "consent":
        return RedirectResponse("/client-mode/consent", status_code=303)
    inst = instrument_for(request, mode["instrument"])
    if mode["answered"]:
        return RedirectResponse("/client-mode", status_code=303)
    answers = answers_from_form(inst, form)
    try:
        records.record_questionnaire(session.actor, mode["client_id"], inst["id"], answers, visit_id=mode["visit_id"],
                                     mode="client")
    except FieldErrors as exc:
        return render(request, "client_mode.html", {"mode": mode, "inst": inst, "values": form_values(answers),
                                                    "errors": errors_by_field(inst, exc.errors), "client_mode": True}, 422)
    queue = list(mode.get("queue") or [])
    done = [*mode.get("done", []), inst["id"]]
    following = {"instrument": queue[0], "queue": queue[1:]} if queue else {"answered": True}
    request.app.state.sessions.set_client_mode(request.cookies.get(SESSION_COOKIE), {**mode, "done": done, **following})
    return RedirectResponse("/client-mode", status_code=303)


@router.post("/client-mode/unlock")
def unlock(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
           records: Records = Depends(deps.records)) -> Response:
    mode = _mode(session)
    secret = str(form.get("secret") or "")[:200]
    address = client_address(request, request.app.state.settings.trusted_proxies)
    token = request.cookies.get(SESSION_COOKIE)
    # Counted before it is checked: racing tries can never check more than the limit.
    attempt = request.app.state.sessions.count_unlock(token, MAX_UNLOCK_FAILURES)
    if attempt is None:
        return _locked_out(request, records, session, mode, address)
    if secret and records.check_pin_or_password(session.actor, secret):
        records.record_event(session.actor, "client_mode.end", f"from {address}", client_id=mode["client_id"])
        done = ("consent" if mode.get("kind") == "consent" else "client-mode") if mode["answered"] else ""
        response = RedirectResponse(mode["return_to"] + (f"?done={done}" if done else "") + ("#treatment" if mode.get("kind") == "consent" else ""),
                                    status_code=303)
        _switch(request, response, session, None)
        return response
    failures = attempt
    records.record_event(session.actor, "client_mode.unlock_failed", f"from {address}, attempt {failures}",
                         client_id=mode["client_id"])
    if failures >= MAX_UNLOCK_FAILURES:
        return _locked_out(request, records, session, mode, address)
    request.app.state.sessions.set_client_mode(request.cookies.get(SESSION_COOKIE), {**mode, "failures": failures})
    if mode.get("kind") == "consent":
        return RedirectResponse("/client-mode/consent?unlock=failed", status_code=303)
    inst = instrument_for(request, mode["instrument"])
    return render(request, "client_mode.html", {"mode": {**mode, "failures": failures}, "inst": inst, "values": {},
                                                "errors": {"secret": f"That is not right. {MAX_UNLOCK_FAILURES - failures} tries left."},
                                                "client_mode": True, "unlocking": True}, 401)


def _locked_out(request: Request, records: Records, session: CurrentSession, mode: dict, address: str) -> Response:
    """A PIN is short: after five wrong tries the session ends and only a full sign-in reopens the record."""
    request.app.state.sessions.end(request.cookies.get(SESSION_COOKIE))
    records.record_event(session.actor, "client_mode.locked", f"from {address}", client_id=mode["client_id"])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
