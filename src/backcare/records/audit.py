"""The audit log, newest first a page at a time (admins only), and the check of its chain (chain.py).

Reading the log is itself an event of the log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, exists, func, literal_column, or_, select
from sqlalchemy.orm import selectinload

from ..storage.models import AuditEvent, Client, Clinic, Visit
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
    client_names: dict[int, str]  # the clients the page names, by id
    visit_dates: dict[int, object]  # the visits it names, by id: their dates


@dataclass(frozen=True)
class AuditFilter:
    """Narrow the log: who acted, about which clients, what kind of action (a prefix such as 'visit.'), when."""

    user_id: int | None = None
    client_ids: tuple[int, ...] | None = None
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


def _lists_naming(db, client_ids: tuple[int, ...]):
    """Events of a list (a page of clients, an export batch) that named one of these clients in `clients`."""
    if db.get_bind().dialect.name == "postgresql":
        # An event that names no list holds JSON null, which the function refuses: read it as an empty list.
        listed = case((func.json_typeof(AuditEvent.clients) == "array", AuditEvent.clients), else_=literal_column("'[]'::json"))
        element = func.json_array_elements_text(listed).table_valued("value")
        return exists(select(1).select_from(element).where(element.c.value.in_([str(i) for i in client_ids])))
    element = func.json_each(AuditEvent.clients).table_valued("value")
    return exists(select(1).select_from(element).where(element.c.value.in_(client_ids)))


class AuditMixin(RecordsBase):
    def audit_log(self, actor: Actor, before: int | None = None, limit: int = AUDIT_PAGE,
                  where: AuditFilter | None = None) -> AuditPage:
        """A page of the clinic's log, newest first; the reading is itself an event of the log."""
        self._require_admin(actor)
        where = where or AuditFilter()
        with self._tx() as db:
            query = select(AuditEvent).where(AuditEvent.clinic_id == actor.clinic_id)
            if before is not None and in_range(before):
                query = query.where(AuditEvent.id < before)
            if where.user_id is not None:
                query = query.where(AuditEvent.user_id == where.user_id)
            if where.client_ids is not None:
                ids = where.client_ids[:200]
                query = query.where(or_(AuditEvent.client_id.in_(ids), _lists_naming(db, ids)))
            if where.action:
                query = query.where(AuditEvent.action.startswith(where.action[:40], autoescape=True))
            if where.since is not None:
                query = query.where(AuditEvent.at >= where.since)
            if where.until is not None:
                query = query.where(AuditEvent.at < where.until)
            found = list(db.scalars(query.options(selectinload(AuditEvent.user)).order_by(AuditEvent.id.desc())
                                    .limit(limit + 1)))
            events = found[:limit]
            client_ids = {e.client_id for e in events if e.client_id} | {c for e in events for c in (e.clients or [])}
            visit_ids = {e.visit_id for e in events if e.visit_id}
            names = dict(db.execute(select(Client.id, Client.name).where(
                Client.id.in_(client_ids), Client.clinic_id == actor.clinic_id)).all()) if client_ids else {}
            dates = dict(db.execute(select(Visit.id, Visit.visit_date).where(
                Visit.id.in_(visit_ids), Visit.clinic_id == actor.clinic_id)).all()) if visit_ids else {}
            self._audit(db, actor, "audit.read", detail=f"{len(events)} events" + (f" before #{before}" if before else "")
                        + (" (filtered)" if where != AuditFilter() else ""))
            return AuditPage(events, events[-1].id if len(found) > limit else None, names, dates)

    def clients_named(self, actor: Actor, start: str, limit: int = 50) -> list[int]:
        """The ids of the clinic's clients whose name starts with `start` (the audit log's client filter)."""
        from .clients import normalise

        self._require_admin(actor)
        term = normalise(start)[:100].replace("%", "").replace("_", "")
        if not term:
            return []
        with self.read_sessions() as db:
            return list(db.scalars(select(Client.id).where(
                Client.clinic_id == actor.clinic_id, Client.name_norm >= term, Client.name_norm < term + "\U0010ffff")
                .order_by(Client.name_norm).limit(limit)))

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
