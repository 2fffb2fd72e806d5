"""Client records: the one object the web pages, the JSON API and the CLI share.

Every method takes the acting user, keeps to that user's clinic (a record of
another clinic is simply not found), runs in one transaction, and writes an
audit event for every read and write of a client record in that same
transaction, so nothing is ever half-saved or saved unaudited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from . import soap
from .api import assess_data
from .caseio import parse_case
from .errors import CaseError
from .storage.models import Amendment, AuditEvent, Client, Clinic, User, Visit
from .vocabulary import vocabulary

_hasher = PasswordHasher()
ROLES = ("therapist", "admin")


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


# Plain instructions instead of the validator's wording, by error type.
_PLAIN = {
    "string_too_short": "This field is required",
    "missing": "This field is required",
    "string_pattern_mismatch": "Use digits, spaces and + ( ) - . only",
    "date_from_datetime_parsing": "Enter a date",
    "date_parsing": "Enter a date",
    "date_type": "Enter a date",
}


def _field_errors(exc: ValidationError) -> FieldErrors:
    errors: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        name = ".".join(str(p) for p in err["loc"]) or "form"
        message = _PLAIN.get(err["type"]) or err["msg"].removeprefix("Value error, ")
        if name == "email" and err["type"] == "value_error":
            message = "Enter a valid email address, such as name@example.org"
        errors.setdefault(name, message[0].upper() + message[1:])
    return FieldErrors(errors)


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    date_of_birth: date | None = None
    phone: str | None = Field(default=None, max_length=50, pattern=r"^[0-9 +()\-.]*$")
    email: EmailStr | None = None
    medical: dict[str, bool] = {}
    consent_given: bool = False
    # Checked as a field (not a whole-model rule) so it is reported with the other fields' problems.
    consent_date: date | None = Field(default=None, validate_default=True)

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_the_past(cls, value: date | None) -> date | None:
        if value is not None and not (date(1900, 1, 1) <= value <= date.today()):
            raise ValueError("date of birth must be between 1900 and today")
        return value

    @field_validator("medical")
    @classmethod
    def _known_flags(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(vocabulary().medical_history))
        if unknown:
            raise ValueError(f"unknown medical history {unknown}; allowed: {', '.join(vocabulary().medical_history)}")
        return value

    @field_validator("consent_date")
    @classmethod
    def _consent_is_dated(cls, value: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("consent_given") and value is None:
            raise ValueError("give the date consent to treatment was recorded")
        if value is not None and value > date.today():
            raise ValueError("the consent date cannot be in the future")
        return value


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    visit_date: date
    case: dict[str, Any]
    treatment_given: str = Field(default="", max_length=20000)

    @field_validator("visit_date")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("the visit date cannot be in the future")
        return value


class SoapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjective: str = Field(default="", max_length=20000)
    objective: str = Field(default="", max_length=20000)
    assessment: str = Field(default="", max_length=20000)
    plan: str = Field(default="", max_length=20000)
    treatment_given: str = Field(default="", max_length=20000)


def validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _field_errors(exc) from None


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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < 10:
        raise FieldErrors({"password": "Use at least 10 characters"})


class Records:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    # --- sessions and audit --------------------------------------------------
    def _tx(self) -> Iterator[Session]:
        return self.sessions.begin()  # type: ignore[return-value]

    @staticmethod
    def _audit(db: Session, actor: Actor, action: str, client_id: int | None = None,
               visit_id: int | None = None, detail: str = "") -> None:
        db.add(AuditEvent(clinic_id=actor.clinic_id, user_id=actor.user_id, action=action,
                          client_id=client_id, visit_id=visit_id, detail=detail[:500]))

    # --- clinics and users ------------------------------------------------------
    def create_clinic_with_admin(self, clinic_name: str, email: str, name: str, password: str,
                                 role: str = "admin") -> Actor:
        check_password_strength(password)
        with self._tx() as db:
            clinic = Clinic(name=clinic_name)
            db.add(clinic)
            db.flush()
            user = self._new_user(db, clinic.id, email, name, password, role)
            return Actor(user.id, clinic.id, user.role, user.name)

    def _new_user(self, db: Session, clinic_id: int, email: str, name: str, password: str, role: str) -> User:
        if role not in ROLES:
            raise FieldErrors({"role": f"Choose one of: {', '.join(ROLES)}"})
        email = email.strip().lower()
        if "@" not in email or len(email) > 254:
            raise FieldErrors({"email": "Enter a valid email address"})
        if not name.strip():
            raise FieldErrors({"name": "Enter a name"})
        if db.scalar(select(User.id).where(User.email == email)) is not None:
            raise FieldErrors({"email": "This email already has an account"})
        user = User(clinic_id=clinic_id, email=email, name=name.strip(), role=role, password_hash=hash_password(password))
        db.add(user)
        db.flush()
        return user

    def add_user(self, actor: Actor, email: str, name: str, password: str, role: str) -> int:
        self._require_admin(actor)
        check_password_strength(password)
        with self._tx() as db:
            user = self._new_user(db, actor.clinic_id, email, name, password, role)
            self._audit(db, actor, "user.create", detail=f"{user.email} ({role})")
            return user.id

    def set_user_active(self, actor: Actor, user_id: int, active: bool) -> None:
        self._require_admin(actor)
        if user_id == actor.user_id and not active:
            raise FieldErrors({"user": "You cannot deactivate your own account"})
        with self._tx() as db:
            user = db.get(User, user_id)
            if user is None or user.clinic_id != actor.clinic_id:
                raise NotFound("user")
            user.active = active
            self._audit(db, actor, "user.activate" if active else "user.deactivate", detail=user.email)

    def users(self, actor: Actor) -> list[User]:
        self._require_admin(actor)
        with self.sessions() as db:
            return list(db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.name)))

    def authenticate(self, email: str, password: str) -> Actor | None:
        with self.sessions() as db:
            user = db.scalar(select(User).where(User.email == email.strip().lower()))
            if user is None:
                _hasher.hash(password)  # same work either way: no hint whether the account exists
                return None
            try:
                _hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            if not user.active:
                return None
            return Actor(user.id, user.clinic_id, user.role, user.name)

    def record_session(self, actor: Actor, action: str, address: str) -> None:
        """Sign-ins and sign-outs go in the audit log beside record access."""
        with self._tx() as db:
            self._audit(db, actor, action, detail=f"from {address}")

    def actor(self, user_id: int) -> Actor | None:
        with self.sessions() as db:
            user = db.get(User, user_id)
            if user is None or not user.active:
                return None
            return Actor(user.id, user.clinic_id, user.role, user.name)

    @staticmethod
    def _require_admin(actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("admins only")

    # --- clients ----------------------------------------------------------------------
    def _client(self, db: Session, actor: Actor, client_id: int) -> Client:
        client = db.get(Client, client_id)
        if client is None or client.clinic_id != actor.clinic_id:
            raise NotFound("client")
        return client

    def list_clients(self, actor: Actor, search: str = "") -> list[dict[str, Any]]:
        with self._tx() as db:
            last_visit = (select(Visit.client_id, func.max(Visit.visit_date).label("last"))
                          .group_by(Visit.client_id).subquery())
            query = (select(Client, last_visit.c.last).outerjoin(last_visit, last_visit.c.client_id == Client.id)
                     .where(Client.clinic_id == actor.clinic_id).order_by(Client.name))
            term = search.strip()
            if term:
                like = f"%{term.lower()}%"
                query = query.where(or_(func.lower(Client.name).like(like), func.lower(func.coalesce(Client.email, "")).like(like),
                                        func.coalesce(Client.phone, "").like(like)))
            rows = db.execute(query.limit(500)).all()
            self._audit(db, actor, "client.list", detail=f"search={term!r}, {len(rows)} shown")
            return [{"client": c, "last_visit": last} for c, last in rows]

    def create_client(self, actor: Actor, data: dict[str, Any]) -> int:
        client_in: ClientIn = validated(ClientIn, data)
        with self._tx() as db:
            client = Client(clinic_id=actor.clinic_id, created_by=actor.user_id, **client_in.model_dump())
            db.add(client)
            db.flush()
            self._audit(db, actor, "client.create", client_id=client.id)
            return client.id

    def update_client(self, actor: Actor, client_id: int, data: dict[str, Any]) -> None:
        client_in: ClientIn = validated(ClientIn, data)
        with self._tx() as db:
            client = self._client(db, actor, client_id)
            for key, value in client_in.model_dump().items():
                setattr(client, key, value)
            self._audit(db, actor, "client.update", client_id=client.id)

    def get_client(self, actor: Actor, client_id: int) -> Client:
        with self._tx() as db:
            client = db.scalar(select(Client).where(Client.id == client_id)
                               .options(selectinload(Client.visits).selectinload(Visit.therapist)))
            if client is None or client.clinic_id != actor.clinic_id:
                raise NotFound("client")
            self._audit(db, actor, "client.read", client_id=client.id)
            return client

    # --- visits -----------------------------------------------------------------------------
    def create_visit(self, actor: Actor, client_id: int, data: dict[str, Any]) -> int:
        visit_in: VisitIn = validated(VisitIn, data)
        try:
            case = parse_case(visit_in.case).findings()
        except CaseError as exc:
            raise FieldErrors({p.split(": ", 1)[0]: p.split(": ", 1)[-1] for p in exc.problems}) from None
        assessment = assess_data(case)
        note = soap.draft(case, assessment)
        with self._tx() as db:
            self._client(db, actor, client_id)
            visit = Visit(clinic_id=actor.clinic_id, client_id=client_id, therapist_id=actor.user_id,
                          visit_date=visit_in.visit_date, case=case, assessment=assessment,
                          kb_version=assessment["knowledge_base"]["version"],
                          pain_nrs=(case.get("symptoms") or {}).get("pain_nrs"),
                          treatment_given=visit_in.treatment_given,
                          soap_subjective=note["subjective"], soap_objective=note["objective"],
                          soap_assessment=note["assessment"], soap_plan=note["plan"])
            db.add(visit)
            db.flush()
            self._audit(db, actor, "visit.create", client_id=client_id, visit_id=visit.id)
            return visit.id

    def _visit(self, db: Session, actor: Actor, visit_id: int) -> Visit:
        visit = db.scalar(select(Visit).where(Visit.id == visit_id).options(
            selectinload(Visit.client), selectinload(Visit.therapist), selectinload(Visit.signer),
            selectinload(Visit.amendments).selectinload(Amendment.author)))
        if visit is None or visit.clinic_id != actor.clinic_id:
            raise NotFound("visit")
        return visit

    def get_visit(self, actor: Actor, visit_id: int, purpose: str = "visit.read") -> Visit:
        with self._tx() as db:
            visit = self._visit(db, actor, visit_id)
            self._audit(db, actor, purpose, client_id=visit.client_id, visit_id=visit.id)
            return visit

    def save_soap(self, actor: Actor, visit_id: int, data: dict[str, Any]) -> None:
        note: SoapIn = validated(SoapIn, data)
        with self._tx() as db:
            visit = self._visit(db, actor, visit_id)
            if visit.signed_at is not None:
                raise Locked("signed")
            visit.soap_subjective, visit.soap_objective = note.subjective, note.objective
            visit.soap_assessment, visit.soap_plan = note.assessment, note.plan
            visit.treatment_given = note.treatment_given
            self._audit(db, actor, "soap.save", client_id=visit.client_id, visit_id=visit.id)

    def sign(self, actor: Actor, visit_id: int) -> None:
        with self._tx() as db:
            visit = self._visit(db, actor, visit_id)
            if visit.signed_at is not None:
                raise Locked("already signed")
            if visit.therapist_id != actor.user_id:
                raise Forbidden("only the treating therapist signs the note")
            visit.signed_at, visit.signed_by = datetime.now(timezone.utc), actor.user_id
            self._audit(db, actor, "soap.sign", client_id=visit.client_id, visit_id=visit.id)

    def amend(self, actor: Actor, visit_id: int, text: str) -> None:
        text = text.strip()
        if not text:
            raise FieldErrors({"amendment": "Write the correction"})
        if len(text) > 20000:
            raise FieldErrors({"amendment": "Keep an amendment under 20,000 characters"})
        with self._tx() as db:
            visit = self._visit(db, actor, visit_id)
            if visit.signed_at is None:
                raise FieldErrors({"amendment": "Edit the note directly until it is signed"})
            db.add(Amendment(visit_id=visit.id, author_id=actor.user_id, text=text))
            self._audit(db, actor, "soap.amend", client_id=visit.client_id, visit_id=visit.id)

    # --- audit --------------------------------------------------------------------------------
    def audit_log(self, actor: Actor, limit: int = 500) -> list[AuditEvent]:
        self._require_admin(actor)
        with self.sessions() as db:
            return list(db.scalars(select(AuditEvent).where(AuditEvent.clinic_id == actor.clinic_id)
                                   .options(selectinload(AuditEvent.user))
                                   .order_by(AuditEvent.id.desc()).limit(limit)))
