"""The client's requests under the records law (to see their record, to correct it) and the breach register.

A request is logged the day it came in; the jurisdiction's clock (30 days in
Ontario, once extendable) is shown until it is answered. A correction never
changes the original: it is attached to the record (or to one visit), as is the
client's statement of disagreement when a correction is refused; both are
shown with the record and travel with every copy and export of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select

from ..retention.rules import Clock, request_clock
from ..safetext import NOTE, SafeText
from ..storage.models import Breach, Clinic, RecordCorrection, RecordRequest, Visit
from .base import EARLIEST_DATE, Actor, FieldErrors, RecordsBase, Refused, in_range, validated


def _past_or_today(value: date | None) -> date | None:
    if value is not None and not (EARLIEST_DATE <= value <= date.today()):
        raise ValueError("the date must be between 1900 and today")
    return value


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["access", "correction"]
    received_on: date
    details: SafeText(NOTE) = ""

    _day = field_validator("received_on")(_past_or_today)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Literal["answered", "refused", "extended"]
    outcome: SafeText(NOTE) = ""

    @model_validator(mode="after")
    def _refusal_has_reasons(self) -> AnswerIn:
        if self.status == "refused" and not self.outcome:
            raise ValueError("say why the request is refused: the client is owed the reason")
        return self


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["correction", "disagreement"]
    part: SafeText(200, 1)
    text: SafeText(NOTE, 1)
    visit_id: int | None = None
    request_id: int | None = None


class BreachIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    discovered_on: date
    occurred_on: date | None = None
    kind: Literal["theft", "loss", "use", "disclosure", "other"]
    description: SafeText(NOTE, 1)
    clients_affected: int = Field(ge=0, le=10_000_000)
    containment: SafeText(NOTE) = ""
    clients_notified_on: date | None = None
    regulator_notified_on: date | None = None
    college_notified_on: date | None = None
    closed_on: date | None = None

    _days = field_validator("discovered_on", "occurred_on", "clients_notified_on", "regulator_notified_on",
                            "college_notified_on", "closed_on")(_past_or_today)


@dataclass(frozen=True)
class RequestView:
    id: int
    kind: str
    received_on: date
    details: str
    status: str
    outcome: str
    closed_on: date | None
    extended: bool
    clock: Clock


class RequestsMixin(RecordsBase):
    def _jurisdiction_code(self, db, actor: Actor) -> str:
        return db.scalar(select(Clinic.jurisdiction).where(Clinic.id == actor.clinic_id)) or ""

    def log_request(self, actor: Actor, client_id: int, data: dict[str, Any]) -> int:
        """A client's request to see or to correct their record, on the day it came in."""
        request: RequestIn = validated(RequestIn, data)
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            row = RecordRequest(clinic_id=actor.clinic_id, client_id=client.id, kind=request.kind,
                                received_on=request.received_on, details=request.details, created_by=actor.user_id)
            db.add(row)
            db.flush()
            self._audit(db, actor, f"request.{request.kind}", client_id=client.id, detail=f"request {row.id} received {request.received_on}")
            return row.id

    def requests(self, actor: Actor, client_id: int) -> list[RequestView]:
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            code = self._jurisdiction_code(db, actor)
            rows = db.scalars(select(RecordRequest).where(RecordRequest.client_id == client.id).order_by(RecordRequest.id.desc()))
            today = date.today()
            return [RequestView(r.id, r.kind, r.received_on, r.details, r.status, r.outcome, r.closed_on, r.extended,
                                request_clock(code, r.kind, r.received_on, r.extended, r.closed_on or today)) for r in rows]

    def answer_request(self, actor: Actor, request_id: int, data: dict[str, Any]) -> int:
        """Answer (or refuse, with the reason, or extend once) a request; returns its client."""
        answer: AnswerIn = validated(AnswerIn, data)
        with self._transaction(actor) as db:
            row = db.get(RecordRequest, request_id) if in_range(request_id) else None
            if row is None or row.clinic_id != actor.clinic_id:
                raise Refused("request", request_id, row.clinic_id if row else None)
            if row.status != "open":
                raise FieldErrors({"status": "This request is already closed"})
            if answer.status == "extended":
                if row.extended:
                    raise FieldErrors({"status": "The law allows one extension"})
                row.extended = True
            else:
                row.status, row.outcome, row.closed_on, row.closed_by = answer.status, answer.outcome, date.today(), actor.user_id
            self._audit(db, actor, f"request.{answer.status}", client_id=row.client_id, detail=f"request {row.id} ({row.kind})")
            return row.client_id

    def attach_correction(self, actor: Actor, client_id: int, data: dict[str, Any]) -> int:
        """A correction, or the client's statement of disagreement, attached to the record (the original stays)."""
        correction: CorrectionIn = validated(CorrectionIn, data)
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            if correction.visit_id is not None:
                visit = db.get(Visit, correction.visit_id) if in_range(correction.visit_id) else None
                if visit is None or visit.client_id != client.id:
                    raise FieldErrors({"visit_id": "Choose one of this client's visits"})
            if correction.request_id is not None:
                request = db.get(RecordRequest, correction.request_id) if in_range(correction.request_id) else None
                if request is None or request.client_id != client.id:
                    raise FieldErrors({"request_id": "Choose one of this client's requests"})
            row = RecordCorrection(clinic_id=actor.clinic_id, client_id=client.id, created_by=actor.user_id,
                                   **correction.model_dump())
            db.add(row)
            db.flush()
            self._audit(db, actor, f"record.{correction.kind}", client_id=client.id, visit_id=correction.visit_id,
                        detail=f"{correction.kind} {row.id}: {correction.part}")
            return row.id

    def corrections(self, actor: Actor, client_id: int) -> list[RecordCorrection]:
        """Every correction and statement of disagreement of the record, oldest first (read with the record)."""
        with self.read_sessions() as db:
            rows = list(db.scalars(select(RecordCorrection).where(RecordCorrection.client_id == client_id,
                                                                  RecordCorrection.clinic_id == actor.clinic_id)
                                   .order_by(RecordCorrection.id)))
            for row in rows:
                _ = row.author.name  # loaded while the session is open
            return rows

    # --- the breach register (admins) ------------------------------------------------------

    def breaches(self, actor: Actor) -> list[Breach]:
        self._require_admin(actor)
        with self._tx() as db:
            rows = list(db.scalars(select(Breach).where(Breach.clinic_id == actor.clinic_id).order_by(Breach.discovered_on.desc(),
                                                                                                     Breach.id.desc())))
            self._audit(db, actor, "breach.read", detail=f"{len(rows)} breach{'' if len(rows) == 1 else 'es'}")
            return rows

    def record_breach(self, actor: Actor, data: dict[str, Any], breach_id: int | None = None) -> int:
        """Add a breach to the register, or update one (what was done, who was told and when)."""
        self._require_admin(actor)
        breach: BreachIn = validated(BreachIn, data)
        if breach.occurred_on and breach.occurred_on > breach.discovered_on:
            raise FieldErrors({"occurred_on": "A breach cannot happen after it was discovered"})
        with self._tx() as db:
            if breach_id is None:
                row = Breach(clinic_id=actor.clinic_id, recorded_by=actor.user_id, **breach.model_dump())
                db.add(row)
            else:
                row = db.get(Breach, breach_id) if in_range(breach_id) else None
                if row is None or row.clinic_id != actor.clinic_id:
                    raise FieldErrors({"breach": "No such breach in this clinic's register"})
                for key, value in breach.model_dump().items():
                    setattr(row, key, value)
            db.flush()
            self._audit(db, actor, "breach.record" if breach_id is None else "breach.update", detail=f"breach {row.id} ({breach.kind})")
            return row.id
