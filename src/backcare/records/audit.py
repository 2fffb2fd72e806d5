"""The audit log, newest first a page at a time (admins only), and the check of its chain (chain.py).

Reading the log is itself an event of the log.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..storage.models import AuditEvent, Clinic
from .base import Actor, RecordsBase, in_range
from .chain import append_event, verify_chain

AUDIT_PAGE = 100


@dataclass(frozen=True)
class ChainReport:
    clinic_id: int
    clinic: str
    events: int
    head: str
    broken: str | None  # the first broken link, in words; None when the chain is whole


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_before: int | None


class AuditMixin(RecordsBase):
    def audit_log(self, actor: Actor, before: int | None = None, limit: int = AUDIT_PAGE) -> AuditPage:
        """A page of the clinic's log, newest first; the reading is itself an event of the log."""
        self._require_admin(actor)
        with self._tx() as db:
            query = select(AuditEvent).where(AuditEvent.clinic_id == actor.clinic_id)
            if before is not None and in_range(before):
                query = query.where(AuditEvent.id < before)
            found = list(db.scalars(query.options(selectinload(AuditEvent.user)).order_by(AuditEvent.id.desc())
                                    .limit(limit + 1)))
            events = found[:limit]
            self._audit(db, actor, "audit.read", detail=f"{len(events)} events" + (f" before #{before}" if before else ""))
            return AuditPage(events, events[-1].id if len(found) > limit else None)

    def record_event(self, actor: Actor, action: str, detail: str = "", client_id: int | None = None) -> None:
        """An event that is not a record's read or write (client mode on a tablet, say), in the same log."""
        with self._tx() as db:
            self._audit(db, actor, action, client_id=client_id, detail=detail)

    def verify_audit(self, clinic_id: int | None = None) -> list[ChainReport]:
        """Check every clinic's chain (or one); each check is recorded in that clinic's log (`backcare audit verify`)."""
        with self.read_sessions() as db:
            clinics = list(db.execute(select(Clinic.id, Clinic.name).order_by(Clinic.id)
                                      .where(True if clinic_id is None else Clinic.id == clinic_id)).all())
        reports = []
        for clinic in clinics:
            with self.read_sessions() as db:
                events, head, broken = verify_chain(db, clinic.id)
            reports.append(ChainReport(clinic.id, clinic.name, events, head, broken))
            with self._tx() as db:
                append_event(db, clinic.id, None, "audit.verify", detail=f"{events} events: " + (broken or "chain intact"))
        return reports
