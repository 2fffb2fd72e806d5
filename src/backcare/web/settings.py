"""Web settings, from the environment with safe defaults."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

from ..storage.db import database_url


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _networks(raw: str | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """BACKCARE_TRUSTED_PROXIES: addresses or networks, comma-separated (e.g. 127.0.0.1,10.0.0.0/8)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in (raw or "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=database_url)
    # Browsers accept Secure cookies from http://127.0.0.1 and localhost, so
    # this stays on even for the local default; behind TLS it is required.
    secure_cookies: bool = field(default_factory=lambda: _flag("BACKCARE_SECURE_COOKIES", True))
    session_idle_minutes: int = 90  # where a clinic has not set its own (the clinic settings page)
    session_max_hours: int = 12
    # A session's last-seen time is written at most this often (not on every request).
    session_touch_seconds: int = 60
    # A worker trusts its own check of a session this long; ending a session elsewhere reaches it within this time.
    session_recheck_seconds: float = 5.0
    login_max_failures: int = 5
    login_window_seconds: int = 900
    # Only these peers may tell us the client's address (X-Forwarded-For): the reverse proxies.
    trusted_proxies: tuple = field(default_factory=lambda: _networks(os.environ.get("BACKCARE_TRUSTED_PROXIES")))
    # With Redis, login rate limits live there; without, in the database. Either way every worker shares them.
    redis_url: str | None = field(default_factory=lambda: os.environ.get("BACKCARE_REDIS_URL") or None)
    # The address clients use to reach backcare (intake links); the request's own address when unset.
    public_url: str | None = field(default_factory=lambda: os.environ.get("BACKCARE_PUBLIC_URL") or None)
    # An SMTP server lets backcare e-mail intake links itself; without one the therapist copies the link or shows its QR code.
    smtp_host: str | None = field(default_factory=lambda: os.environ.get("BACKCARE_SMTP_HOST") or None)
    smtp_port: int = field(default_factory=lambda: int(os.environ.get("BACKCARE_SMTP_PORT") or 587))
    smtp_user: str | None = field(default_factory=lambda: os.environ.get("BACKCARE_SMTP_USER") or None)
    smtp_password: str | None = field(default_factory=lambda: os.environ.get("BACKCARE_SMTP_PASSWORD") or None)
    smtp_from: str | None = field(default_factory=lambda: os.environ.get("BACKCARE_SMTP_FROM") or None)
    smtp_starttls: bool = field(default_factory=lambda: _flag("BACKCARE_SMTP_STARTTLS", True))
    # Intake submissions (and refused links) per client address in a window: a burst is refused.
    intake_max_per_window: int = 10
    intake_window_seconds: int = 600
    # The home programme's page: ticks, check-ins and refused links per client address in a window.
    homecare_max_per_window: int = 60
    homecare_window_seconds: int = 600
    # A YAML file with the licensed wording of questionnaires the clinic holds licences for (see README).
    instrument_wording: str | None = field(default_factory=lambda: os.environ.get("BACKCARE_INSTRUMENT_WORDING") or None)
