"""Rate limits that every worker shares and a restart keeps: failed logins, and (`allow`) any
other counted action such as intake submissions.

At most `max_failures` failed logins per account and per client address in a
sliding window. The counts live in the database, or in Redis when
BACKCARE_REDIS_URL is set (the `limits` package's moving window). Keys are the
normalised e-mail (the same form login uses) and the client address, hashed so
that no typed text reaches the store.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from ..records import normalise_email
from ..storage.models import RateLimitEvent


def _key(kind: str, value: str) -> str:
    return f"{kind}:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def keys(address: str, email: str) -> tuple[str, str]:
    return _key("ip", address), _key("user", normalise_email(email))


class DatabaseLimiter:
    def __init__(self, sessions: sessionmaker[Session], read_sessions: sessionmaker[Session], max_failures: int,
                 window_seconds: int):
        self.sessions, self.read_sessions = sessions, read_sessions
        self.max_failures, self.window = max_failures, timedelta(seconds=window_seconds)

    def blocked(self, address: str, email: str) -> bool:
        since = datetime.now(timezone.utc) - self.window
        with self.read_sessions() as db:
            for key in keys(address, email):
                count = db.scalar(select(func.count()).select_from(RateLimitEvent)
                                  .where(RateLimitEvent.key == key, RateLimitEvent.at > since))
                if count >= self.max_failures:
                    return True
        return False

    def failed(self, address: str, email: str) -> None:
        now = datetime.now(timezone.utc)
        with self.sessions.begin() as db:
            db.execute(delete(RateLimitEvent).where(RateLimitEvent.at < now - self.window))
            db.execute(insert(RateLimitEvent), [{"key": key, "at": now} for key in keys(address, email)])

    def succeeded(self, address: str, email: str) -> None:
        with self.sessions.begin() as db:
            db.execute(delete(RateLimitEvent).where(RateLimitEvent.key == keys(address, email)[1]))

    def allow(self, kind: str, value: str, limit: int, window_seconds: int) -> bool:
        """Count one attempt of `kind` by `value`; False once `limit` were made within the window."""
        key, now = _key(kind, value), datetime.now(timezone.utc)
        since = now - timedelta(seconds=window_seconds)
        with self.sessions.begin() as db:
            db.execute(delete(RateLimitEvent).where(RateLimitEvent.key == key, RateLimitEvent.at <= since))
            count = db.scalar(select(func.count()).select_from(RateLimitEvent).where(RateLimitEvent.key == key))
            if count >= limit:
                return False
            db.execute(insert(RateLimitEvent).values(key=key, at=now))
            return True


class RedisLimiter:
    def __init__(self, url: str, max_failures: int, window_seconds: int):
        from limits import RateLimitItemPerSecond
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        self.storage = storage_from_string(url)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.item = RateLimitItemPerSecond(max_failures, window_seconds)

    def blocked(self, address: str, email: str) -> bool:
        return any(not self.limiter.test(self.item, key) for key in keys(address, email))

    def failed(self, address: str, email: str) -> None:
        for key in keys(address, email):
            self.limiter.hit(self.item, key)

    def succeeded(self, address: str, email: str) -> None:
        self.limiter.clear(self.item, keys(address, email)[1])

    def allow(self, kind: str, value: str, limit: int, window_seconds: int) -> bool:
        from limits import RateLimitItemPerSecond

        return self.limiter.hit(RateLimitItemPerSecond(limit, window_seconds), _key(kind, value))
