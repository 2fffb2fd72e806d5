"""Request dependencies: the records service, the form, the signed-in session, CSRF.

Reading a request body is asynchronous, so the form and the submitted CSRF
token are read here by async dependencies; everything that touches the
database runs in the thread pool (the session check hands its read over to
it), so a slow query or a PDF never holds up the event loop.
"""
from __future__ import annotations

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ..records import Actor, Records
from .security import (SAFE_METHODS, SESSION_COOKIE, ClientModeActive, CsrfFailed, CurrentSession, LoginRequired,
                       PasswordChangeRequired, tokens_match)

# While the client holds the tablet, the session reaches these and nothing else.
CLIENT_MODE_PATHS = ("/client-mode", "/logout")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# Dependencies that do no I/O are async: a plain function dependency costs a thread-pool hop.
async def records(request: Request) -> Records:
    return request.app.state.records


async def form(request: Request) -> FormData:
    """The submitted form (empty for other bodies); read once and kept on the request."""
    if not hasattr(request.state, "form"):
        is_form = request.headers.get("content-type", "").startswith(FORM_TYPES)
        request.state.form = await request.form() if is_form else FormData()
    return request.state.form


async def raw_body(request: Request) -> bytes:
    """The request body as sent (its size is capped before it is read: see limits.BodyLimit)."""
    return await request.body()


async def submitted_csrf(request: Request) -> str | None:
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    value = (await form(request)).get("csrf_token")
    return value if isinstance(value, str) else None


async def session(request: Request, submitted: str | None = Depends(submitted_csrf)) -> CurrentSession:
    """The signed-in session; state-changing requests must also carry its CSRF token.

    A session this worker checked a moment ago is taken from its memory on the
    event loop; otherwise the database is read in the thread pool.
    """
    store, token = request.app.state.sessions, request.cookies.get(SESSION_COOKIE)
    current = store.remembered(token)
    if current is None:
        current = await run_in_threadpool(store.resume, token)
    if current is None:
        raise LoginRequired()
    if request.method not in SAFE_METHODS and not tokens_match(current.csrf_token, submitted):
        raise CsrfFailed()
    request.state.session = current
    if current.client_mode is not None and not request.url.path.startswith(CLIENT_MODE_PATHS):
        raise ClientModeActive()
    if current.must_change_password and request.url.path not in ("/account/password", "/logout", "/api/logout"):
        raise PasswordChangeRequired()
    return current


async def actor(current: CurrentSession = Depends(session)) -> Actor:
    return current.actor
