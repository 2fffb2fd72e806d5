"""Admin pages: the clinic's users (add, deactivate, reset a password) and the audit log."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ..records import FieldErrors, Records
from . import deps
from .render import render
from .security import CurrentSession

router = APIRouter(include_in_schema=False, prefix="/admin")


def _users_page(request: Request, records: Records, session: CurrentSession, errors: dict, values: dict,
                status: int = 200, notice: str = "") -> Response:
    return render(request, "users.html", {"users": records.users(session.actor), "errors": errors, "values": values,
                                          "notice": notice}, status)


@router.get("/users")
def users(request: Request, reset: str = "", session: CurrentSession = Depends(deps.session),
          records: Records = Depends(deps.records)) -> Response:
    notice = f"The password of {reset[:254]} is reset; they choose their own at their next login." if reset else ""
    return _users_page(request, records, session, {}, {}, notice=notice)


@router.post("/users")
def add_user(request: Request, session: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form),
             records: Records = Depends(deps.records)) -> Response:
    values = {k: str(form.get(k) or "")[:300] for k in ("email", "name", "role")}
    try:
        records.add_user(session.actor, values["email"], values["name"], str(form.get("password") or ""), values["role"])
    except FieldErrors as exc:
        return _users_page(request, records, session, exc.errors, values, 422)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/active")
def set_active(request: Request, user_id: int, session: CurrentSession = Depends(deps.session),
               form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    try:
        records.set_user_active(session.actor, user_id, form.get("active") == "yes")
        request.app.state.sessions.forget_user(user_id)
    except FieldErrors as exc:
        return _users_page(request, records, session, exc.errors, {}, 422)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/password")
def reset_password(request: Request, user_id: int, session: CurrentSession = Depends(deps.session),
                   form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    try:
        records.reset_password(session.actor, user_id, str(form.get("password") or ""))
        request.app.state.sessions.forget_user(user_id)
    except FieldErrors as exc:
        return _users_page(request, records, session, {f"reset-{user_id}": exc.errors.get("password", str(exc))}, {}, 422)
    email = next((u.email for u in records.users(session.actor) if u.id == user_id), "")
    return RedirectResponse(f"/admin/users?reset={email}", status_code=303)


# The kinds of event the log can be narrowed to: an action prefix -> what it is in words.
AUDIT_ACTIONS = {"": "anything", "client.": "client records and lists", "visit.": "visits", "soap.": "notes",
                 "draft.": "drafts", "intake.": "pre-visit intakes", "questionnaire.": "questionnaires",
                 "progress.": "progress and reports", "episode.": "discharges", "referral_letter.": "referral letters",
                 "client_mode.": "client mode on the tablet", "session.": "sign-ins and sign-outs", "user.": "accounts",
                 "clinic.": "clinic settings", "export": "exports", "import": "imports", "access.refused": "refused attempts"}


@router.get("/audit")
def audit(request: Request, before: int | None = None, user: str = "", client: str = "", action: str = "",
          since: str = "", until: str = "", session: CurrentSession = Depends(deps.session),
          records: Records = Depends(deps.records)) -> Response:
    from datetime import date, datetime, time, timedelta

    from ..records import AuditFilter
    from .dates import zone_named

    zone = zone_named(session.zone)

    def day_start(text: str, days: int = 0) -> datetime | None:  # a date of the form, at midnight in the clinic's zone
        try:
            return datetime.combine(date.fromisoformat(text[:10]) + timedelta(days=days), time(), zone)
        except ValueError:
            return None

    users = records.users(session.actor)
    user_id = int(user) if user.isdigit() and any(u.id == int(user) for u in users) else None
    where = AuditFilter(user_id=user_id, client_ids=tuple(records.clients_named(session.actor, client)) if client.strip() else None,
                        action=action if action in AUDIT_ACTIONS else "", since=day_start(since), until=day_start(until, 1))
    filters = {"user": user if user_id else "", "client": client[:100], "action": where.action, "since": since[:10] if where.since else "",
               "until": until[:10] if where.until else ""}
    return render(request, "audit.html", {"page": records.audit_log(session.actor, before=before, where=where),
                                          "users": users, "actions": AUDIT_ACTIONS, "filters": filters,
                                          # A list found by the client filter names only the clients asked about.
                                          "focus": set(where.client_ids) if where.client_ids is not None else None})
