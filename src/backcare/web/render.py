"""Rendering a page with what every page needs (the user, the CSRF token)."""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from .security import CurrentSession


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    session: CurrentSession | None = getattr(request.state, "session", None)
    base = {"user": session.actor if session else None, "csrf_token": session.csrf_token if session else ""}
    return request.app.state.templates.TemplateResponse(request, template, {**base, **context}, status_code=status)
