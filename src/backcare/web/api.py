"""The JSON API: the same operations and the same authentication as the pages.

Routes that touch the database are plain functions (FastAPI runs them in its
thread pool); `/api/assess` only computes, on input of bounded size. Every
error answer has one documented shape (`Problem`).
"""
from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, Field

from ..clinical.api import assess_data
from ..clinical.assessment import Assessment
from ..clinical.caseio import parse_case
from ..clinical.errors import CaseError
from ..records import Actor, ClientIn, Records, SoapIn, VisitIn, utc
from ..safetext import NOTE, SafeText
from . import deps
from .account import sign_in, start_session
from .security import SESSION_COOKIE, CurrentSession, client_address


class Problem(BaseModel):
    """Every error answer: a sentence, and for input problems the fields concerned."""

    detail: str
    problems: list[str] = Field(default=[], description="one line per problem, naming the field (case format input)")
    errors: dict[str, str] = Field(default={}, description="field -> what to change (records input)")


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


ERRORS = {400: _problem("the body is not valid JSON"), 401: _problem("not logged in"),
          403: _problem("not allowed, or the CSRF token is missing"), 422: _problem("some fields need attention")}
router = APIRouter(prefix="/api", tags=["backcare"], responses=ERRORS)
NOT_FOUND = {404: _problem("no such record in your clinic")}

CASE_BODY = Body(..., description="A case in the format of shared/spec/case-format.md; absent means not examined.",
                 examples=[{"client": {"age": 44}, "symptoms": {"pain_sites": ["low_back", "calf_left"]},
                            "special_tests": {"slr": {"left": "positive"}}}])


class LoginIn(BaseModel):
    email: SafeText(254)
    password: SafeText(200)


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


class ClientSummary(BaseModel):
    """A row of the client list: who, and when last seen; the details are one request away."""

    id: int
    name: str
    date_of_birth: date | None
    last_visit_date: date | None


class ClientList(BaseModel):
    clients: list[ClientSummary]
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last page")


class VisitSummary(BaseModel):
    id: int
    visit_date: date
    therapist: str
    pain_nrs: int | None
    referral: str
    lead_condition: str
    signed: bool


class VisitList(BaseModel):
    visits: list[VisitSummary]
    next_before: int | None = Field(description="pass as `before` for older visits; null when there are none")


class AmendmentOut(BaseModel):
    at: AwareDatetime
    author: str
    text: str


class VisitOut(BaseModel):
    id: int
    client_id: int
    visit_date: date
    therapist: str
    case: dict[str, Any]
    assessment: dict[str, Any] = Field(description="the assessment as given at the time, in the contract's format of "
                                                   "its knowledge-base version (kb_version)")
    kb_version: str
    pain_nrs: int | None
    treatment_given: str
    soap: SoapIn
    signed_at: AwareDatetime | None
    amendments: list[AmendmentOut]


class AmendmentIn(BaseModel):
    text: SafeText(NOTE, 1)


def _client(c) -> ClientOut:
    return ClientOut(id=c.id, name=c.name, date_of_birth=c.date_of_birth, phone=c.phone, email=c.email,
                     medical=c.medical or {}, consent_given=c.consent_given, consent_date=c.consent_date)


def _visit(v, status_code: int = 200, therapist: str | None = None) -> Response:
    """A visit as the API answers it, in VisitOut's shape (which documents it), serialised once by orjson.

    The case and assessment were checked when they were saved; building VisitOut
    checked them again and FastAPI a third time before dumping it: 0.32 ms a save
    (more than the engine's run), against 0.02 ms for this."""
    answer = {"id": v.id, "client_id": v.client_id, "visit_date": v.visit_date, "therapist": therapist or v.therapist.name,
              "case": v.case, "assessment": v.assessment, "kb_version": v.kb_version, "pain_nrs": v.pain_nrs,
              "treatment_given": v.treatment_given,
              "soap": {"subjective": v.soap_subjective, "objective": v.soap_objective, "assessment": v.soap_assessment,
                       "plan": v.soap_plan, "treatment_given": v.treatment_given},
              "signed_at": utc(v.signed_at),
              "amendments": [{"at": utc(a.created_at), "author": a.author.name, "text": a.text} for a in v.amendments]}
    return Response(orjson.dumps(answer, option=orjson.OPT_UTC_Z), status_code=status_code, media_type="application/json")


@router.post("/login", response_model=Me, responses={429: _problem("too many failed attempts")})
def login(request: Request, body: LoginIn) -> Response:
    cookies = Response()  # collects the cookies sign_in and start_session set
    actor, error, status = sign_in(request, body.email, body.password, cookies)
    if actor is None:
        return JSONResponse({"detail": error}, status_code=status, headers={k: v for k, v in cookies.headers.items()
                                                                           if k == "retry-after"})
    csrf = start_session(request, cookies, actor)
    response = JSONResponse(Me(user_id=actor.user_id, name=actor.name, role=actor.role, clinic_id=actor.clinic_id,
                               csrf_token=csrf).model_dump())
    response.raw_headers.extend(h for h in cookies.raw_headers if h[0] == b"set-cookie")
    return response


@router.post("/logout", status_code=204)
def logout(request: Request, session: CurrentSession = Depends(deps.session)) -> Response:
    address = client_address(request, request.app.state.settings.trusted_proxies)
    request.app.state.records.record_session(session.actor, "session.logout", address)
    request.app.state.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me)
async def me(session: CurrentSession = Depends(deps.session)) -> Me:  # no database work here: no thread hop
    a = session.actor
    return Me(user_id=a.user_id, name=a.name, role=a.role, clinic_id=a.clinic_id, csrf_token=session.csrf_token)


@router.post("/assess", response_model=Assessment)
async def assess(case: dict[str, Any] = CASE_BODY, _: CurrentSession = Depends(deps.session)) -> Any:
    """Assess a case and return the assessment; nothing is stored.

    Pure computation on input of bounded size (every list and text of the case
    format has a limit), so it runs on the event loop without a thread hop.
    """
    try:
        findings = parse_case(case).findings()
    except CaseError as exc:
        return JSONResponse({"detail": "The case does not follow the format.", "problems": exc.problems}, status_code=422)
    # The engine's output is the contract's Assessment (the property tests check
    # it); it is sent as it is rather than validated again on every answer.
    return Response(orjson.dumps(assess_data(findings)), media_type="application/json")


@router.get("/clients", response_model=ClientList)
def list_clients(q: str = "", after: int | None = None, actor: Actor = Depends(deps.actor),
                 records: Records = Depends(deps.records)) -> ClientList:
    """Clients of your clinic by name, 50 a page; `q` matches the start of a name or, from three letters,
    any part of a name, e-mail or phone number."""
    page = records.list_clients(actor, q[:100], after=after)
    return ClientList(clients=[ClientSummary(id=r.id, name=r.name, date_of_birth=r.date_of_birth,
                                             last_visit_date=r.last_visit_date) for r in page.rows],
                      next_after=page.next_after)


@router.post("/clients", response_model=ClientOut, status_code=201)
def create_client(body: ClientIn, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    return _client(records.create_client(actor, body.model_dump(), read_back=True))


@router.get("/clients/{client_id}", response_model=ClientOut, responses=NOT_FOUND)
def get_client(client_id: int, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    return _client(records.get_client(actor, client_id))


@router.put("/clients/{client_id}", response_model=ClientOut, responses=NOT_FOUND)
def update_client(client_id: int, body: ClientIn, actor: Actor = Depends(deps.actor),
                  records: Records = Depends(deps.records)) -> Any:
    return _client(records.update_client(actor, client_id, body.model_dump(), read_back=True))


@router.get("/clients/{client_id}/visits", response_model=VisitList, responses=NOT_FOUND)
def list_visits(client_id: int, before: int | None = None, actor: Actor = Depends(deps.actor),
                records: Records = Depends(deps.records)) -> VisitList:
    """A client's visits, newest first, 20 a page."""
    timeline = records.timeline(actor, client_id, before=before)
    return VisitList(visits=[VisitSummary(id=v.id, visit_date=v.visit_date, therapist=v.therapist, pain_nrs=v.pain_nrs,
                                          referral=v.referral, lead_condition=v.lead_condition, signed=v.signed)
                             for v in timeline.entries], next_before=timeline.next_before)


@router.post("/clients/{client_id}/visits", response_model=VisitOut, status_code=201, responses=NOT_FOUND)
def create_visit(client_id: int, body: VisitIn, actor: Actor = Depends(deps.actor),
                 records: Records = Depends(deps.records)) -> Any:
    # The body is a VisitIn already checked by FastAPI: the records take it as it is, not as a dict to check again.
    return _visit(records.create_visit(actor, client_id, body, read_back=True), status_code=201, therapist=actor.name)


@router.get("/visits/{visit_id}", response_model=VisitOut, responses=NOT_FOUND)
def get_visit(visit_id: int, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    return _visit(records.get_visit(actor, visit_id))


@router.put("/visits/{visit_id}/soap", response_model=VisitOut,
            responses={**NOT_FOUND, 409: _problem("the note is signed")})
def save_soap(visit_id: int, body: SoapIn, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    """Save the draft note; only the treating therapist may (403 for anyone else)."""
    return _visit(records.save_soap(actor, visit_id, body.model_dump(), read_back=True))


@router.post("/visits/{visit_id}/sign", response_model=VisitOut,
             responses={**NOT_FOUND, 409: _problem("already signed")})
def sign(visit_id: int, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    return _visit(records.sign(actor, visit_id, read_back=True))


@router.post("/visits/{visit_id}/amendments", response_model=VisitOut, status_code=201, responses=NOT_FOUND)
def amend(visit_id: int, body: AmendmentIn, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    return _visit(records.amend(actor, visit_id, body.text, read_back=True), status_code=201)
