"""The audit log as a hash chain per clinic: each event names the hash of the one before it.

Each event carries its place in the clinic's chain (`seq`), the hash of the event
before it and its own hash over every field (SHA-256). Editing, removing or
reordering an event breaks the chain from there on, and `verify_chain` names the
first broken link. A transaction's events wait in its session until it commits;
then, as the last work before the commit, they join the chain together: the
clinic's chain head is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite
writers queue anyway), the events are written after it and the head moves on.
So one clinic's saves take turns only for those few statements and the commit,
not for the whole save.

Migration 0009 chains the events written before it with a copy of `event_hash`:
change the two together, or not at all.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import Connection, bindparam, event, insert, select, update
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


# Every audited transaction runs these: built once, so each run skips building and keying the statement.
_READ_HEAD = (select(AuditHead.seq, AuditHead.hash).where(AuditHead.clinic_id == bindparam("clinic_id"))
              .with_for_update())
_MOVE_HEAD = update(AuditHead).where(AuditHead.clinic_id == bindparam("clinic")).values(
    seq=bindparam("seq"), hash=bindparam("hash"))
_ADD_EVENTS = insert(AuditEvent)


def _head(conn: Connection, clinic_id: int) -> tuple[int, str]:
    """The clinic's chain head (seq, hash), locked until the transaction ends."""
    head = conn.execute(_READ_HEAD, {"clinic_id": clinic_id}).first()
    if head is None:
        # A clinic made before its head existed: add it once, whoever gets there first.
        add_head = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(add_head(AuditHead).values(clinic_id=clinic_id, seq=0, hash=GENESIS).on_conflict_do_nothing())
        head = conn.execute(_READ_HEAD, {"clinic_id": clinic_id}).first()
    return head.seq, head.hash


_PENDING, _SAVEPOINTS = "backcare_audit_pending", "backcare_audit_savepoints"


def append_event(db: Session, clinic_id: int, user_id: int | None, action: str, client_id: int | None = None,
                 visit_id: int | None = None, detail: str = "", clients: list[int] | None = None) -> None:
    """Add one event to the end of the clinic's chain when the caller's transaction commits."""
    if not db.in_transaction():
        db.begin()  # the event belongs to a transaction, so a rollback (even before any SQL) drops it
    db.info.setdefault(_PENDING, []).append(dict(clinic_id=clinic_id, user_id=user_id, action=action, client_id=client_id,
                                                 visit_id=visit_id, detail=detail[:500], clients=clients))


@event.listens_for(Session, "before_commit")
def _chain_pending(db: Session) -> None:
    """The transaction's events, at the end of their clinics' chains, just before it commits."""
    pending = db.info.pop(_PENDING, None)
    if not pending:
        return
    db.flush()  # the transaction's own writes first: the head is locked last, for the least time
    # Plain statements on the transaction's connection: nothing here needs the ORM's bookkeeping.
    conn = db.connection()
    at = datetime.now(timezone.utc)  # when they are recorded: seq, id and time agree in order
    # Heads are locked in clinic order, so two transactions touching two clinics never wait for each other in a circle.
    for clinic_id in sorted({e["clinic_id"] for e in pending}):
        seq, prev = _head(conn, clinic_id)
        rows = []
        for e in (e for e in pending if e["clinic_id"] == clinic_id):
            seq += 1
            digest = event_hash(prev, clinic_id, seq, at, e["user_id"], e["action"], e["client_id"], e["visit_id"],
                                e["detail"], e["clients"])
            rows.append({**e, "at": at, "seq": seq, "prev_hash": prev, "hash": digest})
            prev = digest
        conn.execute(_ADD_EVENTS, rows)
        conn.execute(_MOVE_HEAD, {"clinic": clinic_id, "seq": seq, "hash": prev})


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(db: Session, transaction) -> None:
    if transaction.nested:
        db.info.setdefault(_SAVEPOINTS, {})[id(transaction)] = len(db.info.get(_PENDING, ()))


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(db: Session, transaction) -> None:
    """A transaction or savepoint rolled back takes its events with it (one committed has chained them already)."""
    if transaction.nested:
        mark = db.info.get(_SAVEPOINTS, {}).pop(id(transaction), None)
        if mark is not None and _PENDING in db.info:
            del db.info[_PENDING][mark:]
    elif transaction.parent is None:
        db.info.pop(_PENDING, None)


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


