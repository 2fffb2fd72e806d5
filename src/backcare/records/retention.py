"""How long each record is kept (backcare.retention's rule for the clinic's jurisdiction), the admin's queue of
records past it, and their destruction, only on approval, leaving a stub.

A record's last entry is the latest of its visits, amendments, questionnaires,
intakes, requests and corrections, treatment sessions and consents, and the
home programme with its ticks and check-ins (or the day it was opened). A record with a
request still open is held: it never reaches the queue. Destroying deletes
every row of the record in one transaction and keeps, in `destroyed_records`,
who it was, the span of its entries, the rule that allowed it and who approved;
the audit log keeps naming the record by its number.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from ..retention.rules import Jurisdiction, jurisdiction, keep_until
from ..storage.models import (Amendment, CheckIn, CheckInReminder, Client, Clinic, DestroyedRecord, Episode, ExerciseTick,
                              HomeLink, HomeLinkKey, HomeProgramme, Intake, IntakeLink, QuestionnaireResponse, RecordCorrection,
                              RecordRequest, ReferralLetter, SignedPdf, TreatmentConsent, TreatmentRecord, Visit,
                              VisitDraft)
from .base import Actor, FieldErrors, RecordsBase, in_range

QUEUE_PAGE = 200


@dataclass(frozen=True)
class RetentionView:
    client_id: int
    last_entry: date
    keep_until: date
    reason: str
    rule: Jurisdiction
    held: bool  # a request is open

    @property
    def due(self) -> bool:
        return self.keep_until <= date.today() and not self.held


@dataclass(frozen=True)
class QueueRow:
    client_id: int
    name: str
    date_of_birth: date | None
    last_entry: date
    keep_until: date
    reason: str


def _clinic_rule(db: Session, clinic_id: int) -> str:
    return db.scalar(select(Clinic.jurisdiction).where(Clinic.id == clinic_id)) or ""


def last_entries(db: Session, client_ids: list[int]) -> dict[int, date]:
    """The day of the latest entry in each record (at least the day it was opened)."""
    latest: dict[int, date] = {}

    def take(rows) -> None:
        for client_id, when in rows:
            if when is not None:
                day = when.date() if hasattr(when, "date") and callable(when.date) else when
                if isinstance(day, str):
                    day = date.fromisoformat(day[:10])
                latest[client_id] = max(latest.get(client_id, day), day)

    ids = list(client_ids)
    take(db.execute(select(Client.id, Client.created_at).where(Client.id.in_(ids))))
    take(db.execute(select(Visit.client_id, func.max(Visit.visit_date)).where(Visit.client_id.in_(ids)).group_by(Visit.client_id)))
    take(db.execute(select(Visit.client_id, func.max(Amendment.created_at)).join(Visit, Visit.id == Amendment.visit_id)
                    .where(Visit.client_id.in_(ids)).group_by(Visit.client_id)))
    for model, column in ((QuestionnaireResponse, QuestionnaireResponse.answered_on), (Intake, Intake.submitted_at),
                          (RecordRequest, RecordRequest.received_on), (RecordCorrection, RecordCorrection.created_at),
                          (ReferralLetter, ReferralLetter.created_at), (TreatmentRecord, TreatmentRecord.updated_at),
                          (TreatmentConsent, TreatmentConsent.given_at), (TreatmentConsent, TreatmentConsent.withdrawn_at),
                          (HomeProgramme, HomeProgramme.created_at), (ExerciseTick, ExerciseTick.done_on),
                          (CheckIn, CheckIn.submitted_at)):
        take(db.execute(select(model.client_id, func.max(column)).where(model.client_id.in_(ids)).group_by(model.client_id)))
    return latest


def _held(db: Session, client_ids: list[int]) -> set[int]:
    return set(db.scalars(select(RecordRequest.client_id).where(RecordRequest.client_id.in_(client_ids),
                                                                RecordRequest.status == "open")))


class RetentionMixin(RecordsBase):
    def retention(self, actor: Actor, client_id: int) -> RetentionView:
        """The client's retention date under the clinic's rule (read with the client page, which is audited)."""
        with self.read_sessions() as db:
            client = db.get(Client, client_id) if in_range(client_id) else None
            if client is None or client.clinic_id != actor.clinic_id:
                raise FieldErrors({"client": "No such client"})
            last = last_entries(db, [client_id])[client_id]
            kept = keep_until(_clinic_rule(db, actor.clinic_id), last, client.date_of_birth)
            return RetentionView(client_id, last, kept.keep_until, kept.reason, kept.jurisdiction, bool(_held(db, [client_id])))

    def retention_queue(self, actor: Actor, limit: int = QUEUE_PAGE) -> tuple[list[QueueRow], Jurisdiction]:
        """Records past their retention date, oldest first (admins); a record with an open request is held back."""
        self._require_admin(actor)
        today = date.today()
        with self._tx() as db:
            code = _clinic_rule(db, actor.clinic_id)
            rule = jurisdiction(code)
            # Only a record whose visits all ended long enough ago can be due: an index-friendly first cut.
            cutoff = today - timedelta(days=365 * rule.years_after_last_entry - 2)
            candidates = db.execute(select(Client.id, Client.name, Client.date_of_birth).where(
                Client.clinic_id == actor.clinic_id, func.coalesce(Client.last_visit_date, func.date(Client.created_at)) <= cutoff)
                .order_by(Client.id).limit(limit * 5)).all()
            if not candidates:
                return [], rule
            ids = [c.id for c in candidates]
            latest, held = last_entries(db, ids), _held(db, ids)
            rows = []
            for c in candidates:
                kept = keep_until(code, latest[c.id], c.date_of_birth)
                if kept.keep_until <= today and c.id not in held:
                    rows.append(QueueRow(c.id, c.name, c.date_of_birth, latest[c.id], kept.keep_until, kept.reason))
            rows = sorted(rows, key=lambda r: r.keep_until)[:limit]
            if rows:
                self._audit(db, actor, "retention.queue", detail=f"{len(rows)} records past retention",
                            clients=[r.client_id for r in rows])
            return rows, rule

    def destroy_records(self, actor: Actor, client_ids: list[int], confirmation: str) -> list[int]:
        """Destroy the records the admin approved, each checked again against the rule; returns those destroyed.

        One transaction: every record is destroyed, or (any of them not due) none is."""
        self._require_admin(actor)
        if confirmation.strip().upper() != "DESTROY":
            raise FieldErrors({"confirmation": "Type DESTROY to approve the destruction"})
        ids = sorted({i for i in client_ids if in_range(i)})
        if not ids:
            raise FieldErrors({"clients": "Choose the records to destroy"})
        today = date.today()
        with self._tx() as db:
            code = _clinic_rule(db, actor.clinic_id)
            clients = {c.id: c for c in db.scalars(select(Client).where(Client.id.in_(ids), Client.clinic_id == actor.clinic_id))}
            latest, held = last_entries(db, list(clients)), _held(db, list(clients))
            for client_id in ids:
                client = clients.get(client_id)
                kept = keep_until(code, latest[client_id], client.date_of_birth) if client else None
                if client is None or client_id in held or kept.keep_until > today:
                    raise FieldErrors({"clients": f"Record #{client_id} may not be destroyed now (kept until "
                                                  f"{kept.keep_until.isoformat() if kept else 'unknown'}, or a request is open)"})
            for client_id in ids:
                self._destroy(db, actor, clients[client_id], latest[client_id], code)
            return ids

    def _destroy(self, db: Session, actor: Actor, client: Client, last: date, code: str) -> None:
        kept = keep_until(code, last, client.date_of_birth)
        visit_ids = list(db.scalars(select(Visit.id).where(Visit.client_id == client.id)))
        first = db.scalar(select(func.min(Visit.visit_date)).where(Visit.client_id == client.id))
        source = kept.jurisdiction.sources[0]
        db.add(DestroyedRecord(clinic_id=client.clinic_id, former_client_id=client.id, identifier=client.identifier,
                               name=client.name, date_of_birth=client.date_of_birth,
                               first_entry=first or client.created_at.date(), last_entry=last, visits=len(visit_ids),
                               kept_until=kept.keep_until, rule=f"{kept.jurisdiction.name}: {kept.reason} ({source.id})"[:300],
                               approved_by=actor.user_id))
        if visit_ids:
            db.execute(delete(Amendment).where(Amendment.visit_id.in_(visit_ids)))
            # The signed visits' PDFs as last rendered are health data like the visits themselves.
            db.execute(delete(SignedPdf).where(SignedPdf.visit_id.in_(visit_ids)))
        links = select(HomeLink.id).where(HomeLink.client_id == client.id)
        db.execute(delete(HomeLinkKey).where(HomeLinkKey.link_id.in_(links)))
        # Children before the rows they point at: the session and consents before their visits, the home programme's
        # reminders, check-ins and ticks before its links and episodes.
        for model in (TreatmentRecord, TreatmentConsent, CheckInReminder, CheckIn, ExerciseTick, HomeProgramme, HomeLink,
                      ReferralLetter, RecordCorrection, QuestionnaireResponse, Intake, IntakeLink, VisitDraft, RecordRequest,
                      Visit, Episode):
            db.execute(delete(model).where(model.client_id == client.id))
        db.execute(delete(Client).where(Client.id == client.id))
        self._audit(db, actor, "record.destroy", client_id=client.id,
                    detail=f"retention ended {kept.keep_until.isoformat()} ({kept.jurisdiction.code}); {len(visit_ids)} visits")

    def destroyed_records(self, actor: Actor) -> list[DestroyedRecord]:
        self._require_admin(actor)
        with self.read_sessions() as db:
            return list(db.scalars(select(DestroyedRecord).where(DestroyedRecord.clinic_id == actor.clinic_id)
                                   .options(selectinload(DestroyedRecord.approver))
                                   .order_by(DestroyedRecord.destroyed_at.desc()).limit(500)))


def corrections_by_visit(rows: list[Any]) -> dict[int | None, list[Any]]:
    out: dict[int | None, list[Any]] = {}
    for row in rows:
        out.setdefault(row.visit_id, []).append(row)
    return out
