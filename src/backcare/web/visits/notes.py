"""The SOAP note: save, sign (one transaction), amend; a note signed elsewhere keeps what was typed."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...records import FieldErrors, Locked, Records
from .. import deps
from ..security import CurrentSession
from .context import render_visit
from .drafts import SOAP_FIELDS

router = APIRouter(include_in_schema=False)
SECTIONS = {"subjective": "soap_subjective", "objective": "soap_objective", "assessment": "soap_assessment", "plan": "soap_plan",
            "treatment_given": "treatment_given"}


@router.post("/visits/{visit_id}/soap")
def save_soap(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
              form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    note = {k: str(form.get(k) or "") for k in SOAP_FIELDS}
    signing = form.get("action") == "sign"
    try:
        # Saving and signing is one transaction: a refused signature saves nothing.
        records.save_soap(session.actor, visit_id, note, sign=signing)
    except FieldErrors as exc:
        return render_visit(request, records, session, visit_id, 422, errors=exc.errors, values=note)
    except Locked:
        # Signed meanwhile (another tab, another device): show the signed note, and what was
        # typed here beside it, ready to become an amendment. Nothing typed is lost.
        visit = records.get_visit(session.actor, visit_id)
        changed = {k: v for k, v in note.items() if v.strip() and v != (getattr(visit, SECTIONS[k]) or "")}
        return render_visit(request, records, session, visit_id, 409, conflict=changed,
                            amendment_text="\n\n".join(f"{k.replace('_', ' ').capitalize()}: {v}" for k, v in changed.items()))
    return RedirectResponse(f"/visits/{visit_id}?done={'signed' if signing else 'note'}#soap", status_code=303)


@router.post("/visits/{visit_id}/amend")
def amend(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
          form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    text = str(form.get("amendment") or "")
    try:
        records.amend(session.actor, visit_id, text)
    except FieldErrors as exc:
        return render_visit(request, records, session, visit_id, 422, errors=exc.errors, amendment_text=text)
    return RedirectResponse(f"/visits/{visit_id}?done=amended#soap", status_code=303)
