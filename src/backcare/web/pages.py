"""Pages: login, logout and clients."""
from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..knowledge.runtime import load_knowledge
from ..records import FieldErrors, Records
from . import deps
from .forms import client_from_form
from .security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, CurrentSession, tokens_match

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    session: CurrentSession | None = getattr(request.state, "session", None)
    base = {"user": session.actor if session else None, "csrf_token": session.csrf_token if session else ""}
    return request.app.state.templates.TemplateResponse(request, template, {**base, **context}, status_code=status)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another host after login.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/clients"


_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
INSECURE_WARNING = ("This connection is not encrypted, so the browser will not keep the login cookie. "
                    "Serve backcare over HTTPS (backcare serve --ssl-certfile ... --ssl-keyfile ...), "
                    "or open it on this computer at http://127.0.0.1.")


def _login_page(request: Request, error: str = "", email: str = "", status: int = 200) -> HTMLResponse:
    # Secure cookies are dropped over plain HTTP except on this computer: say so
    # instead of letting every login bounce back here without a word.
    if (request.app.state.settings.secure_cookies and request.url.scheme != "https"
            and (request.url.hostname or "") not in _LOCAL_HOSTS and not error):
        error = INSECURE_WARNING
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", {"error": error, "email": email, "login_csrf": token,
                                              "next": _safe_next(request.query_params.get("next"))}, status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.app.state.settings.secure_cookies, max_age=3600)
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    email, password = str(form.get("email") or "").strip(), str(form.get("password") or "")
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get("csrf_token") or "")):
        return _login_page(request, "The login form expired. Please try again.", email, 403)
    limiter = request.app.state.limiter
    address = request.client.host if request.client else "unknown"
    if limiter.blocked(address, email):
        return _login_page(request, "Too many failed attempts. Wait 15 minutes and try again.", email, 429)
    actor = request.app.state.records.authenticate(email, password)
    if actor is None:
        limiter.failed(address, email)
        return _login_page(request, "Email or password is not right.", email, 401)
    limiter.succeeded(email)
    request.app.state.records.record_session(actor, "session.login", address)
    token, _csrf = request.app.state.sessions.start(actor)
    response = RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)
    settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=settings.session_max_hours * 3600, path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, session: CurrentSession = Depends(deps.session)) -> Response:
    request.app.state.records.record_session(session.actor, "session.logout", request.client.host if request.client else "unknown")
    request.app.state.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
async def home(_: CurrentSession = Depends(deps.session)) -> Response:
    return RedirectResponse("/clients", status_code=303)


@router.get("/clients")
async def clients(request: Request, q: str = "", session: CurrentSession = Depends(deps.session),
                  records: Records = Depends(deps.records)) -> Response:
    rows = records.list_clients(session.actor, q[:100])
    template = "_client_rows.html" if request.headers.get("hx-request") else "clients.html"
    return render(request, template, {"rows": rows, "q": q})


@router.get("/clients/new")
async def new_client(request: Request, _: CurrentSession = Depends(deps.session)) -> Response:
    return render(request, "client_form.html", {"values": {}, "errors": {}, "client_id": None})


@router.post("/clients/new")
async def create_client(request: Request, session: CurrentSession = Depends(deps.session),
                        records: Records = Depends(deps.records)) -> Response:
    data = client_from_form(await request.form())
    try:
        client_id = records.create_client(session.actor, data)
    except FieldErrors as exc:
        return render(request, "client_form.html", {"values": data, "errors": exc.errors, "client_id": None}, 422)
    return RedirectResponse(f"/clients/{client_id}", status_code=303)


@router.get("/clients/{client_id}")
async def client_page(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                      records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    pains = [(v.visit_date, v.pain_nrs) for v in reversed(client.visits) if v.pain_nrs is not None]
    pain_mic = load_knowledge().outcomes["pain_nrs"]["minimal_important_change"]
    return render(request, "client.html", {"client": client, "pains": pains, "pain_mic": pain_mic})


@router.get("/clients/{client_id}/edit")
async def edit_client(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                      records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    values = {"name": client.name, "date_of_birth": client.date_of_birth, "phone": client.phone, "email": client.email,
              "medical": client.medical, "consent_given": client.consent_given, "consent_date": client.consent_date}
    return render(request, "client_form.html", {"values": values, "errors": {}, "client_id": client_id})


@router.post("/clients/{client_id}/edit")
async def update_client(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                        records: Records = Depends(deps.records)) -> Response:
    data = client_from_form(await request.form())
    records.get_client(session.actor, client_id)  # 404 before validation for a client of another clinic
    try:
        records.update_client(session.actor, client_id, data)
    except FieldErrors as exc:
        return render(request, "client_form.html", {"values": data, "errors": exc.errors, "client_id": client_id}, 422)
    return RedirectResponse(f"/clients/{client_id}", status_code=303)
