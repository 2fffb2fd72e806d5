"""The JSON API: the same operations and the same authentication as the pages."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from ..api import assess_data
from ..assessment import Assessment
from ..caseio import parse_case
from ..errors import CaseError
from ..records import Actor, ClientIn, Records, SoapIn
from . import deps
from .security import SESSION_COOKIE, CurrentSession

router = APIRouter(prefix="/api", tags=["backcare"])

CASE_BODY = Body(..., description="A case in the format of shared/spec/case-format.md; absent means not examined.",
                 examples=[{"client": {"age": 44}, "symptoms": {"pain_sites": ["low_back", "calf_left"]},
                            "special_tests": {"slr": {"left": "positive"}}}])


class LoginIn(BaseModel):
    email: str
    password: str


class Me(BaseModel):
    user_id: int
    name: str
    role: str
    clinic_id: int
    csrf_token: str


class ClientOut(BaseModel):
    id: int
    name: str
    date_of_birth: date | None
    phone: str | None
    email: str | None
    medical: dict[str, bool]
    consent_given: bool
    consent_date: date | None


class VisitSummary(BaseModel):
    id: int
    visit_date: date
    therapist: str
    pain_nrs: int | None
    referral: str
    signed: bool


class VisitOut(BaseModel):
    id: int
    client_id: int
    visit_date: date
    therapist: str
    case: dict[str, Any]
    assessment: Assessment
    kb_version: str
    pain_nrs: int | None
    treatment_given: str
    soap: SoapIn
    signed_at: datetime | None
    amendments: list[dict[str, Any]]


class VisitIn(BaseModel):
    visit_date: date
    case: dict[str, Any]
    treatment_given: str = ""


class AmendmentIn(BaseModel):
    text: str


def _client(c) -> ClientOut:
    return ClientOut(id=c.id, name=c.name, date_of_birth=c.date_of_birth, phone=c.phone, email=c.email,
                     medical=c.medical or {}, consent_given=c.consent_given, consent_date=c.consent_date)


def _visit(v) -> VisitOut:
    return VisitOut(id=v.id, client_id=v.client_id, visit_date=v.visit_date, therapist=v.therapist.name, case=v.case,
                    assessment=Assessment.model_validate(v.assessment), kb_version=v.kb_version, pain_nrs=v.pain_nrs,
                    treatment_given=v.treatment_given,
                    soap=SoapIn(subjective=v.soap_subjective, objective=v.soap_objective, assessment=v.soap_assessment,
                                plan=v.soap_plan, treatment_given=v.treatment_given),
                    signed_at=v.signed_at,
                    amendments=[{"at": a.created_at.isoformat(), "author": a.author.name, "text": a.text} for a in v.amendments])


@router.post("/login", response_model=Me, responses={401: {"description": "wrong email or password"}, 429: {"description": "too many attempts"}})
async def login(request: Request, body: LoginIn) -> Response:
    limiter, address = request.app.state.limiter, request.client.host if request.client else "unknown"
    if limiter.blocked(address, body.email):
        return JSONResponse({"detail": "Too many failed attempts; wait 15 minutes."}, status_code=429)
    actor = request.app.state.records.authenticate(body.email, body.password)
    if actor is None:
        limiter.failed(address, body.email)
        return JSONResponse({"detail": "Email or password is not right."}, status_code=401)
    limiter.succeeded(body.email)
    request.app.state.records.record_session(actor, "session.login", address)
    token, csrf = request.app.state.sessions.start(actor)
    response = JSONResponse(Me(user_id=actor.user_id, name=actor.name, role=actor.role, clinic_id=actor.clinic_id,
                               csrf_token=csrf).model_dump())
    settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=settings.session_max_hours * 3600, path="/")
    return response


@router.post("/logout", status_code=204)
async def logout(request: Request, session: CurrentSession = Depends(deps.session)) -> Response:
    request.app.state.records.record_session(session.actor, "session.logout", request.client.host if request.client else "unknown")
    request.app.state.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me)
async def me(session: CurrentSession = Depends(deps.session)) -> Me:
    a = session.actor
    return Me(user_id=a.user_id, name=a.name, role=a.role, clinic_id=a.clinic_id, csrf_token=session.csrf_token)


@router.post("/assess", response_model=Assessment, responses={422: {"description": "the case does not follow the format"}})
async def assess(case: dict[str, Any] = CASE_BODY, _: Actor = Depends(deps.actor)) -> Any:
    """Assess a case and return the assessment; nothing is stored."""
    try:
        findings = parse_case(case).findings()
    except CaseError as exc:
        return JSONResponse({"detail": "The case does not follow the format.", "problems": exc.problems}, status_code=422)
    return assess_data(findings)


@router.get("/clients", response_model=list[ClientOut])
async def list_clients(q: str = "", actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    return [_client(row["client"]) for row in records.list_clients(actor, q[:100])]


@router.post("/clients", response_model=ClientOut, status_code=201)
async def create_client(body: ClientIn, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    client_id = records.create_client(actor, body.model_dump())
    return _client(records.get_client(actor, client_id))


@router.get("/clients/{client_id}", response_model=ClientOut)
async def get_client(client_id: int, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    return _client(records.get_client(actor, client_id))


@router.put("/clients/{client_id}", response_model=ClientOut)
async def update_client(client_id: int, body: ClientIn, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    records.update_client(actor, client_id, body.model_dump())
    return _client(records.get_client(actor, client_id))


@router.get("/clients/{client_id}/visits", response_model=list[VisitSummary])
async def list_visits(client_id: int, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    client = records.get_client(actor, client_id)
    return [VisitSummary(id=v.id, visit_date=v.visit_date, therapist=v.therapist.name, pain_nrs=v.pain_nrs,
                         referral=v.assessment["referral"]["urgency"], signed=v.signed_at is not None) for v in client.visits]


@router.post("/clients/{client_id}/visits", response_model=VisitOut, status_code=201)
async def create_visit(client_id: int, body: VisitIn, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    records.get_client(actor, client_id)
    visit_id = records.create_visit(actor, client_id, body.model_dump())
    return _visit(records.get_visit(actor, visit_id))


@router.get("/visits/{visit_id}", response_model=VisitOut)
async def get_visit(visit_id: int, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    return _visit(records.get_visit(actor, visit_id))


@router.put("/visits/{visit_id}/soap", response_model=VisitOut, responses={409: {"description": "the note is signed"}})
async def save_soap(visit_id: int, body: SoapIn, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    records.save_soap(actor, visit_id, body.model_dump())
    return _visit(records.get_visit(actor, visit_id))


@router.post("/visits/{visit_id}/sign", response_model=VisitOut, responses={409: {"description": "already signed"}})
async def sign(visit_id: int, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    records.sign(actor, visit_id)
    return _visit(records.get_visit(actor, visit_id))


@router.post("/visits/{visit_id}/amendments", response_model=VisitOut, status_code=201)
async def amend(visit_id: int, body: AmendmentIn, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    records.amend(actor, visit_id, body.text)
    return _visit(records.get_visit(actor, visit_id))
