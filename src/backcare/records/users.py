"""Clinics, user accounts and passwords."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..safetext import check_name, is_text
from ..storage.models import AuditHead, Clinic, KnownDevice, LoginSession, User
from .base import Actor, FieldErrors, NotFound, RecordsBase, storable_text
from .chain import GENESIS

_hasher = PasswordHasher()
ROLES = ("therapist", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 200
# zxcvbn's score: 3 is "safely unguessable" against an online attack at a
# throttled rate; the list of common passwords and words ships with the package.
MIN_STRENGTH = 3


def is_name(value: str) -> bool:
    try:
        check_name(value)
    except ValueError:
        return False
    return True


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_email(email: str) -> str:
    """The one form of an e-mail address: used to store it, to log in and to count failures."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str, *personal: str) -> None:
    """Refuse short, common or guessable passwords, and those built from the user's own details."""
    if len(password) < MIN_PASSWORD:
        raise FieldErrors({"password": f"Use at least {MIN_PASSWORD} characters"})
    if len(password) > MAX_PASSWORD:
        raise FieldErrors({"password": f"Use at most {MAX_PASSWORD} characters"})
    storable_text("password", "The password", password)
    from zxcvbn import zxcvbn

    inputs = [p for value in personal if value for p in (value, *value.replace("@", " ").replace(".", " ").split())]
    result = zxcvbn(password, user_inputs=inputs)
    if result["score"] < MIN_STRENGTH:
        feedback = result["feedback"]
        hint = feedback.get("warning") or " ".join(feedback.get("suggestions") or [])
        message = "This password is too easy to guess"
        raise FieldErrors({"password": f"{message}: {hint.rstrip('.')}." if hint else f"{message}; add more words."})


class UsersMixin(RecordsBase):
    def create_clinic_with_admin(self, clinic_name: str, email: str, name: str, password: str,
                                 role: str = "admin") -> Actor:
        check_password_strength(password, email, name)
        with self._tx() as db:
            clinic = Clinic(name=clinic_name.strip()[:200] or "My clinic")
            db.add(clinic)
            db.flush()
            db.add(AuditHead(clinic_id=clinic.id, seq=0, hash=GENESIS))  # the start of the clinic's audit chain
            user = self._new_user(db, clinic.id, email, name, password, role)
            return Actor(user.id, clinic.id, user.role, user.name)

    def _new_user(self, db: Session, clinic_id: int, email: str, name: str, password: str, role: str) -> User:
        if role not in ROLES:
            raise FieldErrors({"role": f"Choose one of: {', '.join(ROLES)}"})
        email = normalise_email(email)
        errors = {}
        if "@" not in email or len(email) > 254 or "\x00" in email:
            errors["email"] = "Enter a valid email address"
        if not name.strip() or len(name) > 200 or "\x00" in name:
            errors["name"] = "Enter a name of up to 200 characters"
        elif not is_name(name.strip()):
            errors["name"] = "The name contains an invisible or control character; retype it"
        if errors:
            raise FieldErrors(errors)
        if db.scalar(select(User.id).where(User.email == email)) is not None:
            raise FieldErrors({"email": "This email already has an account"})
        user = User(clinic_id=clinic_id, email=email, name=name.strip(), role=role, password_hash=hash_password(password))
        db.add(user)
        db.flush()
        return user

    def add_user(self, actor: Actor, email: str, name: str, password: str, role: str) -> int:
        self._require_admin(actor)
        check_password_strength(password, email, name)
        with self._tx() as db:
            user = self._new_user(db, actor.clinic_id, email, name, password, role)
            self._audit(db, actor, "user.create", detail=f"{user.email} ({role})")
            return user.id

    def set_user_active(self, actor: Actor, user_id: int, active: bool) -> None:
        self._require_admin(actor)
        if user_id == actor.user_id and not active:
            raise FieldErrors({"user": "You cannot deactivate your own account"})
        with self._tx() as db:
            user = self._clinic_user(db, actor, user_id)
            user.active = active
            if not active:
                db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
            self._audit(db, actor, "user.activate" if active else "user.deactivate", detail=user.email)

    @staticmethod
    def _clinic_user(db: Session, actor: Actor, user_id: int) -> User:
        user = db.get(User, user_id) if 0 < user_id < 2**31 else None
        if user is None or user.clinic_id != actor.clinic_id:
            raise NotFound("user")
        return user

    def users(self, actor: Actor) -> list[User]:
        self._require_admin(actor)
        with self.read_sessions() as db:
            return list(db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.name)))

    def authenticate(self, email: str, password: str) -> Actor | None:
        email = normalise_email(email)
        if not is_text(email) or len(email) > 254:
            _hasher.hash(password if is_text(password) else "x")  # the same work as any failed login
            return None
        with self.read_sessions() as db:
            user = db.scalar(select(User).where(User.email == email))
            if user is None:
                _hasher.hash(password if is_text(password) else "x")  # same work either way: no hint whether the account exists
                return None
            try:
                _hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError, UnicodeEncodeError):
                return None
            if not user.active:
                return None
            return Actor(user.id, user.clinic_id, user.role, user.name)

    def must_change_password(self, actor: Actor) -> bool:
        with self.read_sessions() as db:
            return bool(db.scalar(select(User.must_change_password).where(User.id == actor.user_id)))

    def change_password(self, actor: Actor, current: str, new: str) -> None:
        """The user's own change: the current password first; every other session ends."""
        with self.read_sessions() as db:
            user = db.get(User, actor.user_id)
            email, name, stored = user.email, user.name, user.password_hash
        try:
            _hasher.verify(stored, current)
        except (VerificationError, InvalidHashError):
            raise FieldErrors({"current_password": "This is not your current password"}) from None
        if new == current:
            raise FieldErrors({"password": "Choose a password different from the current one"})
        check_password_strength(new, email, name)
        with self._tx() as db:
            user = db.get(User, actor.user_id)
            user.password_hash, user.must_change_password = hash_password(new), False
            db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
            self._audit(db, actor, "user.password_change", detail=user.email)

    def reset_password(self, actor: Actor, user_id: int, new: str) -> None:
        """An admin sets a temporary password; the user must choose their own at the next login."""
        self._require_admin(actor)
        with self.read_sessions() as db:
            user = self._clinic_user(db, actor, user_id)
            email, name = user.email, user.name
        check_password_strength(new, email, name)
        with self._tx() as db:
            user = self._clinic_user(db, actor, user_id)
            user.password_hash, user.must_change_password = hash_password(new), True
            db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
            self._audit(db, actor, "user.password_reset", detail=user.email)

    def set_pin(self, actor: Actor, current_password: str, pin: str) -> None:
        """The user's PIN for ending client mode (4 to 8 digits; the password is asked first)."""
        with self.read_sessions() as db:
            stored = db.get(User, actor.user_id).password_hash
        try:
            _hasher.verify(stored, current_password)
        except (VerificationError, InvalidHashError, UnicodeEncodeError):
            raise FieldErrors({"pin_password": "This is not your current password"}) from None
        if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
            raise FieldErrors({"pin": "Use 4 to 8 digits"})
        if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
            raise FieldErrors({"pin": "Choose digits that are not all the same or in a row"})
        with self._tx() as db:
            db.get(User, actor.user_id).pin_hash = _hasher.hash(pin)
            self._audit(db, actor, "user.pin_set")

    def has_pin(self, actor: Actor) -> bool:
        with self.read_sessions() as db:
            return db.scalar(select(User.pin_hash).where(User.id == actor.user_id)) is not None

    def check_pin_or_password(self, actor: Actor, secret: str) -> bool:
        """True when `secret` is the user's PIN or password (ending client mode asks for one)."""
        with self.read_sessions() as db:
            user = db.get(User, actor.user_id)
            hashes = [h for h in (user.pin_hash, user.password_hash) if h] if user and user.active else []
        for stored in hashes:
            try:
                if _hasher.verify(stored, secret):
                    return True
            except (VerificationError, InvalidHashError, UnicodeEncodeError):
                continue
        return False

    def device_known(self, token: str, email: str) -> bool:
        """True when this browser's device token signed in to the account of `email` before."""
        with self.read_sessions() as db:
            return db.scalar(select(KnownDevice.user_id).join(User, User.id == KnownDevice.user_id).where(
                KnownDevice.token_hash == _token_hash(token), User.email == normalise_email(email))) is not None

    def remember_device(self, actor: Actor, token: str | None) -> str:
        """Remember this browser as a known device of the account; returns the token for its cookie."""
        token = token or secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc)
        with self._tx() as db:
            found = db.get(KnownDevice, (_token_hash(token), actor.user_id))
            if found is None:
                db.add(KnownDevice(token_hash=_token_hash(token), user_id=actor.user_id, created_at=now, last_seen_at=now))
            else:
                found.last_seen_at = now
        return token

    def record_session(self, actor: Actor, action: str, address: str) -> None:
        """Sign-ins and sign-outs go in the audit log beside record access."""
        with self._tx() as db:
            self._audit(db, actor, action, detail=f"from {address}")

    def command_line_actor(self, email: str | None) -> Actor:
        """Who a command-line export or import acts as: the active user with this e-mail, or, when
        none is named, the one admin of a database that holds a single clinic (audited as them)."""
        with self.read_sessions() as db:
            if email:
                user = db.scalar(select(User).where(User.email == normalise_email(email), User.active.is_(True)))
                if user is None:
                    raise FieldErrors({"user": f"no active account {email!r}"})
            else:
                admins = list(db.scalars(select(User).where(User.role == "admin", User.active.is_(True)).limit(2)))
                if len(admins) != 1:
                    raise FieldErrors({"user": "name the account to act as with --user EMAIL"})
                user = admins[0]
            return Actor(user.id, user.clinic_id, user.role, user.name)

    def actor(self, user_id: int) -> Actor | None:
        with self.read_sessions() as db:
            user = db.get(User, user_id)
            if user is None or not user.active:
                return None
            return Actor(user.id, user.clinic_id, user.role, user.name)
