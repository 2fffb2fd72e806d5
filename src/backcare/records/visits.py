"""Visits: the findings and assessment as given, the SOAP note, signing and amendments.

Only the treating therapist edits and signs a visit's note; once signed it never
changes, and corrections are dated amendments by the treating therapist or an
admin. Saving and signing is one transaction: a refused signature saves nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload

from .. import soap
from ..api import assess_data
from ..caseio import parse_case
from ..errors import CaseError
from ..safetext import NOTE, SafeText, check_text
from ..storage.models import Amendment, User, Visit
from .base import EARLIEST_DATE, Actor, FieldErrors, Forbidden, Locked, RecordsBase, Refused, in_range, validated

TIMELINE_PAGE = 20


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    visit_date: date
    case: dict[str, Any]
    treatment_given: SafeText(NOTE) = ""

    @field_validator("visit_date")
    @classmethod
    def _plausible(cls, value: date) -> date:
        if not (EARLIEST_DATE <= value <= date.today()):
            raise ValueError("the visit date must be between 1900 and today")
        return value


class SoapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjective: SafeText(NOTE) = ""
    objective: SafeText(NOTE) = ""
    assessment: SafeText(NOTE) = ""
    plan: SafeText(NOTE) = ""
    treatment_given: SafeText(NOTE) = ""


@dataclass(frozen=True)
class TimelineEntry:
    """One visit as the client's timeline shows it: no findings, no assessment JSON."""

    id: int
    visit_date: date
    therapist: str
    pain_nrs: int | None
    referral: str
    lead_condition: str
    signed: bool


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    next_before: int | None  # pass as `before` for older visits; None when there are none


class VisitsMixin(RecordsBase):
    @staticmethod
    def _visit(db: Session, visit_id: int, actor: Actor) -> Visit:
        visit = db.scalar(select(Visit).where(Visit.id == visit_id).options(
            selectinload(Visit.client), selectinload(Visit.therapist), selectinload(Visit.signer),
            selectinload(Visit.amendments).selectinload(Amendment.author))) if in_range(visit_id) else None
        if visit is None or visit.clinic_id != actor.clinic_id:
            raise Refused("visit", visit_id, visit.clinic_id if visit else None)
        return visit

    def create_visit(self, actor: Actor, client_id: int, data: dict[str, Any]) -> int:
        visit_in: VisitIn = validated(VisitIn, data)
        try:
            case = parse_case(visit_in.case).findings()
        except CaseError as exc:
            raise FieldErrors({p.split(": ", 1)[0]: p.split(": ", 1)[-1] for p in exc.problems}) from None
        assessment = assess_data(case)
        # Never commit what cannot be read back: the drafted note obeys the note's own limits.
        note: SoapIn = validated(SoapIn, soap.draft(case, assessment))
        with self._transaction(actor) as db:
            client = self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            visit = Visit(clinic_id=actor.clinic_id, client_id=client.id, therapist_id=actor.user_id,
                          visit_date=visit_in.visit_date, case=case, assessment=assessment,
                          kb_version=assessment["knowledge_base"]["version"],
                          pain_nrs=(case.get("symptoms") or {}).get("pain_nrs"),
                          referral=assessment["referral"]["urgency"],
                          lead_condition=assessment["differential"][0]["name"][:100],
                          treatment_given=visit_in.treatment_given,
                          soap_subjective=note.subjective, soap_objective=note.objective,
                          soap_assessment=note.assessment, soap_plan=note.plan)
            db.add(visit)
            if client.last_visit_date is None or client.last_visit_date < visit_in.visit_date:
                client.last_visit_date = visit_in.visit_date
            db.flush()
            self._audit(db, actor, "visit.create", client_id=client.id, visit_id=visit.id)
            return visit.id

    def get_visit(self, actor: Actor, visit_id: int, purpose: str = "visit.read") -> Visit:
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)
            self._audit(db, actor, purpose, client_id=visit.client_id, visit_id=visit.id)
            return visit

    def timeline(self, actor: Actor, client_id: int, before: int | None = None, limit: int = TIMELINE_PAGE) -> Timeline:
        """A client's visits, newest first, a page at a time, from the visit's summary columns."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            query = (select(Visit.id, Visit.visit_date, User.name, Visit.pain_nrs, Visit.referral, Visit.lead_condition,
                            Visit.signed_at)
                     .join(User, User.id == Visit.therapist_id).where(Visit.client_id == client_id))
            if before is not None and in_range(before):
                anchor = db.execute(select(Visit.visit_date, Visit.id).where(
                    Visit.id == before, Visit.client_id == client_id)).first()
                if anchor is not None:
                    query = query.where(tuple_(Visit.visit_date, Visit.id) < tuple_(anchor.visit_date, anchor.id))
            found = db.execute(query.order_by(Visit.visit_date.desc(), Visit.id.desc()).limit(limit + 1)).all()
            entries = [TimelineEntry(r.id, r.visit_date, r.name, r.pain_nrs, r.referral, r.lead_condition,
                                     r.signed_at is not None) for r in found[:limit]]
            self._audit(db, actor, "visit.list", client_id=client_id, detail=f"{len(entries)} visits shown")
            return Timeline(entries, entries[-1].id if len(found) > limit else None)

    def pain_scores(self, actor: Actor, client_id: int) -> list[tuple[date, int]]:
        """Every recorded pain score of a client, oldest first (two small columns)."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            rows = db.execute(select(Visit.visit_date, Visit.pain_nrs).where(
                Visit.client_id == client_id, Visit.pain_nrs.is_not(None)).order_by(Visit.visit_date, Visit.id)).all()
            return [(r.visit_date, r.pain_nrs) for r in rows]

    @staticmethod
    def _may_edit(visit: Visit, actor: Actor) -> None:
        if visit.signed_at is not None:
            raise Locked("signed")
        if visit.therapist_id != actor.user_id:
            raise Forbidden("only the treating therapist edits and signs this note")

    def save_soap(self, actor: Actor, visit_id: int, data: dict[str, Any], sign: bool = False) -> None:
        """Save the draft note; with `sign`, sign it in the same transaction (all or nothing)."""
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)
            self._may_edit(visit, actor)
            note: SoapIn = validated(SoapIn, data)
            visit.soap_subjective, visit.soap_objective = note.subjective, note.objective
            visit.soap_assessment, visit.soap_plan = note.assessment, note.plan
            visit.treatment_given = note.treatment_given
            self._audit(db, actor, "soap.save", client_id=visit.client_id, visit_id=visit.id)
            if sign:
                self._sign(db, visit, actor)

    def sign(self, actor: Actor, visit_id: int) -> None:
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)
            self._may_edit(visit, actor)
            self._sign(db, visit, actor)

    def _sign(self, db: Session, visit: Visit, actor: Actor) -> None:
        visit.signed_at, visit.signed_by = datetime.now(timezone.utc), actor.user_id
        self._audit(db, actor, "soap.sign", client_id=visit.client_id, visit_id=visit.id)

    def amend(self, actor: Actor, visit_id: int, text: str) -> None:
        text = text.strip()
        with self._transaction(actor) as db:
            visit = self._visit(db, visit_id, actor)
            if visit.therapist_id != actor.user_id and not actor.is_admin:
                raise Forbidden("only the treating therapist or an admin amends this note")
            if not text:
                raise FieldErrors({"amendment": "Write the correction"})
            if len(text) > NOTE:
                raise FieldErrors({"amendment": f"Keep an amendment under {NOTE:,} characters"})
            try:
                check_text(text)
            except ValueError as exc:
                raise FieldErrors({"amendment": f"The amendment {exc}"}) from None
            if visit.signed_at is None:
                raise FieldErrors({"amendment": "Edit the note directly until it is signed"})
            db.add(Amendment(visit_id=visit.id, author_id=actor.user_id, text=text))
            self._audit(db, actor, "soap.amend", client_id=visit.client_id, visit_id=visit.id)

