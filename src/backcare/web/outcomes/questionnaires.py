"""A questionnaire entered by the therapist, or handed to the client in client mode."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...clinical.knowledge.runtime import load_knowledge
from ...records import FieldErrors, Records
from .. import deps
from ..render import render
from ..security import CurrentSession
from .forms import answers_from_form, errors_by_field, form_values, instrument_for, visit_id_of

router = APIRouter(include_in_schema=False)


def _page(request: Request, client, inst, visit_id: int | None, values: dict, errors: dict, status: int = 200) -> Response:
    return render(request, "questionnaire_form.html", {"client": client, "inst": inst, "visit_id": visit_id,
                                                       "values": values, "errors": errors,
                                                       "instruments": load_knowledge().outcomes["instruments"]}, status)


@router.get("/clients/{client_id}/questionnaires/new")
def new_questionnaire(request: Request, client_id: int, instrument: str = "nprs", visit: int | None = None,
                      session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    inst = instrument_for(request, instrument)
    return _page(request, client, inst, visit, earlier_activities(records, session, client_id, inst), {})


def earlier_activities(records: Records, session: CurrentSession, client_id: int, inst: dict) -> dict[str, str]:
    """The activities the client named last time (PSFS), filled in again: they rate the same ones at every visit."""
    if inst["kind"] != "activities":
        return {}
    last = records.latest_answers(session.actor, client_id, inst["id"]) or {}
    return {f"a.{item}.activity": str(answer.get("activity", "")) for item, answer in last.items()
            if isinstance(answer, dict) and answer.get("activity")}


@router.post("/clients/{client_id}/questionnaires/new")
def record_questionnaire(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                         form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    inst = instrument_for(request, str(form.get("instrument") or ""))
    visit_id = visit_id_of(form)
    answers = answers_from_form(inst, form)
    try:
        records.record_questionnaire(session.actor, client_id, inst["id"], answers, visit_id=visit_id)
    except FieldErrors as exc:
        return _page(request, client, inst, visit_id, form_values(answers), errors_by_field(inst, exc.errors), 422)
    return RedirectResponse(f"/clients/{client_id}/progress?done={inst['id']}", status_code=303)

