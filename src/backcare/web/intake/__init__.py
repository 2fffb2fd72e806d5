"""The client's pre-visit intake: the therapist's link (copy, QR code, or e-mail), the client's
own form (no account), and what the therapist sees of it. Templates live beside the code.
Part of the web adapter: it imports what the web may import, and the rest of web."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from . import client_form, links

TEMPLATES = Path(__file__).resolve().parent / "templates"

router = APIRouter(include_in_schema=False)
for module in (links, client_form):
    router.include_router(module.router)
