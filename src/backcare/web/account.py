"""Signing in and out, and the user's own password."""
from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from ..records import FieldErrors, Records
from . import deps
from .render import render
from .security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, CurrentSession, client_address, tokens_match

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another host after login.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 2000:
        return target
    return "/today"


_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
INSECURE_WARNING = ("This connection is not encrypted, so the browser will not keep the login cookie. "
                    "Serve backcare over HTTPS (backcare serve --ssl-certfile ... --ssl-keyfile ...), "
                    "or open it on this computer at http://127.0.0.1.")


def _login_page(request: Request, error: str = "", email: str = "", status: int = 200) -> HTMLResponse:
    # Secure cookies are dropped over plain HTTP except on this computer: say so
    # instead of letting every login bounce back here without a word.
    if (request.app.state.settings.secure_cookies and request.url.scheme != "https"
            and (request.url.hostname or "") not in _LOCAL_HOSTS and not error
            and not request.app.state.settings.trusted_proxies):
        error = INSECURE_WARNING
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", {"error": error, "email": email[:254], "login_csrf": token,
                                              "next": _safe_next(request.query_params.get("next"))}, status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.app.state.settings.secure_cookies, max_age=3600)
    return response


DEVICE_COOKIE = "backcare_device"
DEVICE_DAYS = 400


def _wait_words(seconds: int) -> str:
    return f"{seconds} second{'s' if seconds != 1 else ''}" if seconds < 90 else f"{round(seconds / 60)} minutes"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=settings.session_max_hours * 3600, path="/")


def start_session(request: Request, response: Response, actor) -> str:
    """Open a session for the actor and set its cookie on the response; returns the CSRF token.

    A session this browser still holds ends first: signing in again never leaves the earlier session usable."""
    sessions = request.app.state.sessions
    sessions.end(request.cookies.get(SESSION_COOKIE))
    token, csrf = sessions.start(actor)
    set_session_cookie(request, response, token)
    return csrf


def sign_in(request: Request, email: str, password: str, response: Response):
    """Check the rate limit and the password; returns (actor or None, error message, status).

    On success the browser is remembered as a known device of the account (a cookie on `response`)."""
    from .ratelimit import Keys

    app = request.app.state
    limiter, address = app.limiter, client_address(request, app.settings.trusted_proxies)
    device = request.cookies.get(DEVICE_COOKIE)
    known = device if device and len(device) <= 100 and app.records.device_known(device, email) else None
    keys = Keys.of(address, email, known)
    wait = limiter.attempt(keys)
    if wait:
        response.headers["Retry-After"] = str(wait)
        return None, f"Too many failed attempts. Wait {_wait_words(wait)} and try again.", 429
    actor = app.records.authenticate(email, password)
    if actor is None:
        return None, "Email or password is not right.", 401
    limiter.succeeded(keys)
    app.records.record_session(actor, "session.login", address)
    token = app.records.remember_device(actor, known)
    response.set_cookie(DEVICE_COOKIE, token, httponly=True, samesite="strict", secure=app.settings.secure_cookies,
                        max_age=DEVICE_DAYS * 86400, path="/")
    return actor, "", 200


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
def login(request: Request, form: FormData = Depends(deps.form)) -> Response:
    email, password = str(form.get("email") or ""), str(form.get("password") or "")
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get("csrf_token") or "")):
        return _login_page(request, "The login form expired. Please try again.", email, 403)
    response = RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)
    actor, error, status = sign_in(request, email, password, response)
    if actor is None:
        page = _login_page(request, error, email, status)
        if "retry-after" in response.headers:
            page.headers["Retry-After"] = response.headers["retry-after"]
        return page
    start_session(request, response, actor)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, session: CurrentSession = Depends(deps.session)) -> Response:
    address = client_address(request, request.app.state.settings.trusted_proxies)
    request.app.state.records.record_session(session.actor, "session.logout", address)
    request.app.state.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(_: CurrentSession = Depends(deps.session)) -> Response:
    return RedirectResponse("/today", status_code=303)


@router.get("/account/password")
def password_form(request: Request, changed: bool = False, pin: bool = False, session: CurrentSession = Depends(deps.session),
                  records: Records = Depends(deps.records)) -> Response:
    return render(request, "password.html", {"errors": {}, "forced": session.must_change_password, "done": changed,
                                             "pin_done": pin, "has_pin": records.has_pin(session.actor)})


@router.post("/account/pin")
def set_pin(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
            records: Records = Depends(deps.records)) -> Response:
    try:
        records.set_pin(session.actor, str(form.get("pin_password") or ""), str(form.get("pin") or ""))
    except FieldErrors as exc:
        return render(request, "password.html", {"errors": exc.errors, "forced": False, "done": False, "pin_done": False,
                                                 "has_pin": records.has_pin(session.actor)}, 422)
    return RedirectResponse("/account/password?pin=true#pin", status_code=303)


@router.post("/account/password")
def change_password(request: Request, session: CurrentSession = Depends(deps.session),
                    form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    current, new, again = (str(form.get(k) or "") for k in ("current_password", "password", "password_again"))
    try:
        if new != again:
            raise FieldErrors({"password_again": "The two new passwords differ"})
        records.change_password(session.actor, current, new)
        request.app.state.sessions.forget_user(session.actor.user_id)
    except FieldErrors as exc:
        return render(request, "password.html", {"errors": exc.errors, "forced": session.must_change_password,
                                                 "done": False, "has_pin": records.has_pin(session.actor)}, 422)
    # Every session of the account ended with the change; this one continues as a new session.
    response = RedirectResponse("/account/password?changed=true", status_code=303)
    start_session(request, response, session.actor)
    return response


@router.post("/session/keep")
def keep_session(request: Request, session: CurrentSession = Depends(deps.session)) -> Response:
    """'Stay signed in': a full idle timeout from now. The page's warning calls it before the session ends."""
    from fastapi.responses import JSONResponse

    expires = request.app.state.sessions.keep_alive(request.cookies.get(SESSION_COOKIE))
    return JSONResponse({"idle_seconds": session.idle_minutes * 60, "expires_at": expires.isoformat() if expires else None})
