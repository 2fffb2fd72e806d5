"""Between visits, on the web: the client's home programme on their phone (no account), the
therapist's page for its link and what came back, the next visit's changes, and what the visit,
progress and client-list pages show of it. Templates live beside the code.
Part of the web adapter: it imports what the web may import, and the rest of web."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from . import client_page, therapist

TEMPLATES = Path(__file__).resolve().parent / "templates"

router = APIRouter(include_in_schema=False)
for module in (therapist, client_page):
    router.include_router(module.router)
