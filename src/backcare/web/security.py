"""Sessions, CSRF protection and the client's address.

The session cookie holds a random token; the database keeps only its SHA-256,
so a leaked database does not leak live sessions. Each session has its own CSRF
token, required on every state-changing request (form field `csrf_token` or
header `X-CSRF-Token`). Before login, a double-submit cookie protects the form.
Every piece of session state is in the database, so any worker serves any request.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from fastapi import Request
from sqlalchemy import Engine, delete, insert, select, update

from ..records import Actor, utc
from ..storage.models import Clinic, LoginSession, User
from .settings import Settings

SESSION_COOKIE = "backcare_session"
LOGIN_CSRF_COOKIE = "backcare_login_csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(Exception):
    pass


class CsrfFailed(Exception):
    pass


class PasswordChangeRequired(Exception):
    """An admin reset this account's password: the user must choose a new one first."""


class ClientModeActive(Exception):
    """The tablet is in the client's hands: only the questionnaire is reachable."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class CurrentSession:
    actor: Actor
    csrf_token: str
    must_change_password: bool = False
    zone: str = "UTC"  # the clinic's time zone: every time a page shows is in it
    # ...and its locale (the order of day, month and year) and how long a session may stay idle.
    locale: str = "en_GB"
    idle_minutes: int = 90
    # While a client fills in a questionnaire on the therapist's tablet: which one, and how it goes.
    client_mode: dict | None = None


_SESSION_QUERY = (
    select(LoginSession.token_hash, LoginSession.csrf_token, LoginSession.created_at, LoginSession.expires_at, LoginSession.client_mode,
           User.id, User.clinic_id, User.role, User.name, User.active, User.must_change_password, Clinic.timezone,
           Clinic.locale, Clinic.idle_minutes)
    .join(User, User.id == LoginSession.user_id).join(Clinic, Clinic.id == User.clinic_id))


class SessionStore:
    """Sessions in the database; each worker remembers a checked session for a few seconds.

    The database is the only record of a session. Re-reading it on every request
    costs more than the answer to most requests, so a worker trusts its own check
    for `settings.session_recheck_seconds`: ending a session (logout, a password
    change, a deactivated account) is immediate on the worker that ends it and
    reaches every other worker within those seconds.
    """

    def __init__(self, engine: Engine, settings: Settings):
        self.engine, self.settings = engine, settings
        self.read_engine = engine.execution_options(backcare_read_only=True)
        self._checked: dict[str, tuple[float, CurrentSession]] = {}
        self._lock = threading.Lock()

    def remembered(self, token: str | None) -> CurrentSession | None:
        """This worker's recent check of the session, without touching the database (None: check it)."""
        return self._remembered(_digest(token)) if token and len(token) <= 100 else None

    def _remembered(self, digest: str) -> CurrentSession | None:
        found = self._checked.get(digest)
        if found is None or time.monotonic() - found[0] > self.settings.session_recheck_seconds:
            return None
        return found[1]

    def _remember(self, digest: str, current: CurrentSession | None) -> None:
        with self._lock:
            if current is None:
                self._checked.pop(digest, None)
                return
            if len(self._checked) > 10_000:  # bounded: forget the oldest half
                for key, _ in sorted(self._checked.items(), key=lambda kv: kv[1][0])[:5_000]:
                    self._checked.pop(key, None)
            self._checked[digest] = (time.monotonic(), current)

    def forget_user(self, user_id: int) -> None:
        """Drop this worker's memory of a user's sessions (their password changed, or they were deactivated)."""
        with self._lock:
            for key in [k for k, (_, c) in self._checked.items() if c.actor.user_id == user_id]:
                self._checked.pop(key, None)

    def forget_clinic(self, clinic_id: int) -> None:
        """Drop this worker's memory of a clinic's sessions (its time zone changed)."""
        with self._lock:
            for key in [k for k, (_, c) in self._checked.items() if c.actor.clinic_id == clinic_id]:
                self._checked.pop(key, None)

    def start(self, actor: Actor, client_mode: dict | None = None) -> tuple[str, str]:
        """A new session (token, CSRF token); with `client_mode`, one that reaches only that questionnaire."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc)
        with self.engine.begin() as connection:
            connection.execute(delete(LoginSession).where(LoginSession.expires_at < now))
            minutes = connection.scalar(select(Clinic.idle_minutes).where(Clinic.id == actor.clinic_id))
            connection.execute(insert(LoginSession).values(
                token_hash=_digest(token), user_id=actor.user_id, csrf_token=csrf, created_at=now,
                expires_at=now + timedelta(minutes=self._idle(minutes)), client_mode=client_mode))
        return token, csrf

    def set_client_mode(self, token: str, client_mode: dict) -> None:
        """Record how client mode goes (answered, failed unlock attempts) on its session."""
        with self.engine.begin() as connection:
            connection.execute(update(LoginSession).where(LoginSession.token_hash == _digest(token))
                               .values(client_mode=client_mode))
        self._remember(_digest(token), None)

    def count_unlock(self, token: str | None, limit: int) -> int | None:
        """Count one try at ending client mode, before it is checked: the try's number, or None when the
        session has used its `limit` tries (or is gone). One UPDATE, so racing tries are counted one by one."""
        if not token:
            return None
        with self.engine.begin() as connection:
            return connection.execute(update(LoginSession).where(LoginSession.token_hash == _digest(token),
                                                                 LoginSession.unlock_attempts < limit)
                                      .values(unlock_attempts=LoginSession.unlock_attempts + 1)
                                      .returning(LoginSession.unlock_attempts)).scalar()

    def resume(self, token: str | None) -> CurrentSession | None:
        """The session of a cookie, in one read; its idle deadline is moved at most once a minute."""
        if not token or len(token) > 100:
            return None
        digest = _digest(token)
        remembered = self._remembered(digest)
        if remembered is not None:
            return remembered
        now = datetime.now(timezone.utc)
        with self.read_engine.connect() as connection:  # Core, not an ORM session: this runs often
            row = connection.execute(_SESSION_QUERY.where(LoginSession.token_hash == digest)).first()
        if row is None:
            self._remember(digest, None)
            return None
        expires, created = utc(row.expires_at), utc(row.created_at)
        if expires < now or created + timedelta(hours=self.settings.session_max_hours) < now or not row.active:
            self.end(token)
            return None
        idle = timedelta(minutes=self._idle(row.idle_minutes))
        if expires - now < idle - timedelta(seconds=self.settings.session_touch_seconds):
            # Sliding idle timeout, capped by the absolute lifetime above; written rarely.
            with self.engine.begin() as connection:
                connection.execute(update(LoginSession).where(LoginSession.token_hash == row.token_hash)
                                   .values(expires_at=now + idle))
        current = CurrentSession(Actor(row.id, row.clinic_id, row.role, row.name), row.csrf_token, row.must_change_password,
                                 zone=row.timezone or "UTC", client_mode=row.client_mode, locale=row.locale or "en_GB",
                                 idle_minutes=self._idle(row.idle_minutes))
        self._remember(digest, current)
        return current

    def _idle(self, clinic_minutes: int | None) -> int:
        """The clinic's idle timeout; the server's setting where the clinic has none."""
        return clinic_minutes or self.settings.session_idle_minutes

    def keep_alive(self, token: str | None) -> datetime | None:
        """Move the session's idle deadline to a full timeout from now (the 'stay signed in' button)."""
        current = self.resume(token)
        if current is None:
            return None
        expires = datetime.now(timezone.utc) + timedelta(minutes=current.idle_minutes)
        with self.engine.begin() as connection:
            connection.execute(update(LoginSession).where(LoginSession.token_hash == _digest(token)).values(expires_at=expires))
        return expires

    def end(self, token: str | None) -> None:
        if token:
            self._remember(_digest(token), None)
            with self.engine.begin() as connection:
                connection.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


def masked(token: str) -> str:
    """The token XORed with a fresh one-time pad, as `pad.masked` (URL-safe base64).

    Pages are compressed; a secret that is byte-for-byte the same in every page,
    beside text an attacker can make the page echo, could be guessed from the
    compressed sizes (BREACH). Each page carries the session's token masked
    differently; tokens_match takes the masked and the plain form alike.
    """
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    return f"{_b64(pad)}.{_b64(bytes(a ^ b for a, b in zip(raw, pad)))}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unmasked(given: str) -> str:
    pad, dot, body = given.partition(".")  # token_urlsafe never contains a dot
    if not dot:
        return given
    try:
        pad_bytes, body_bytes = (base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)) for x in (pad, body))
    except (ValueError, TypeError):
        return ""
    if len(pad_bytes) != len(body_bytes):
        return ""
    return bytes(a ^ b for a, b in zip(pad_bytes, body_bytes)).decode("latin-1")


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), _unmasked(given).encode("utf-8", "replace"))


def client_address(request: Request, trusted: tuple) -> str:
    """The client's address: the peer's, or, behind a trusted proxy, the nearest untrusted hop it reports.

    X-Forwarded-For is believed only from a configured proxy (BACKCARE_TRUSTED_PROXIES):
    anyone else can write anything there, and the address keys the login rate
    limit and goes into the audit log.
    """
    peer = request.client.host if request.client else "unknown"

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    if not trusted or not is_trusted(peer):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a malformed header from behind the proxy: fall back to what we know
    return peer
