"""The clinic's settings (admins): name and contact for handouts and letters, the time zone and the date
format (locale) of every page and paper, and how long an idle session lasts."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ..records import LOCALES, MAX_IDLE, MIN_IDLE, ClinicIn, FieldErrors, Forbidden, Records, time_zones, validated
from . import deps
from .dates import day, locale_named
from .render import render
from .security import CurrentSession

router = APIRouter(include_in_schema=False, prefix="/admin")
FIELDS = ("name", "address", "phone", "email", "website", "timezone", "jurisdiction", "locale", "idle_minutes")


def locale_choices() -> list[tuple[str, str]]:
    """Each locale with today's date as it would print, so the choice is by what it looks like."""
    today = date.today()
    return [(name, f"{locale_named(name).display_name} — {day(today, locale_named(name))}") for name in LOCALES]


def _page(request: Request, values: dict, errors: dict, status: int = 200, saved: bool = False) -> Response:
    from ..retention import jurisdictions
    from .treatment.view import pack_choices

    return render(request, "clinic.html", {"values": values, "errors": errors, "zones": time_zones(), "saved": saved,
                                           "locales": locale_choices(), "idle_range": (MIN_IDLE, MAX_IDLE),
                                           "laws": jurisdictions(), **pack_choices(request)}, status)


@router.get("/clinic")
def clinic(request: Request, saved: bool = False, session: CurrentSession = Depends(deps.session),
           records: Records = Depends(deps.records)) -> Response:
    if not session.actor.is_admin:
        raise Forbidden("admins only")
    return _page(request, asdict(records.clinic_details(session.actor)), {}, saved=saved)


@router.post("/clinic")
def save_clinic(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
                records: Records = Depends(deps.records)) -> Response:
    values = {k: str(form.get(k) or "") for k in FIELDS}
    idle = values["idle_minutes"].strip() or "90"  # a form without the field keeps the default
    typed_wrong = {} if idle.isdigit() and len(idle) <= 4 else {"idle_minutes": f"Enter whole minutes from {MIN_IDLE} to {MAX_IDLE}"}
    data = {**values, "email": values["email"] or None, "idle_minutes": int(idle) if not typed_wrong else 90,
            # A form without the records law (an older page, a script) keeps the clinic's own.
            "jurisdiction": values["jurisdiction"] or records.clinic_details(session.actor).jurisdiction}
    try:
        if typed_wrong:
            validated(ClinicIn, data)  # every other problem is reported with it, and nothing is saved
            raise FieldErrors({})
        records.update_clinic(session.actor, data)
    except FieldErrors as exc:
        return _page(request, values, exc.errors | typed_wrong, 422)
    # Sessions remember the clinic's zone, locale and timeout for a few seconds; this worker's must see the change at once.
    request.app.state.sessions.forget_clinic(session.actor.clinic_id)
    return RedirectResponse("/admin/clinic?saved=true", status_code=303)
