"""Referral letters: drafted from a visit's stored assessment, edited, kept and printed."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...clinical.letters import addressee, referral_letter
from ...records import FieldErrors, NotFound, Records
from .. import deps
from ..dates import day, locale_of, zone_named
from ..render import render
from ..security import CurrentSession

router = APIRouter(include_in_schema=False)


def _draft(request: Request, records: Records, session: CurrentSession, visit) -> dict[str, str]:
    locale = locale_of(request)
    clinic = records.clinic_details(session.actor)
    sex = visit.client.sex or (visit.case.get("client") or {}).get("sex")
    return referral_letter(visit.assessment, client=visit.client.name, born=day(visit.client.date_of_birth, locale),
                           seen_on=day(visit.visit_date, locale), therapist=session.actor.name, clinic=clinic.name,
                           contact=clinic.contact_line, sex=sex)


@router.get("/visits/{visit_id}/referral-letter")
def letter_form(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                records: Records = Depends(deps.records)) -> Response:
    visit = records.get_visit(session.actor, visit_id, purpose="referral_letter.draft")
    if visit.assessment["referral"]["urgency"] == "none":
        raise NotFound("referral")
    draft = _draft(request, records, session, visit)
    to = addressee(visit.assessment, visit.client.name, visit.client.family_doctor or "", visit.client.family_doctor_contact or "")
    return render(request, "letter_form.html", {"visit": visit, "values": {"addressee": to, "body": draft["body"]},
                                                "subject": draft["subject"], "errors": {}})


@router.post("/visits/{visit_id}/referral-letter")
def save_letter(request: Request, visit_id: int, session: CurrentSession = Depends(deps.session),
                form: FormData = Depends(deps.form), records: Records = Depends(deps.records)) -> Response:
    values = {k: str(form.get(k) or "") for k in ("addressee", "body")}
    try:
        letter_id = records.save_referral_letter(session.actor, visit_id, values)
    except FieldErrors as exc:
        visit = records.get_visit(session.actor, visit_id, purpose="referral_letter.draft")
        return render(request, "letter_form.html", {"visit": visit, "values": values, "errors": exc.errors,
                                                    "subject": _draft(request, records, session, visit)["subject"]}, 422)
    return RedirectResponse(f"/visits/{visit_id}?done=letter&letter={letter_id}#letters", status_code=303)


@router.get("/referral-letters/{letter_id}.pdf")
def letter_pdf(request: Request, letter_id: int, session: CurrentSession = Depends(deps.session),
               records: Records = Depends(deps.records)) -> Response:
    from ..pdf import html_to_pdf

    letter = records.referral_letter(session.actor, letter_id)
    context = {"letter": letter, "clinic": records.clinic_details(session.actor),
               "locale": locale_of(request), "zone": zone_named(session.zone)}
    html = request.app.state.templates.get_template("letter_pdf.html").render(context)
    return Response(html_to_pdf(html), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="backcare-referral-{letter.id}.pdf"',
                             "Cache-Control": "no-store"})
