"""The day's work for the Today page: visits on the day, unfinished drafts, intakes waiting, consents missing
or due again.

Each list reads indexed columns and is bounded; every client it names is
audited as a list showing them (as the client list does).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..storage.models import Client, Clinic, TreatmentConsent, User, Visit, VisitDraft
from ..treatment import general_status, treatment_data
from .consents import consent_row
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

    def consents_due_again(self, actor: Actor, client_ids: set[int], day: date) -> dict[int, str]:
        """Of these clients, those whose informed consent to treatment in backcare is due again on `day`
        (the clinic's pack says after how many days), with the reason. A client with no consent in
        backcare is left to the "consent not on record" list."""
        if not client_ids:
            return {}
        with self._transaction(actor) as db:
            pack = treatment_data().pack_id(db.scalar(select(Clinic.consent_pack).where(Clinic.id == actor.clinic_id)))
            consents = db.scalars(select(TreatmentConsent).where(
                TreatmentConsent.clinic_id == actor.clinic_id, TreatmentConsent.client_id.in_(sorted(client_ids)),
                TreatmentConsent.scope == "treatment")).all()
            by_client: dict[int, list] = {}
            for consent in consents:
                by_client.setdefault(consent.client_id, []).append(consent_row(consent).fact)
            due = {}
            for client_id, facts in by_client.items():
                status = general_status(facts, day, [], pack)
                if status.state != "current":
                    due[client_id] = status.reason
            return due

    def _listed(self, db, actor: Actor, client_ids: set[int], why: str) -> None:
        for client_id in sorted(client_ids):
            self._audit(db, actor, "client.list", client_id=client_id, detail=why)
