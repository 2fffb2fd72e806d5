"""The clinic's own details (admins): name and contact for handouts, and the time zone of every page."""
from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ..records import FieldErrors, Forbidden, Records, time_zones
from . import deps
from .render import render
from .security import CurrentSession

router = APIRouter(include_in_schema=False, prefix="/admin")
FIELDS = ("name", "address", "phone", "email", "website", "timezone", "jurisdiction")


def _page(request: Request, values: dict, errors: dict, status: int = 200, saved: bool = False) -> Response:
    from ..retention import jurisdictions

    return render(request, "clinic.html", {"values": values, "errors": errors, "zones": time_zones(), "saved": saved,
                                           "laws": jurisdictions()}, status)


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
    try:
        records.update_clinic(session.actor, {**values, "email": values["email"] or None})
    except FieldErrors as exc:
        return _page(request, values, exc.errors, 422)
    # Sessions remember the clinic's zone for a few seconds; this worker's must see the change at once.
    request.app.state.sessions.forget_clinic(session.actor.clinic_id)
    return RedirectResponse("/admin/clinic?saved=true", status_code=303)
