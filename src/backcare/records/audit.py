"""The audit log, newest first, a page at a time (admins only)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..storage.models import AuditEvent
from .base import Actor, RecordsBase, in_range

AUDIT_PAGE = 100


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_before: int | None


class AuditMixin(RecordsBase):
    def audit_log(self, actor: Actor, before: int | None = None, limit: int = AUDIT_PAGE) -> AuditPage:
        self._require_admin(actor)
        with self.read_sessions() as db:
            query = select(AuditEvent).where(AuditEvent.clinic_id == actor.clinic_id)
            if before is not None and in_range(before):
                query = query.where(AuditEvent.id < before)
            found = list(db.scalars(query.options(selectinload(AuditEvent.user)).order_by(AuditEvent.id.desc())
                                    .limit(limit + 1)))
            events = found[:limit]
            return AuditPage(events, events[-1].id if len(found) > limit else None)

    def record_event(self, actor: Actor, action: str, detail: str = "", client_id: int | None = None) -> None:
        """An event that is not a record's read or write (client mode on a tablet, say), in the same log."""
        with self._tx() as db:
            self._audit(db, actor, action, client_id=client_id, detail=detail)
