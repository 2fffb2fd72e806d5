"""Outcomes in the browser: questionnaires (by the therapist, or by the client on the tablet in
client mode), the progress page, and the reports (progress, discharge, referral letter).
Templates live beside the code (templates/).
Part of the web adapter: it imports what the web may import, and the rest of web."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from . import api, client_mode, letters, progress, questionnaires

TEMPLATES = Path(__file__).resolve().parent / "templates"

router = APIRouter(include_in_schema=False)
for module in (questionnaires, client_mode, progress, letters):
    router.include_router(module.router)
api_router = api.router
