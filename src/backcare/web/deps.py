"""Request dependencies: the records service, the signed-in user, CSRF."""
from __future__ import annotations

from fastapi import Request

from ..records import Actor, Records
from .security import SAFE_METHODS, SESSION_COOKIE, CsrfFailed, CurrentSession, LoginRequired, submitted_csrf, tokens_match


def records(request: Request) -> Records:
    return request.app.state.records


async def session(request: Request) -> CurrentSession:
    """The signed-in session; state-changing requests must also carry its CSRF token."""
    current = request.app.state.sessions.resume(request.cookies.get(SESSION_COOKIE))
    if current is None:
        raise LoginRequired()
    if request.method not in SAFE_METHODS and not tokens_match(current.csrf_token, await submitted_csrf(request)):
        raise CsrfFailed()
    request.state.session = current
    return current


async def actor(request: Request) -> Actor:
    return (await session(request)).actor
