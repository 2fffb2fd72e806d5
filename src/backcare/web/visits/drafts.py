"""Autosave: the browser posts the form as the therapist types; a draft resumes it anywhere.

Answers are JSON for the page's script: the saved version and time, or why
nothing was saved (409: edited elsewhere, or signed; 401: the session ended,
and the script keeps the typing in the tab until the therapist signs in again).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from ...records import DraftConflict, Locked, Records
from .. import deps
from ..dates import locale_of, moment, zone_named
from ..security import CurrentSession
from .fields import values_from_form

router = APIRouter(include_in_schema=False)
CONTROL = ("draft_version", "draft_force")
SOAP_FIELDS = ("subjective", "objective", "assessment", "plan", "treatment_given")


def _time(request: Request, session: CurrentSession, value) -> str:
    return moment(value, locale_of(request), zone_named(session.zone))


def _save(request: Request, session: CurrentSession, records: Records, form: FormData, kind: str, **target: Any) -> Response:
    data = {k: v for k, v in values_from_form(form).items() if k not in CONTROL}
    if kind == "soap":
        data = {k: v for k, v in data.items() if k in SOAP_FIELDS}
    try:
        base = int(str(form.get("draft_version") or "0"))
    except ValueError:
        base = 0
    try:
        version, saved = records.save_draft(session.actor, kind, data, base, force=form.get("draft_force") == "yes", **target)
    except DraftConflict as conflict:
        detail = ("This visit was saved or its draft discarded in another tab or on another device."
                  if conflict.version == 0 else
                  f"This draft was changed in another tab or on another device at {_time(request, session, conflict.updated_at)}.")
        return JSONResponse({"detail": detail + " What you typed here is kept in this tab.", "conflict": "draft"},
                            status_code=409)
    except Locked:
        return JSONResponse({"detail": "This note was signed in another tab or on another device, so it can no longer "
                                       "change. What you typed here is kept on this page: add what matters as an amendment.",
                             "conflict": "signed"}, status_code=409)
    return JSONResponse({"version": version, "saved": _time(request, session, saved)})


@router.post("/clients/{client_id}/visits/new/draft")
def save_new_visit_draft(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                         form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    return _save(request, session, records, form, "new", client_id=client_id)


@router.post("/visits/{visit_id}/edit/draft")
def save_findings_draft(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                        form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    return _save(request, session, records, form, "findings", visit_id=visit_id)


@router.post("/visits/{visit_id}/soap/draft")
def save_note_draft(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                    form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    return _save(request, session, records, form, "soap", visit_id=visit_id)


@router.post("/clients/{client_id}/visits/new/draft/discard")
def discard_new_visit_draft(client_id: int, session: CurrentSession = Depends(deps.session),
                            records: Records = Depends(deps.records)) -> Response:
    records.discard_draft(session.actor, "new", client_id)
    return RedirectResponse(f"/clients/{client_id}?done=discarded", status_code=303)


@router.post("/visits/{visit_id}/edit/draft/discard")
def discard_findings_draft(visit_id: int, session: CurrentSession = Depends(deps.session),
                           records: Records = Depends(deps.records)) -> Response:
    visit = records.get_visit(session.actor, visit_id, purpose="visit.edit")
    records.discard_draft(session.actor, "findings", visit.client_id, visit.id)
    return RedirectResponse(f"/visits/{visit_id}", status_code=303)
