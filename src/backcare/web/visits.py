"""Pages for visits: intake and examination, live assessment, SOAP note, handouts."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ..api import assess_data
from ..caseio import parse_case
from ..errors import CaseError
from ..knowledge.runtime import load_knowledge
from ..records import FieldErrors, Records
from ..vocabulary import vocabulary
from . import body_chart, deps
from .forms import CHART_FIELDS, PAIN_QUALITIES, age_on, case_from_form, field_of, form_values, tri_state_fields
from .render import render
from .security import CurrentSession

router = APIRouter(include_in_schema=False)


def _assess_form(form) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, str]]:
    case, errors = case_from_form(form)
    if errors:
        return case, None, errors
    try:
        findings = parse_case(case).findings()
    except CaseError as exc:
        return case, None, dict(field_of(p) for p in exc.problems)
    return findings, assess_data(findings), {}


def mechanism_checklist() -> list[tuple[str, list[tuple[str, str]]]]:
    """The pain-mechanism criteria in plain words, grouped as Smart's checklist groups them."""
    criteria = load_knowledge().pain_mechanisms["criteria"]
    numbered = list(vocabulary().pain_mechanism_criteria)  # checklist order: 1-27 history, 28-38 examination
    items = [(cid, criteria[cid]["label"]) for cid in numbered]
    return [("From the history", items[:27]), ("From the examination", items[27:])]


def _form_context(client, values: dict[str, Any], errors: dict[str, str], assessment: dict | None, **extra) -> dict[str, Any]:
    # The emergency screening questions (knowledge base) come first in the form.
    screening = load_knowledge().screening_questions
    return {"client": client, "values": values, "errors": errors, "assessment": assessment,
            "mechanism_checklist": mechanism_checklist(),
            "chart_fields": CHART_FIELDS, "pain_qualities": PAIN_QUALITIES, "screening": screening,
            "symptom_flags": [f.split(".", 1)[1] for f in tri_state_fields()
                              if f.startswith("symptoms.") and f.split(".", 1)[1] not in screening],
            "front": body_chart.render("front", interactive=True), "back": body_chart.render("back", interactive=True),
            "shapes": body_chart.SHAPES, "dermatomes": _dermatomes(assessment), **extra}


def _dermatomes(assessment: dict | None):
    if not assessment or not assessment["nerve_roots"]:
        return None
    return body_chart.dermatome_map(assessment["nerve_roots"], load_knowledge().neuro["dermatomes"])


@router.get("/clients/{client_id}/visits/new")
def new_visit(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                    records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    today = date.today()
    case: dict[str, Any] = {"medical": dict(client.medical)} if client.medical else {}
    if (age := age_on(client.date_of_birth, today)) is not None:
        case["client"] = {"age": age}
    values = form_values(case) | {"visit_date": today.isoformat()}
    return render(request, "visit_form.html", _form_context(client, values, {}, None))


@router.post("/assess/preview")
def preview(request: Request, _: CurrentSession = Depends(deps.session), form: FormData = Depends(deps.form)) -> Response:
    """The live assessment panel: assesses what the form holds, stores nothing."""
    _findings, assessment, errors = _assess_form(form)
    return render(request, "_assessment.html", {"assessment": assessment, "errors": errors,
                                                "dermatomes": _dermatomes(assessment), "live": True,
                                                "criteria_ids": list(vocabulary().pain_mechanism_criteria)})


@router.post("/clients/{client_id}/visits/new")
def create_visit(request: Request, client_id: int, session: CurrentSession = Depends(deps.session),
                 form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    client = records.get_client(session.actor, client_id)
    findings, assessment, errors = _assess_form(form)
    visit_date = str(form.get("visit_date") or "")
    if not errors:
        try:
            visit_id = records.create_visit(session.actor, client_id, {
                "visit_date": visit_date or None, "case": findings, "treatment_given": str(form.get("treatment_given") or "")})
            return RedirectResponse(f"/visits/{visit_id}", status_code=303)
        except FieldErrors as exc:
            errors = {field_of(f"{k}: {v}")[0]: v for k, v in exc.errors.items()}
    values = form_values(case_from_form(form)[0]) | {"visit_date": visit_date, "treatment_given": form.get("treatment_given") or ""}
    return render(request, "visit_form.html", _form_context(client, values, errors, assessment), 422)


@router.get("/visits/{visit_id}")
def visit_page(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                     records: Records = Depends(deps.records)) -> Response:
    visit = records.get_visit(session.actor, visit_id)
    return render(request, "visit.html", {"visit": visit, "assessment": visit.assessment, "errors": {},
                                          "dermatomes": _dermatomes(visit.assessment)})


def _visit_with_errors(request: Request, records: Records, session: CurrentSession, visit_id: int,
                       errors: dict[str, str], values: dict[str, str] | None = None) -> Response:
    visit = records.get_visit(session.actor, visit_id)
    return render(request, "visit.html", {"visit": visit, "assessment": visit.assessment, "errors": errors,
                                          "values": values or {}, "dermatomes": _dermatomes(visit.assessment)}, 422)


@router.post("/visits/{visit_id}/soap")
def save_soap(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
              form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    note = {k: str(form.get(k) or "") for k in ("subjective", "objective", "assessment", "plan", "treatment_given")}
    try:
        # Saving and signing is one transaction: a refused signature saves nothing.
        records.save_soap(session.actor, visit_id, note, sign=form.get("action") == "sign")
    except FieldErrors as exc:
        return _visit_with_errors(request, records, session, visit_id, exc.errors, note)
    return RedirectResponse(f"/visits/{visit_id}#soap", status_code=303)


@router.post("/visits/{visit_id}/amend")
def amend(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
          form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    try:
        records.amend(session.actor, visit_id, str(form.get("amendment") or ""))
    except FieldErrors as exc:
        return _visit_with_errors(request, records, session, visit_id, exc.errors)
    return RedirectResponse(f"/visits/{visit_id}#soap", status_code=303)


def _pdf(request: Request, template: str, context: dict[str, Any], filename: str) -> Response:
    from .pdf import html_to_pdf

    html = request.app.state.templates.get_template(template).render(context)
    return Response(html_to_pdf(html), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


@router.get("/visits/{visit_id}/handout.pdf")
def handout(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                  records: Records = Depends(deps.records)) -> Response:
    from .drawings import drawing

    visit = records.get_visit(session.actor, visit_id, purpose="visit.handout")
    return _pdf(request, "handout_pdf.html", {"visit": visit, "assessment": visit.assessment, "drawing": drawing,
                                              "safety_net": load_knowledge().safety_net},
                f"backcare-handout-{visit.visit_date}.pdf")


@router.get("/visits/{visit_id}/summary.pdf")
def summary(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                  records: Records = Depends(deps.records)) -> Response:
    visit = records.get_visit(session.actor, visit_id, purpose="visit.summary")
    return _pdf(request, "summary_pdf.html", {"visit": visit, "assessment": visit.assessment},
                f"backcare-visit-{visit.visit_date}.pdf")
