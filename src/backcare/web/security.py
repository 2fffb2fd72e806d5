"""Sessions, CSRF protection and the client's address.

The session cookie holds a random token; the database keeps only its SHA-256,
so a leaked database does not leak live sessions. Each session has its own CSRF
token, required on every state-changing request (form field `csrf_token` or
header `X-CSRF-Token`). Before login, a double-submit cookie protects the form.
Every piece of session state is in the database, so any worker serves any request.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from fastapi import Request
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..records import Actor, utc
from ..storage.models import LoginSession, User
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


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class CurrentSession:
    actor: Actor
    csrf_token: str
    must_change_password: bool = False


class SessionStore:
    def __init__(self, sessions: sessionmaker[Session], read_sessions: sessionmaker[Session], settings: Settings):
        self.sessions, self.read_sessions, self.settings = sessions, read_sessions, settings

    def start(self, actor: Actor) -> tuple[str, str]:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc)
        with self.sessions.begin() as db:
            db.execute(delete(LoginSession).where(LoginSession.expires_at < now))
            db.add(LoginSession(token_hash=_digest(token), user_id=actor.user_id, csrf_token=csrf, created_at=now,
                                expires_at=now + timedelta(minutes=self.settings.session_idle_minutes)))
        return token, csrf

    def resume(self, token: str | None) -> CurrentSession | None:
        """The session of a cookie, in one read; its idle deadline is moved at most once a minute."""
        if not token or len(token) > 100:
            return None
        now = datetime.now(timezone.utc)
        with self.read_sessions() as db:
            row = db.execute(
                select(LoginSession.token_hash, LoginSession.csrf_token, LoginSession.created_at, LoginSession.expires_at,
                       User.id, User.clinic_id, User.role, User.name, User.active, User.must_change_password)
                .join(User, User.id == LoginSession.user_id).where(LoginSession.token_hash == _digest(token))).first()
        if row is None:
            return None
        expires, created = utc(row.expires_at), utc(row.created_at)
        if expires < now or created + timedelta(hours=self.settings.session_max_hours) < now or not row.active:
            self.end(token)
            return None
        idle = timedelta(minutes=self.settings.session_idle_minutes)
        if expires - now < idle - timedelta(seconds=self.settings.session_touch_seconds):
            # Sliding idle timeout, capped by the absolute lifetime above; written rarely.
            with self.sessions.begin() as db:
                db.execute(update(LoginSession).where(LoginSession.token_hash == row.token_hash).values(expires_at=now + idle))
        return CurrentSession(Actor(row.id, row.clinic_id, row.role, row.name), row.csrf_token, row.must_change_password)

    def end(self, token: str | None) -> None:
        if token:
            with self.sessions.begin() as db:
                db.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


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
