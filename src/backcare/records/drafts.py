"""Visit drafts: the visit form as last typed, kept on the server as the therapist types.

A draft belongs to one therapist and one target: a new visit of a client, the
findings of an unsigned visit, or an unsigned SOAP note. Saving the visit or
the note deletes its draft in the same transaction. A draft carries a version:
a save based on an older version than the stored one (the same draft edited in
another tab or on another device) is refused unless forced, so one tab never
silently overwrites another.

Autosaves arrive every few seconds while someone types; auditing each one
would bury the log, so a draft's writes are audited when it starts and then at
most once every AUDIT_EVERY. Reading a draft back is always audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..safetext import NOTE
from ..storage.models import Visit, VisitDraft
from .base import Actor, FieldErrors, Forbidden, Locked, RecordsBase, Refused, in_range, storable_text, utc

KINDS = ("new", "findings", "soap")
AUDIT_EVERY = timedelta(minutes=5)
MAX_FIELDS = 2_000  # the visit form has about 600 fields
MAX_BYTES = 400_000  # several full SOAP sections and every finding


class DraftConflict(Exception):
    """The stored draft is newer than the one this save started from (version 0: it was
    saved as a visit or discarded since)."""

    def __init__(self, version: int, updated_at: datetime | None):
        super().__init__("draft changed elsewhere")
        self.version, self.updated_at = version, updated_at


@dataclass(frozen=True)
class Draft:
    kind: str
    client_id: int
    visit_id: int | None
    data: dict[str, Any]
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class DraftSummary:
    """An unfinished draft as the client page lists it."""

    kind: str
    visit_id: int | None
    updated_at: datetime


def clean_draft_data(data: Any) -> dict[str, str | list[str]]:
    """Form fields only: names to text or lists of text, bounded, storable."""
    if not isinstance(data, dict) or len(data) > MAX_FIELDS:
        raise FieldErrors({"draft": "The draft is not a visit form"})
    size = 0
    out: dict[str, str | list[str]] = {}
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        if not isinstance(name, str) or len(name) > 120 or not all(isinstance(v, str) and len(v) <= NOTE for v in values):
            raise FieldErrors({"draft": "The draft is not a visit form"})
        for text in (name, *values):
            storable_text(name, "This field", text)
        size += len(name) + sum(len(v) for v in values)
        out[name] = list(values) if isinstance(value, list) else value
    if size > MAX_BYTES:
        raise FieldErrors({"draft": "The draft is too large to keep"})
    return out


class DraftsMixin(RecordsBase):
    @staticmethod
    def _target(kind: str, visit_id: int | None) -> str:
        if kind not in KINDS or (kind == "new") != (visit_id is None):
            raise ValueError(f"bad draft target {kind} {visit_id}")
        return "" if visit_id is None else str(visit_id)

    def _check_target(self, db: Session, actor: Actor, client_id: int | None, visit_id: int | None) -> int:
        """The draft's client, of the actor's clinic; a visit's draft is only for its treating therapist, unsigned."""
        if visit_id is None:
            return self._client(db, client_id or 0, actor).id  # type: ignore[attr-defined] - from ClientsMixin
        visit = db.get(Visit, visit_id) if in_range(visit_id) else None
        if visit is None or visit.clinic_id != actor.clinic_id:
            raise Refused("visit", visit_id, visit.clinic_id if visit else None)
        if visit.therapist_id != actor.user_id:
            raise Forbidden("only the treating therapist edits this visit")
        if visit.signed_at is not None:
            raise Locked("signed")
        return visit.client_id

    @staticmethod
    def _find(db: Session, actor: Actor, kind: str, client_id: int, target: str) -> VisitDraft | None:
        return db.scalar(select(VisitDraft).where(
            VisitDraft.therapist_id == actor.user_id, VisitDraft.client_id == client_id,
            VisitDraft.kind == kind, VisitDraft.target == target))

    def save_draft(self, actor: Actor, kind: str, data: Any, base_version: int | None, *, client_id: int | None = None,
                   visit_id: int | None = None, force: bool = False) -> tuple[int, datetime]:
        """Store the form as typed (a new visit names its client, the others their visit); returns
        the new version and time. DraftConflict when another tab saved since `base_version`
        (0 or None: this tab has not saved yet); Locked once the visit is signed."""
        target = self._target(kind, visit_id)
        cleaned = clean_draft_data(data)
        now = datetime.now(timezone.utc)
        with self._transaction(actor) as db:
            client_id = self._check_target(db, actor, client_id, visit_id)
            draft = self._find(db, actor, kind, client_id, target)
            if draft is None and base_version and not force:
                raise DraftConflict(0, None)
            if draft is None:
                draft = VisitDraft(clinic_id=actor.clinic_id, therapist_id=actor.user_id, client_id=client_id,
                                   visit_id=visit_id, kind=kind, target=target, data=cleaned, version=1,
                                   updated_at=now, audited_at=now)
                db.add(draft)
                self._audit(db, actor, "draft.start", client_id=client_id, visit_id=visit_id, detail=kind)
                return 1, now
            if not force and base_version and draft.version != base_version:
                raise DraftConflict(draft.version, utc(draft.updated_at))
            draft.data, draft.version, draft.updated_at = cleaned, draft.version + 1, now
            if now - utc(draft.audited_at) >= AUDIT_EVERY:
                draft.audited_at = now
                self._audit(db, actor, "draft.save", client_id=client_id, visit_id=visit_id, detail=kind)
            return draft.version, now

    def get_draft(self, actor: Actor, kind: str, client_id: int, visit_id: int | None = None) -> Draft | None:
        target = self._target(kind, visit_id)
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            draft = self._find(db, actor, kind, client_id, target)
            if draft is None:
                return None
            self._audit(db, actor, "draft.read", client_id=client_id, visit_id=visit_id, detail=kind)
            return Draft(kind, client_id, visit_id, dict(draft.data), draft.version, utc(draft.updated_at))

    def discard_draft(self, actor: Actor, kind: str, client_id: int, visit_id: int | None = None) -> None:
        target = self._target(kind, visit_id)
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            if self._drop_draft(db, actor, kind, client_id, target):
                self._audit(db, actor, "draft.discard", client_id=client_id, visit_id=visit_id, detail=kind)

    @staticmethod
    def _drop_draft(db: Session, actor: Actor, kind: str, client_id: int, target: str) -> int:
        return db.execute(delete(VisitDraft).where(
            VisitDraft.therapist_id == actor.user_id, VisitDraft.client_id == client_id,
            VisitDraft.kind == kind, VisitDraft.target == target)).rowcount

    def drafts_of_client(self, actor: Actor, client_id: int) -> list[DraftSummary]:
        """The actor's own unfinished drafts for a client (the client page offers to resume them)."""
        with self._transaction(actor) as db:
            self._client(db, client_id, actor)  # type: ignore[attr-defined] - from ClientsMixin
            rows = db.execute(select(VisitDraft.kind, VisitDraft.visit_id, VisitDraft.updated_at).where(
                VisitDraft.therapist_id == actor.user_id, VisitDraft.client_id == client_id)
                .order_by(VisitDraft.updated_at.desc())).all()
            return [DraftSummary(r.kind, r.visit_id, utc(r.updated_at)) for r in rows]
