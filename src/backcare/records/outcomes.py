"""Episodes of care and questionnaire responses.

A visit belongs to the client's open episode (one is opened with the first
visit, or the first questionnaire, after the last discharge). Questionnaires
are scored when recorded and the score is kept as given, like an assessment.
Closing an episode records the reason and the therapist's discharge note.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..clinical.knowledge.runtime import load_knowledge
from ..outcomes import AnswerError, score
from ..safetext import NOTE, SafeText
from ..storage.models import Client, Episode, QuestionnaireResponse, Visit
from .base import EARLIEST_DATE, Actor, FieldErrors, RecordsBase, Refused, in_range, utc, validated

DISCHARGE_REASONS = {
    "goals_met": "goals met",
    "plateau": "no further progress expected from this care",
    "referred": "referred on",
    "client_stopped": "the client stopped coming",
    "other": "other",
}


class DischargeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Literal["goals_met", "plateau", "referred", "client_stopped", "other"]
    note: SafeText(NOTE) = ""
    closed_on: date
    # "Goals met" while the last visit advised a referral needs the therapist to say they know it.
    referral_acknowledged: bool = False

    @field_validator("closed_on")
    @classmethod
    def _plausible(cls, value: date) -> date:
        if not (EARLIEST_DATE <= value <= date.today()):
            raise ValueError("the discharge date must be between 1900 and today")
        return value


@dataclass(frozen=True)
class EpisodeView:
    id: int
    started_on: date
    closed_on: date | None
    discharge_reason: str
    discharge_note: str
    closed_by: str | None

    @property
    def open(self) -> bool:
        return self.closed_on is None


@dataclass(frozen=True)
class Response:
    id: int
    instrument: str
    answered_on: date
    score: float | None
    complete: bool
    result: dict[str, Any]
    answers: dict[str, Any]
    mode: str
    visit_id: int | None
    created_at: datetime | None = None


@dataclass(frozen=True)
class VisitPoint:
    id: int
    visit_date: date
    pain_nrs: int | None
    case: dict[str, Any]
    assessment: dict[str, Any]
    details: dict[str, Any] | None
    created_at: datetime | None = None


@dataclass(frozen=True)
class EpisodeRecord:
    """Everything the progress page and the reports read about one episode."""

    episode: EpisodeView
    episodes: list[EpisodeView]  # all of the client's, newest first
    visits: list[VisitPoint]  # oldest first
    responses: list[Response]  # oldest first


# A client's open episode, looked up by every saved visit: built once.
_OPEN_EPISODE = (select(Episode).where(Episode.client_id == bindparam("client"), Episode.closed_on.is_(None))
                 .order_by(Episode.started_on.desc(), Episode.id.desc()).limit(1))


def _view(e: Episode) -> EpisodeView:
    return EpisodeView(e.id, e.started_on, e.closed_on, e.discharge_reason, e.discharge_note, e.closer.name if e.closer else None)


class OutcomesMixin(RecordsBase):
    @staticmethod
    def _open_episode(db: Session, clinic_id: int, client: Client, on: date) -> Episode:
        """The client's open episode, opened now (starting `on`) when there is none."""
        episode = db.scalar(_OPEN_EPISODE, {"client": client.id})
        if episode is None:
            episode = Episode(clinic_id=clinic_id, client_id=client.id, started_on=on)
            db.add(episode)
            db.flush()
            client.discharged_on = None  # back in care
        elif on < episode.started_on:
            episode.started_on = on  # a visit entered late, dated before the episode began
        return episode

    @staticmethod
    def _date_episode(db: Session, episode_id: int) -> None:
        """An episode starts with its earliest visit or questionnaire (a visit's date may have been changed)."""
        episode = db.get(Episode, episode_id)
        dates = [d for d in (
            db.scalar(select(func.min(Visit.visit_date)).where(Visit.episode_id == episode_id)),
            db.scalar(select(func.min(QuestionnaireResponse.answered_on)).where(QuestionnaireResponse.episode_id == episode_id)),
        ) if d is not None]
        if episode is not None and dates:
            episode.started_on = min(dates)

    def record_questionnaire(self, actor: Actor, client_id: int, instrument_id: str, answers: Any,
                             visit_id: int | None = None, answered_on: date | None = None, mode: str = "therapist") -> int:
        """Score and keep a questionnaire. At a visit it joins the visit's episode; otherwise the open one."""
        try:
            result = score(instrument_id, answers)
        except AnswerError as exc:
            raise FieldErrors(exc.errors) from None
        answered_on = answered_on or date.today()
        if not (EARLIEST_DATE <= answered_on <= date.today()):
            raise FieldErrors({"answered_on": "The date must be between 1900 and today"})
        if mode not in ("therapist", "client"):
            raise ValueError(mode)
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            if visit_id is not None:
                visit = db.get(Visit, visit_id) if in_range(visit_id) else None
                if visit is None or visit.clinic_id != actor.clinic_id or visit.client_id != client.id:
                    raise Refused("visit", visit_id, visit.clinic_id if visit else None)
                episode_id = visit.episode_id or self._open_episode(db, actor.clinic_id, client, visit.visit_date).id
                answered_on = visit.visit_date
            else:
                episode_id = self._open_episode(db, actor.clinic_id, client, answered_on).id
            response = QuestionnaireResponse(
                clinic_id=actor.clinic_id, client_id=client.id, episode_id=episode_id, visit_id=visit_id,
                instrument=instrument_id, answers=result.answers, score=result.value, result=result.as_dict(),
                complete=result.complete, answered_on=answered_on, entered_by=actor.user_id, mode=mode,
                kb_version=load_knowledge().version)
            db.add(response)
            db.flush()
            self._audit(db, actor, "questionnaire.record", client_id=client.id, visit_id=visit_id,
                        detail=f"{instrument_id}, {mode}")
            return response.id

    def questionnaire_response(self, actor: Actor, response_id: int) -> Response:
        with self._transaction(actor) as db:
            r = db.get(QuestionnaireResponse, response_id) if in_range(response_id) else None
            if r is None or r.clinic_id != actor.clinic_id:
                raise Refused("questionnaire", response_id, r.clinic_id if r else None)
            self._audit(db, actor, "questionnaire.read", client_id=r.client_id, visit_id=r.visit_id, detail=r.instrument)
            return Response(r.id, r.instrument, r.answered_on, r.score, r.complete, r.result, r.answers, r.mode, r.visit_id)

    def episode_record(self, actor: Actor, client_id: int, episode_id: int | None = None,
                       purpose: str = "progress.read") -> EpisodeRecord | None:
        """An episode (the latest when none is named) with its visits and questionnaires; None when the client has none."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            episodes = list(db.scalars(select(Episode).where(Episode.client_id == client_id)
                                       .order_by(Episode.started_on.desc(), Episode.id.desc())))
            if not episodes:
                return None
            chosen = episodes[0] if episode_id is None else next((e for e in episodes if e.id == episode_id), None)
            if chosen is None:
                raise Refused("episode", episode_id or 0, None)
            visits = [VisitPoint(v.id, v.visit_date, v.pain_nrs, v.case, v.assessment, v.details, utc(v.created_at)) for v in db.scalars(
                select(Visit).where(Visit.episode_id == chosen.id).order_by(Visit.visit_date, Visit.id))]
            responses = [Response(r.id, r.instrument, r.answered_on, r.score, r.complete, r.result, r.answers, r.mode,
                                  r.visit_id, utc(r.created_at)) for r in db.scalars(
                select(QuestionnaireResponse).where(QuestionnaireResponse.episode_id == chosen.id)
                .order_by(QuestionnaireResponse.answered_on, QuestionnaireResponse.id))]
            self._audit(db, actor, purpose, client_id=client_id, detail=f"episode {chosen.id}")
            return EpisodeRecord(_view(chosen), [_view(e) for e in episodes], visits, responses)

    def close_episode(self, actor: Actor, client_id: int, episode_id: int, data: dict[str, Any]) -> None:
        discharge: DischargeIn = validated(DischargeIn, data)
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            episode = db.get(Episode, episode_id) if in_range(episode_id) else None
            if episode is None or episode.client_id != client_id or episode.clinic_id != actor.clinic_id:
                raise Refused("episode", episode_id, episode.clinic_id if episode else None)
            if episode.closed_on is not None:
                raise FieldErrors({"reason": "This episode is already closed"})
            if discharge.closed_on < episode.started_on:
                raise FieldErrors({"closed_on": "The discharge date is before the episode began"})
            advised = self._referral_advised(db, episode.id)
            if advised and discharge.reason == "goals_met" and not discharge.referral_acknowledged:
                raise FieldErrors({"referral_acknowledged": (
                    f"The last visit of this episode advised {'an' if advised[1] in ('urgent', 'emergency') else 'a'} "
                    f"{advised[1]} referral: say in the note what became of it and tick the box, or choose 'referred on'")})
            episode.closed_on, episode.closed_by = discharge.closed_on, actor.user_id
            episode.discharge_reason, episode.discharge_note = discharge.reason, discharge.note
            client = db.get(Client, client_id)
            if db.scalar(select(func.count()).select_from(Episode).where(
                    Episode.client_id == client_id, Episode.closed_on.is_(None))) == 0:
                client.discharged_on = discharge.closed_on
            self._audit(db, actor, "episode.close", client_id=client_id, detail=f"episode {episode.id}: {discharge.reason}")

    def latest_answers(self, actor: Actor, client_id: int, instrument: str) -> dict[str, Any] | None:
        """The client's last answers to a questionnaire (to offer the same activities again), audited."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            found = db.execute(select(QuestionnaireResponse.id, QuestionnaireResponse.answers).where(
                QuestionnaireResponse.client_id == client_id, QuestionnaireResponse.instrument == instrument)
                .order_by(QuestionnaireResponse.answered_on.desc(), QuestionnaireResponse.id.desc()).limit(1)).first()
            if found is None:
                return None
            self._audit(db, actor, "questionnaire.read", client_id=client_id, detail=f"response {found.id}, to offer again")
            return found.answers

    @staticmethod
    def _referral_advised(db: Session, episode_id: int) -> tuple[date, str] | None:
        """The date and urgency of the referral the episode's last visit advised, if it did."""
        last = db.execute(select(Visit.visit_date, Visit.referral).where(Visit.episode_id == episode_id)
                          .order_by(Visit.visit_date.desc(), Visit.id.desc()).limit(1)).first()
        return (last.visit_date, last.referral) if last and last.referral != "none" else None

    def latest_risk_group(self, actor: Actor | None, visit: Visit, db: Session | None = None) -> str | None:
        """The STarT Back risk group in force at a visit: the latest complete one of its episode up to its date
        (read in the caller's transaction `db` when given: a second connection would wait for its write lock)."""
        if visit.episode_id is None:
            return None
        with nullcontext(db) if db is not None else self.read_sessions() as db:
            found = db.execute(select(QuestionnaireResponse.result).where(
                QuestionnaireResponse.episode_id == visit.episode_id, QuestionnaireResponse.instrument == "start_back",
                QuestionnaireResponse.complete.is_(True), QuestionnaireResponse.answered_on <= visit.visit_date)
                .order_by(QuestionnaireResponse.answered_on.desc(), QuestionnaireResponse.id.desc()).limit(1)).first()
        return found.result.get("risk_group") if found else None

