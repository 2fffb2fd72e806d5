"""Rendering a page with what every page needs: the user, the CSRF token, the locale and time zone."""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from .dates import locale_from, zone_named
from .security import CurrentSession


def page_context(request: Request) -> dict[str, Any]:
    session: CurrentSession | None = getattr(request.state, "session", None)
    return {"user": session.actor if session else None, "csrf_token": session.csrf_token if session else "",
            "locale": locale_from(request.headers.get("accept-language")),
            "zone": zone_named(session.zone if session else None)}


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, {**page_context(request), **context},
                                                        status_code=status)
