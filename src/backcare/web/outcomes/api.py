"""Outcomes in the JSON API: the instruments, questionnaires, progress, episodes, referral letters."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ...clinical.knowledge.runtime import load_knowledge
from ...records import Actor, NotFound, Records
from ...safetext import NOTE, SafeText
from .. import deps
from ..api import ERRORS, NOT_FOUND, _problem
from ..security import CurrentSession

router = APIRouter(prefix="/api", tags=["outcomes"], responses=ERRORS)
InstrumentId = Literal["nprs", "odi", "rmdq", "psfs", "start_back"]


class ItemOut(BaseModel):
    id: str
    label: str = Field(description="backcare's short paraphrase; the licensed wording is a clinic's own asset")
    choices: list[dict[str, Any]] | None = None


class InstrumentOut(BaseModel):
    id: str
    title: str
    kind: str
    items: list[ItemOut]
    score_range: tuple[float, float]
    higher_is: str
    minimal_important_change: dict[str, Any] | None
    missing_rule: str
    loinc: dict[str, Any]
    licence: dict[str, Any]


class QuestionnaireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instrument: InstrumentId
    answers: dict[str, Any] = Field(max_length=40, examples=[{"pain": 6}], description="by item id; unknown items are refused")
    visit_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    answered_on: date | None = None


class ScoreOut(BaseModel):
    id: int
    instrument: str
    answered_on: date
    score: float | None = Field(description="none when the answers are too incomplete to score by the instrument's rules")
    complete: bool
    subscore: int | None = None
    risk_group: str | None = None
    band: str | None = None
    missing: list[str]


class Point(BaseModel):
    on: date
    value: float


class MeasureOut(BaseModel):
    instrument: str
    points: list[Point]
    verdict: Literal["improved", "no_change", "worse"] | None
    better_by: float | None
    on_track: bool | None = Field(default=None, description="pain only: judged once six weeks have passed")
    expected_now: float | None = None
    prompt: str | None = None


class EpisodeOut(BaseModel):
    id: int
    started_on: date
    closed_on: date | None
    discharge_reason: str


class ProgressOut(BaseModel):
    episode: EpisodeOut
    measures: list[MeasureOut]
    risk_group: str | None
    questionnaires: list[ScoreOut]


class DischargeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["goals_met", "plateau", "referred", "client_stopped", "other"]
    note: SafeText(NOTE) = ""
    closed_on: date


class LetterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    addressee: SafeText(300, 1) = "The client's doctor"
    body: SafeText(NOTE) | None = Field(default=None, description="the letter; backcare drafts it from the visit when absent")


class LetterOut(BaseModel):
    id: int
    visit_id: int
    addressee: str
    urgency: str
    body: str
    author: str
    created_at: AwareDatetime


def _score(r) -> ScoreOut:
    return ScoreOut(id=r.id, instrument=r.instrument, answered_on=r.answered_on, score=r.score, complete=r.complete,
                    subscore=r.result.get("subscore"), risk_group=r.result.get("risk_group"), band=r.result.get("band"),
                    missing=r.result.get("missing", []))


@router.get("/instruments", response_model=list[InstrumentOut])
async def list_instruments(_: CurrentSession = Depends(deps.session)) -> Any:
    return [InstrumentOut(id=iid, title=i["title"], kind=i["kind"], score_range=i["score_range"], higher_is=i["higher_is"],
                          items=[ItemOut(id=it["id"], label=it["label"], choices=it["choices"] or i["choices"]) for it in i["items"]],
                          minimal_important_change=i["mic"], missing_rule=i["missing"]["rule"], loinc=i["loinc"], licence=i["licence"])
            for iid, i in load_knowledge().outcomes["instruments"].items()]


@router.post("/clients/{client_id}/questionnaires", response_model=ScoreOut, status_code=201, responses=NOT_FOUND)
def record_questionnaire(client_id: int, body: QuestionnaireIn, actor: Actor = Depends(deps.actor),
                         records: Records = Depends(deps.records)) -> Any:
    response_id = records.record_questionnaire(actor, client_id, body.instrument, body.answers, visit_id=body.visit_id,
                                               answered_on=body.answered_on)
    return _score(records.questionnaire_response(actor, response_id))


@router.get("/clients/{client_id}/progress", response_model=ProgressOut, responses=NOT_FOUND)
def progress(request: Request, client_id: int, episode: int | None = None, session: CurrentSession = Depends(deps.session),
             records: Records = Depends(deps.records)) -> Any:
    from .progress import measures, risk

    record = records.episode_record(session.actor, client_id, episode)
    if record is None:
        raise NotFound("episode")
    out = []
    for m in measures(record, date.isoformat):
        course = m.course
        out.append(MeasureOut(instrument=m.instrument, points=[Point(on=d, value=v) for d, v in m.points],
                              verdict=m.verdict.kind if m.verdict else None, better_by=m.verdict.better_by if m.verdict else None,
                              on_track=course.on_track if course else None, expected_now=course.expected if course else None,
                              prompt=course.prompt if course else None))
    found = risk(record)
    e = record.episode
    return ProgressOut(episode=EpisodeOut(id=e.id, started_on=e.started_on, closed_on=e.closed_on,
                                          discharge_reason=e.discharge_reason),
                       measures=out, risk_group=found["group"] if found else None,
                       questionnaires=[_score(r) for r in record.responses])


@router.post("/clients/{client_id}/episodes/{episode_id}/close", response_model=EpisodeOut, responses=NOT_FOUND)
def close_episode(client_id: int, episode_id: int, body: DischargeBody, actor: Actor = Depends(deps.actor),
                  records: Records = Depends(deps.records)) -> Any:
    records.close_episode(actor, client_id, episode_id, body.model_dump())
    e = records.episode_record(actor, client_id, episode_id).episode
    return EpisodeOut(id=e.id, started_on=e.started_on, closed_on=e.closed_on, discharge_reason=e.discharge_reason)


@router.post("/visits/{visit_id}/referral-letters", response_model=LetterOut, status_code=201,
             responses={**NOT_FOUND, 422: _problem("the visit advised no referral, or a field needs attention")})
def write_letter(request: Request, visit_id: int, body: LetterBody, session: CurrentSession = Depends(deps.session),
                 records: Records = Depends(deps.records)) -> Any:
    from .letters import _draft

    text = body.body
    if text is None:
        visit = records.get_visit(session.actor, visit_id, purpose="referral_letter.draft")
        text = _draft(request, records, session, visit)["body"]
    letter_id = records.save_referral_letter(session.actor, visit_id, {"addressee": body.addressee, "body": text})
    return _letter(records.referral_letter(session.actor, letter_id))


@router.get("/referral-letters/{letter_id}", response_model=LetterOut, responses=NOT_FOUND)
def read_letter(letter_id: int, actor: Actor = Depends(deps.actor), records: Records = Depends(deps.records)) -> Any:
    return _letter(records.referral_letter(actor, letter_id))


def _letter(letter) -> LetterOut:
    return LetterOut(id=letter.id, visit_id=letter.visit_id, addressee=letter.addressee, urgency=letter.urgency,
                     body=letter.body, author=letter.author, created_at=letter.created_at)
