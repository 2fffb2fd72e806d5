"""What every records operation shares: the acting user, errors, one transaction, the audit.

Every operation takes the acting user, keeps to that user's clinic (a record of
another clinic answers exactly like one that does not exist), runs in one
transaction, and writes an audit event for every read and write of a client
record in that same transaction, so nothing is ever half-saved or saved
unaudited. A refused attempt is audited too, in a transaction of its own.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from ..safetext import check_text
from .chain import append_event

# The largest id either database stores; a larger one cannot name a record.
MAX_ID = 2**31 - 1
EARLIEST_DATE = date(1900, 1, 1)


class NotFound(LookupError):
    """Absent, or belongs to another clinic: the two are never told apart."""


class Forbidden(PermissionError):
    pass


class Locked(PermissionError):
    """A signed SOAP note; corrections go in as amendments."""


class FieldErrors(ValueError):
    """Input problems by field name, shown beside each field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def storable_text(field: str, what: str, text: str) -> str:
    """The text, or FieldErrors naming the field when it could not be stored and read back (safetext)."""
    try:
        return check_text(text)
    except ValueError as exc:
        raise FieldErrors({field: f"{what} {exc}"}) from None


# Plain instructions instead of the validator's wording, by error type.
_PLAIN = {
    "string_too_short": "This field is required",
    "missing": "This field is required",
    "string_pattern_mismatch": "Use digits, spaces and + ( ) - . only",
    "date_from_datetime_parsing": "Enter a date",
    "date_parsing": "Enter a date",
    "date_type": "Enter a date",
    "literal_error": "Choose one of the options offered",
}


def _field_errors(exc: ValidationError) -> FieldErrors:
    errors: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        name = ".".join(str(p) for p in err["loc"]) or "form"
        message = _PLAIN.get(err["type"]) or err["msg"].removeprefix("Value error, ")
        if err["type"] == "string_unicode":
            message = "Contains a character that is not valid text (a lone surrogate); retype it"
        if err["type"] == "string_too_long":
            message = f"Keep this under {err['ctx']['max_length']:,} characters"
        if name == "email" and err["type"] == "value_error":
            message = "Enter a valid email address, such as name@example.org"
        errors.setdefault(name, message[0].upper() + message[1:])
    return FieldErrors(errors)


def validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _field_errors(exc) from None


def utc(value: datetime | None) -> datetime | None:
    """Timestamps as UTC with their offset, whatever the database gave back (SQLite drops it)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Actor:
    """The signed-in user, as every records operation sees them."""

    user_id: int
    clinic_id: int
    role: str
    name: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Refused(Exception):
    """Raised inside a transaction for a record that is absent or of another clinic."""

    def __init__(self, kind: str, record_id: int, owner_clinic: int | None):
        super().__init__(kind)
        self.kind, self.record_id, self.owner_clinic = kind, record_id, owner_clinic


def in_range(record_id: int) -> bool:
    return 0 < record_id <= MAX_ID


class RecordsBase:
    def __init__(self, sessions: sessionmaker[Session], read_sessions: sessionmaker[Session] | None = None):
        self.sessions = sessions  # write transactions (SQLite: BEGIN IMMEDIATE)
        self.read_sessions = read_sessions or sessions  # read-only work (session checks, sign-in)

    def _tx(self) -> Iterator[Session]:
        return self.sessions.begin()  # type: ignore[return-value]

    @contextmanager
    def _transaction(self, actor: Actor) -> Iterator[Session]:
        """One transaction for the actor; a refused record is audited after it is rolled back."""
        try:
            with self.sessions.begin() as db:
                yield db
        except Refused as refused:
            raise self._refused(actor, refused.kind, refused.record_id, refused.owner_clinic) from None

    @staticmethod
    def _audit(db: Session, actor: Actor, action: str, client_id: int | None = None, visit_id: int | None = None,
               detail: str = "", clinic_id: int | None = None, clients: list[int] | None = None) -> None:
        """One event at the end of the clinic's audit chain, in the caller's transaction."""
        append_event(db, clinic_id or actor.clinic_id, actor.user_id, action, client_id=client_id, visit_id=visit_id,
                     detail=detail, clients=clients)

    def _refused(self, actor: Actor, kind: str, record_id: int, owner_clinic: int | None) -> NotFound:
        """Audit an attempt on a record that is absent or of another clinic; return the error to raise.

        The attempt goes into the actor's own audit log and, when the record
        exists, into its clinic's log too: its custodian sees who tried.
        """
        events = [(actor.clinic_id, f"{kind} {record_id}: not found or not of this clinic")]
        if owner_clinic is not None and owner_clinic != actor.clinic_id:
            events.append((owner_clinic, f"{kind} {record_id}: by a user of another clinic"))
        with self._tx() as db:
            # Chains are locked in clinic order, so two refusals crossing between clinics never deadlock.
            for clinic_id, detail in sorted(events):
                self._audit(db, actor, "access.refused", detail=detail, clinic_id=clinic_id)
        return NotFound(kind)

    @staticmethod
    def _require_admin(actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("admins only")
