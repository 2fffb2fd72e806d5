"""The visit form (new visit, or the findings of an unsigned visit), the live panel, and the visit page."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...clinical.caseio import parse_case
from ...clinical.errors import CaseError
from ...clinical.knowledge.runtime import load_knowledge
from ...clinical.vocabulary import vocabulary
from ...records import FieldErrors, Locked, Records
from .. import body_chart, deps
from ..forms import age_on
from ..render import render
from ..security import CurrentSession
from ..homecare.context import next_visit_summary
from . import parts
from .context import dermatomes, visit_context
from .fields import (CARRIED, SECTIONS, by_section, case_from_form, field_of, form_values, tri_state_fields, unfolded,
                     values_from_form, fold_triggers)
from .tables import form_tables

router = APIRouter(include_in_schema=False)


def assess_form(form: FormData) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, str]]:
    """The findings, their assessment, and the fields that need attention.

    A field the case model refuses is left out and the rest is still assessed,
    so one mistyped value never blanks the panel.
    """
    from ...clinical.api import assess_data

    case, _details, errors = case_from_form(form)
    for _ in range(3):  # each pass drops the fields the model refused; three passes always settle
        try:
            findings = parse_case(case).findings()
            return findings, assess_data(findings), errors
        except CaseError as exc:
            for problem in exc.problems:
                name, message = field_of(problem)
                errors.setdefault(name, message)
                _drop(case, name)
    return case, None, errors


def _drop(case: dict[str, Any], path: str) -> None:
    parts = path.split(".")
    node = case
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(parts[-1], None)


def form_page(request: Request, client, values: dict[str, Any], errors: dict[str, str], *, visit=None,
              draft=None, last=None, status: int = 200, notice: str = "", intake_sections: list[str] | None = None,
              between=None, shown: str = "") -> Response:
    """The visit form for a new visit (visit None) or an unsigned visit's findings."""
    kb = load_knowledge()
    screening = kb.screening_questions
    carry = None
    if last is not None:
        last_date, last_case, last_details = last
        carry = {"date": last_date, "sections": by_section(form_values(last_case, last_details))}
    base = f"/visits/{visit.id}/edit" if visit else f"/clients/{client.id}/visits/new"
    tables = form_tables()
    asked_parts = parts.asked(values, shown)
    return render(request, "visit_form.html", {
        "client": client, "visit": visit, "values": values, "errors": errors, "action": base,
        "draft_url": base + "/draft", "draft": draft, "carry": carry, "notice": notice,
        "sections": SECTIONS, "carried_name": CARRIED, "carried": [s for s in str(values.get(CARRIED) or "").split() if s],
        "intake_sections": intake_sections if intake_sections is not None else str(values.get(INTAKE_SECTIONS) or "").split(),
        "intake_sections_name": INTAKE_SECTIONS, "intake_id": values.get("intake_id") or "",
        "screening": screening, "open_sections": unfolded(values) | (set(asked_parts) & {"hip", "circulation"}),
        "fold_triggers": fold_triggers(), "parts_name": parts.ASKED, "shown": shown,
        "inline_parts": parts.inline(values, asked_parts, tables["mechanism_checklist"]),
        "symptom_flags": [f.split(".", 1)[1] for f in tri_state_fields()
                          if f.startswith("symptoms.") and f.split(".", 1)[1] not in screening],
        "front": body_chart.render("front", interactive=True), "back": body_chart.render("back", interactive=True),
        "between": between, "client_id": client.id, **tables}, status)


# Not part of the case: which sections hold the client's own pre-visit answers (their note says so).
INTAKE_SECTIONS = "client_reported_sections"


@router.get("/clients/{client_id}/visits/new")
def new_visit(request: Request, client_id: int, intake: int | None = None, source: str = Query("", alias="from"),
              session: CurrentSession = Depends(deps.session), records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    draft = records.get_draft(session.actor, "new", client_id)
    last = records.last_findings(session.actor, client_id)
    if draft is not None:
        values = dict(draft.data)
    else:
        today = date.today()
        case: dict[str, Any] = {"medical": dict(client.medical)} if client.medical else {}
        if (age := age_on(client.date_of_birth, today)) is not None:
            case["client"] = {"age": age}
        if client.sex:  # recorded once in the client's details
            case.setdefault("client", {})["sex"] = client.sex
        values = form_values(case) | {"visit_date": today.isoformat()}
        if intake is not None:
            values |= _from_intake(records, session, client_id, intake, case)
        elif source == "last" and last is not None:
            values |= _from_last(last, values)
    return form_page(request, client, values, {}, draft=draft, last=last,
                     between=next_visit_summary(records, session.actor, client_id))


def _from_last(last, values: dict[str, Any]) -> dict[str, Any]:
    """A follow-up in one action: every section that carries forward, from the last visit, marked for one
    review; the screening is left to be asked afresh, and today's age and details stay today's."""
    _date, case, details = last
    carried = by_section(form_values(case, details))
    out = {name: value for section in carried.values() for name, value in section.items() if name not in values}
    return out | {CARRIED: " ".join(carried)}


def _from_intake(records: Records, session: CurrentSession, client_id: int, intake_id: int, case: dict[str, Any]) -> dict[str, Any]:
    """The form filled with the client's own answers, each section marked client-reported until confirmed."""
    found = records.intake(session.actor, intake_id)
    if found.client_id != client_id or found.visit_id is not None:
        return {}
    merged = {**case, **{k: v for k, v in found.case.items() if k != "medical"}}
    merged["medical"] = {**case.get("medical", {}), **found.case.get("medical", {})}
    values = form_values(merged)
    sections = list(by_section(form_values(found.case), every_section=True))  # the client's screening answers too
    return values | {"intake_id": str(found.id), CARRIED: " ".join(sections), INTAKE_SECTIONS: " ".join(sections)}


def _visit_data(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """What a submitted form saves, and the problems to show beside their fields."""
    findings, _assessment, errors = assess_form(form)
    _case, details, _ = case_from_form(form)
    if str(form.get(CARRIED) or "").strip():
        errors[CARRIED] = "Check the findings carried forward from the last visit, then confirm or change them"
    data = {"visit_date": str(form.get("visit_date") or "") or None, "case": findings,
            "treatment_given": str(form.get("treatment_given") or ""), "details": details or None}
    return data, errors


def _part_asked(form: FormData) -> str:
    """The part a browser without JavaScript asked to open (the form comes back with it; nothing is saved)."""
    shown = form.get(parts.SHOW)
    return shown if isinstance(shown, str) and shown in parts.PARTS else ""


def _typed(form: FormData) -> dict[str, Any]:
    return {k: v for k, v in values_from_form(form).items() if k != parts.SHOW}


@router.post("/clients/{client_id}/visits/new")
def create_visit(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                 form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    if shown := _part_asked(form):
        return form_page(request, client, _typed(form), {}, shown=shown)
    data, errors = _visit_data(form)
    if not errors:
        intake = str(form.get("intake_id") or "")
        try:
            visit_id = records.create_visit(session.actor, client_id, data,
                                            intake_id=int(intake) if intake.isdigit() and len(intake) < 10 else None)
            return RedirectResponse(f"/visits/{visit_id}?done=saved", status_code=303)
        except FieldErrors as exc:
            errors = {field_of(f"{k}: {v}")[0]: field_of(f"{k}: {v}")[1] for k, v in exc.errors.items()}
    return form_page(request, client, values_from_form(form), errors, status=422)


@router.get("/visits/{visit_id}/edit")
def edit_findings(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                  records: Records = Depends(deps.records)) -> Response:
    visit = records.get_visit(session.actor, visit_id, purpose="visit.edit")
    if visit.signed_at is not None or visit.therapist_id != session.actor.user_id:
        return RedirectResponse(f"/visits/{visit_id}", status_code=303)
    draft = records.get_draft(session.actor, "findings", visit.client_id, visit.id)
    values = dict(draft.data) if draft else form_values(visit.case, visit.details) | {
        "visit_date": visit.visit_date.isoformat(), "treatment_given": visit.treatment_given}
    return form_page(request, visit.client, values, {}, visit=visit, draft=draft)


@router.post("/visits/{visit_id}/edit")
def update_findings(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                    form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    visit = records.get_visit(session.actor, visit_id, purpose="visit.edit")
    if shown := _part_asked(form):
        return form_page(request, visit.client, _typed(form), {}, visit=visit, shown=shown)
    data, errors = _visit_data(form)
    if not errors:
        try:
            redrafted = records.update_findings(session.actor, visit_id, data)
            return RedirectResponse(f"/visits/{visit_id}?done={'findings' if redrafted else 'findings-kept-note'}",
                                    status_code=303)
        except FieldErrors as exc:
            errors = {field_of(f"{k}: {v}")[0]: field_of(f"{k}: {v}")[1] for k, v in exc.errors.items()}
        except Locked:
            visit = records.get_visit(session.actor, visit_id, purpose="visit.edit")
            notice = (f"The note was signed on {_signed_words(request, visit)} while you were editing, so these findings "
                      "can no longer change. What you typed is still here: add what matters as an amendment to the note.")
            return form_page(request, visit.client, values_from_form(form), {}, visit=visit, status=409, notice=notice)
    return form_page(request, visit.client, values_from_form(form), errors, visit=visit, status=422)


def _signed_words(request: Request, visit) -> str:
    from ..dates import locale_of, moment, zone_named

    session = request.state.session
    return moment(visit.signed_at, locale_of(request), zone_named(session.zone))


@router.post("/assess/preview")
def preview(request: Request, _: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form)) -> Response:
    """The live assessment panel: assesses what the form holds, stores nothing."""
    _findings, assessment, errors = assess_form(form)
    return render(request, "_assessment.html", {"assessment": assessment, "left_out": errors,
                                                "dermatomes": dermatomes(assessment), "live": True,
                                                "criteria_ids": list(vocabulary().pain_mechanism_criteria)})


DONE = {
    "saved": "Visit saved. The SOAP note below is drafted from the findings: edit it, then sign.",
    "findings": "Findings updated; the assessment and the drafted note follow them.",
    "findings-kept-note": "Findings updated. Your edited note text was kept: check it still matches the findings.",
    "note": "Note saved as a draft.",
    "signed": "Note signed. It is now locked; corrections go in as amendments.",
    "amended": "Amendment added.",
    "handout": "Handout choice saved.",
    "letter": "Referral letter saved; print it from the list below.",
    "treatment": "Treatment saved. The drafted note follows it unless you edited the note.",
    "consent": "Consent recorded.",
    "withdrawn": "Consent withdrawn and its time recorded; work on those areas is marked as stopped then.",
    "programme": "Home programme saved: the client's link shows it now.",
}


@router.get("/visits/{visit_id}")
def visit_page(request: Request, visit_id: int, done: str = "", session: CurrentSession = Depends(deps.session),
               records: Records = Depends(deps.records)) -> Response:
    visit = records.get_visit(session.actor, visit_id)
    return render(request, "visit.html", visit_context(request, records, session, visit) | {"done": DONE.get(done, "")})
