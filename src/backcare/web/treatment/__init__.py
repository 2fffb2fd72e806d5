"""The treatment session's pages: consent (by the therapist, or by the client on the tablet in client mode),
the treatment as given with "as planned", the client's response; the clinic's consent pack. Templates beside it."""
from __future__ import annotations

from fastapi import APIRouter

from . import consent_mode, pages

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(consent_mode.router)
