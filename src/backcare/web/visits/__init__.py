"""The visit workflow in the browser: the form with its autosaved draft and live assessment,
the visit page, the SOAP note, and the handout. Templates live beside the code (templates/).
`context` holds what the visit page shows, shared by the route modules so that none imports another.
Part of the web adapter: it imports what the web may import, and the rest of web."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from . import drafts, handout, notes, pages, parts

TEMPLATES = Path(__file__).resolve().parent / "templates"

router = APIRouter(include_in_schema=False)
for module in (pages, parts, drafts, notes, handout):
    router.include_router(module.router)
