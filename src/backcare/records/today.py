"""The day's work for the Today page: visits on the day, unfinished drafts, intakes waiting, consents missing.

Each list reads indexed columns and is bounded; every client it names is
audited as a list showing them (as the client list does).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..storage.models import Client, User, Visit, VisitDraft
from .base import Actor, RecordsBase, utc

LIMIT = 100


@dataclass(frozen=True)
class DayVisit:
    visit_id: int
    client_id: int
    client_name: str
    therapist: str
    referral: str
    signed: bool
    consent_given: bool


@dataclass(frozen=True)
class OpenDraft:
    client_id: int
    client_name: str
    kind: str  # new | findings | soap
    visit_id: int | None
    updated_at: datetime
    consent_given: bool


class TodayMixin(RecordsBase):
    def day_visits(self, actor: Actor, day: date) -> list[DayVisit]:
        """The clinic's visits dated `day` (the clinic's own date), newest first."""
        with self._transaction(actor) as db:
            rows = db.execute(
                select(Visit.id, Visit.client_id, Client.name, User.name.label("therapist"), Visit.referral,
                       Visit.signed_at, Client.consent_given)
                .join(Client, Client.id == Visit.client_id).join(User, User.id == Visit.therapist_id)
                .where(Visit.clinic_id == actor.clinic_id, Visit.visit_date == day)
                .order_by(Visit.id.desc()).limit(LIMIT)).all()
            self._listed(db, actor, {r.client_id for r in rows}, "today: visits")
            return [DayVisit(r.id, r.client_id, r.name, r.therapist, r.referral, r.signed_at is not None, r.consent_given)
                    for r in rows]

    def open_drafts(self, actor: Actor) -> list[OpenDraft]:
        """The actor's own unfinished drafts (a new visit, changed findings, a note), the latest first."""
        with self._transaction(actor) as db:
            rows = db.execute(
                select(VisitDraft.client_id, Client.name, VisitDraft.kind, VisitDraft.visit_id, VisitDraft.updated_at,
                       Client.consent_given)
                .join(Client, Client.id == VisitDraft.client_id)
                .where(VisitDraft.therapist_id == actor.user_id, VisitDraft.clinic_id == actor.clinic_id)
                .order_by(VisitDraft.updated_at.desc()).limit(LIMIT)).all()
            self._listed(db, actor, {r.client_id for r in rows}, "today: drafts")
            return [OpenDraft(r.client_id, r.name, r.kind, r.visit_id, utc(r.updated_at), r.consent_given) for r in rows]

    def _listed(self, db, actor: Actor, client_ids: set[int], why: str) -> None:
        for client_id in sorted(client_ids):
            self._audit(db, actor, "client.list", client_id=client_id, detail=why)
