"""The audit log as a hash chain per clinic: each event names the hash of the one before it.

Each event carries its place in the clinic's chain (`seq`), the hash of the event
before it and its own hash over every field (SHA-256). Editing, removing or
reordering an event breaks the chain from there on, and `verify_chain` names the
first broken link. Events join the chain one at a time: the clinic's chain head
is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite writers queue anyway)
until the transaction that adds them commits.

Migration 0009 chains the events written before it with a copy of `event_hash`:
change the two together, or not at all.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..storage.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _instant(at: datetime) -> str:
    """One spelling of a time for the hash, whatever the database hands back (SQLite drops the offset)."""
    at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash: str, clinic_id: int, seq: int, at: datetime, user_id: int | None, action: str,
               client_id: int | None, visit_id: int | None, detail: str, clients: list[int] | None) -> str:
    fields = [clinic_id, seq, _instant(at), user_id, action, client_id, visit_id, detail, clients]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def _head(db: Session, clinic_id: int) -> AuditHead:
    query = select(AuditHead).where(AuditHead.clinic_id == clinic_id).with_for_update()
    head = db.scalar(query)
    if head is None:
        # A clinic made before its head existed: add it once, whoever gets there first.
        insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
        db.execute(insert(AuditHead).values(clinic_id=clinic_id, seq=0, hash=GENESIS).on_conflict_do_nothing())
        head = db.scalar(query)
    return head


def append_event(db: Session, clinic_id: int, user_id: int | None, action: str, client_id: int | None = None,
                 visit_id: int | None = None, detail: str = "", clients: list[int] | None = None) -> None:
    """Add one event to the end of the clinic's chain, in the caller's transaction."""
    head = _head(db, clinic_id)
    at, seq, detail = datetime.now(timezone.utc), head.seq + 1, detail[:500]
    digest = event_hash(head.hash, clinic_id, seq, at, user_id, action, client_id, visit_id, detail, clients)
    db.add(AuditEvent(clinic_id=clinic_id, user_id=user_id, action=action, client_id=client_id, visit_id=visit_id,
                      detail=detail, clients=clients, at=at, seq=seq, prev_hash=head.hash, hash=digest))
    head.seq, head.hash = seq, digest


def verify_chain(db: Session, clinic_id: int) -> tuple[int, str, str | None]:
    """(events checked, last hash, the first broken link or None), reading the chain in order."""
    expected_seq, prev = 1, GENESIS
    query = select(AuditEvent).where(AuditEvent.clinic_id == clinic_id).order_by(AuditEvent.seq)
    for event in db.scalars(query.execution_options(yield_per=2000)):
        where = f"event #{event.seq} (id {event.id}, {_instant(event.at)})"
        if event.seq != expected_seq:
            return expected_seq - 1, prev, (f"event #{expected_seq} is missing (the next is #{event.seq}, id {event.id}): "
                                            "events were removed")
        if event.prev_hash != prev:
            return expected_seq - 1, prev, f"{where} does not follow the event before it: an event was removed or replaced"
        if event_hash(prev, clinic_id, event.seq, event.at, event.user_id, event.action, event.client_id, event.visit_id,
                      event.detail, event.clients) != event.hash:
            return expected_seq - 1, prev, f"{where} was changed after it was written"
        prev, expected_seq = event.hash, expected_seq + 1
        db.expunge(event)
    head = db.scalar(select(AuditHead).where(AuditHead.clinic_id == clinic_id))
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        return expected_seq - 1, prev, (f"the chain ends at event #{expected_seq - 1} but its head records #{head.seq}: "
                                        "events were removed from the end")
    return expected_seq - 1, prev, None


