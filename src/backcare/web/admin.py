"""Admin pages: the clinic's users and the audit log."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ..records import FieldErrors, Records
from . import deps
from .pages import render
from .security import CurrentSession

router = APIRouter(include_in_schema=False, prefix="/admin")


@router.get("/users")
async def users(request: Request, session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    return render(request, "users.html", {"users": records.users(session.actor), "errors": {}, "values": {}})


@router.post("/users")
async def add_user(request: Request, session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("email", "name", "role")}
    try:
        records.add_user(session.actor, values["email"], values["name"], str(form.get("password") or ""), values["role"])
    except FieldErrors as exc:
        return render(request, "users.html", {"users": records.users(session.actor), "errors": exc.errors, "values": values}, 422)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/active")
async def set_active(request: Request, user_id: int, session: CurrentSession = Depends(deps.session),
                     records: Records = Depends(deps.records)) -> Response:
    form = await request.form()
    try:
        records.set_user_active(session.actor, user_id, form.get("active") == "yes")
    except FieldErrors as exc:
        return render(request, "users.html", {"users": records.users(session.actor), "errors": exc.errors, "values": {}}, 422)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/audit")
async def audit(request: Request, session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    return render(request, "audit.html", {"events": records.audit_log(session.actor)})
