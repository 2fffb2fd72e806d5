"""Rendering a page with what every page needs: the user, the CSRF token, the locale and time zone."""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from .dates import locale_named, zone_named
from .security import CurrentSession, masked


def page_context(request: Request) -> dict[str, Any]:
    session: CurrentSession | None = getattr(request.state, "session", None)
    return {"user": session.actor if session else None, "csrf_token": masked(session.csrf_token) if session else "",
            "locale": locale_named(session.locale if session else None),
            "zone": zone_named(session.zone if session else None),
            # The page warns before an idle session ends, and offers to keep it (static/app.js).
            "idle_seconds": session.idle_minutes * 60 if session and not session.client_mode else 0}


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, {**page_context(request), **context},
                                                        status_code=status)
