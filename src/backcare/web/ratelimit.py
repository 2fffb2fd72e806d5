"""Rate limits that every worker shares and a restart keeps: sign-in tries, and (`allow`) any other counted
action such as intake submissions.

Sign-in tries are throttled per key: the account as tried from unknown devices,
each device that signed in to the account before, and the client's address.
A try is counted before its password is checked, atomically (one locked row in
the database, or one Lua script in Redis when BACKCARE_REDIS_URL is set), so
tries that race each other are counted one by one and no more than the limit
are ever checked. The first `free` tries in a window go at once; after that each
try must wait twice as long as the last (1 s, 2 s, 4 s ... up to 15 minutes).
An attacker guessing from elsewhere slows the account down only on unknown
devices: the therapist's own browser, known from an earlier sign-in, has its own
count. A successful sign-in clears its account's count and gives the address
back its try. Keys are hashed, so no typed text reaches the store.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from ..records import normalise_email
from ..storage.models import LoginThrottle, RateLimitEvent

MAX_DELAY = 900  # seconds: the longest a try ever waits


def _key(kind: str, value: str) -> str:
    return f"{kind}:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Keys:
    """What one sign-in try counts against: its account (or known device) and its address."""

    account: str
    address: str

    @classmethod
    def of(cls, address: str, email: str, device: str | None = None) -> Keys:
        account = _key("device", device) if device else _key("user", normalise_email(email))
        return cls(account, _key("ip", address))


def delay(failures: int, free: int) -> int:
    """Seconds before the next try after `failures` counted tries."""
    return 0 if failures < free else min(2 ** (failures - free), MAX_DELAY)


class DatabaseLimiter:
    def __init__(self, sessions: sessionmaker[Session], read_sessions: sessionmaker[Session], max_failures: int,
                 window_seconds: int):
        self.sessions, self.read_sessions = sessions, read_sessions
        self.free, self.window = max_failures, timedelta(seconds=window_seconds)

    def attempt(self, keys: Keys) -> int:
        """Count a try now; 0 when it may go ahead, else the seconds to wait (and nothing is counted)."""
        now = datetime.now(timezone.utc)
        names = sorted({keys.account, keys.address})
        with self.sessions.begin() as db:
            new = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
            db.execute(new(LoginThrottle).values([{"key": k, "failures": 0, "last_failure": now, "next_allowed": now}
                                                   for k in names]).on_conflict_do_nothing())
            # Locked in key order (PostgreSQL: FOR UPDATE; SQLite: the write lock of BEGIN IMMEDIATE).
            rows = list(db.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(names)).order_by(LoginThrottle.key)
                                   .with_for_update()))
            for row in rows:
                if _utc(row.last_failure) < now - self.window:
                    row.failures, row.next_allowed = 0, now
            wait = max((_utc(row.next_allowed) - now).total_seconds() for row in rows)
            if wait > 0:
                return max(1, round(wait))
            for row in rows:
                row.failures += 1
                row.last_failure, row.next_allowed = now, now + timedelta(seconds=delay(row.failures, self.free))
            # Old rows go, a few at a time, so the table stays small.
            db.execute(delete(LoginThrottle).where(LoginThrottle.last_failure < now - self.window - timedelta(seconds=MAX_DELAY),
                                                   LoginThrottle.key.in_(select(LoginThrottle.key).limit(50).scalar_subquery())))
        return 0

    def succeeded(self, keys: Keys) -> None:
        """The password was right: the account's count ends, and the address gets its try back."""
        now = datetime.now(timezone.utc)
        with self.sessions.begin() as db:
            db.execute(delete(LoginThrottle).where(LoginThrottle.key == keys.account))
            row = db.scalars(select(LoginThrottle).where(LoginThrottle.key == keys.address).with_for_update()).first()
            if row is not None:
                row.failures = max(0, row.failures - 1)
                row.next_allowed = min(_utc(row.next_allowed), now + timedelta(seconds=delay(row.failures, self.free)))

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


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


# The same rule as DatabaseLimiter.attempt, run inside Redis so that it is one atomic step.
# KEYS: the keys of the try; ARGV: now (ms), window (ms), free tries, longest delay (s).
_ATTEMPT = """
local now, window, free, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local wait = 0
local counts = {}
for i, key in ipairs(KEYS) do
  local f = tonumber(redis.call('HGET', key, 'f') or '0')
  local last = tonumber(redis.call('HGET', key, 'l') or '0')
  local nxt = tonumber(redis.call('HGET', key, 'n') or '0')
  if last < now - window then f = 0; nxt = 0 end
  counts[i] = f
  if nxt - now > wait then wait = nxt - now end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local f = counts[i] + 1
  local d = 0
  if f >= free then d = math.min(2 ^ (f - free), cap) end
  redis.call('HSET', key, 'f', f, 'l', now, 'n', now + d * 1000)
  redis.call('PEXPIRE', key, window + cap * 1000)
end
return 0
"""
_REFUND = """
local f = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
if f > 0 then redis.call('HSET', KEYS[1], 'f', f - 1) end
if f - 1 < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], 'n', ARGV[1]) end
return 0
"""


class RedisLimiter:
    def __init__(self, url: str, max_failures: int, window_seconds: int):
        import redis
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        self.redis = redis.Redis.from_url(url)
        self.free, self.window = max_failures, window_seconds
        self._attempt, self._refund = self.redis.register_script(_ATTEMPT), self.redis.register_script(_REFUND)
        self.limiter = MovingWindowRateLimiter(storage_from_string(url))

    def attempt(self, keys: Keys) -> int:
        now = int(datetime.now(timezone.utc).timestamp() * 1000)
        wait = int(self._attempt(keys=sorted({keys.account, keys.address}), args=[now, self.window * 1000, self.free, MAX_DELAY]))
        return 0 if wait <= 0 else max(1, round(wait / 1000))

    def succeeded(self, keys: Keys) -> None:
        self.redis.delete(keys.account)
        self._refund(keys=[keys.address], args=[int(datetime.now(timezone.utc).timestamp() * 1000), self.free])

    def allow(self, kind: str, value: str, limit: int, window_seconds: int) -> bool:
        from limits import RateLimitItemPerSecond

        return self.limiter.hit(RateLimitItemPerSecond(limit, window_seconds), _key(kind, value))
