"""Sessions, CSRF protection and login rate limiting.

The session cookie holds a random token; the database keeps only its SHA-256,
so a leaked database does not leak live sessions. Each session has its own CSRF
token, required on every state-changing request (form field `csrf_token` or
header `X-CSRF-Token`). Before login, a double-submit cookie protects the form.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from fastapi import Request
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from ..records import Actor, Records
from ..storage.models import LoginSession
from .settings import Settings

SESSION_COOKIE = "backcare_session"
LOGIN_CSRF_COOKIE = "backcare_login_csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(Exception):
    pass


class CsrfFailed(Exception):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class CurrentSession:
    actor: Actor
    csrf_token: str


class SessionStore:
    def __init__(self, sessions: sessionmaker[Session], records: Records, settings: Settings):
        self.sessions, self.records, self.settings = sessions, records, settings

    def start(self, actor: Actor) -> tuple[str, str]:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc)
        with self.sessions.begin() as db:
            db.execute(delete(LoginSession).where(LoginSession.expires_at < now))
            db.add(LoginSession(token_hash=_digest(token), user_id=actor.user_id, csrf_token=csrf, created_at=now,
                                expires_at=now + timedelta(minutes=self.settings.session_idle_minutes)))
        return token, csrf

    def resume(self, token: str | None) -> CurrentSession | None:
        if not token:
            return None
        now = datetime.now(timezone.utc)
        with self.sessions.begin() as db:
            row = db.get(LoginSession, _digest(token))
            if row is None:
                return None
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
            expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
            if expires < now or created + timedelta(hours=self.settings.session_max_hours) < now:
                db.delete(row)
                return None
            actor = self.records.actor(row.user_id)
            if actor is None:  # deactivated since
                db.delete(row)
                return None
            # Sliding idle timeout, capped by the absolute lifetime above.
            row.expires_at = now + timedelta(minutes=self.settings.session_idle_minutes)
            return CurrentSession(actor, row.csrf_token)

    def end(self, token: str | None) -> None:
        if token:
            with self.sessions.begin() as db:
                db.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


class LoginLimiter:
    """At most `max_failures` failed logins per client address and per account in a window."""

    def __init__(self, max_failures: int, window_seconds: int):
        self.max_failures, self.window = max_failures, window_seconds
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        entries, cutoff = self.failures[key], time.monotonic() - self.window
        while entries and entries[0] < cutoff:
            entries.popleft()
        return entries

    def blocked(self, address: str, email: str) -> bool:
        return any(len(self._recent(k)) >= self.max_failures for k in (f"ip:{address}", f"user:{email.lower()}"))

    def failed(self, address: str, email: str) -> None:
        for key in (f"ip:{address}", f"user:{email.lower()}"):
            self._recent(key).append(time.monotonic())

    def succeeded(self, email: str) -> None:
        self.failures.pop(f"user:{email.lower()}", None)


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


async def submitted_csrf(request: Request) -> str | None:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None
