"""Web settings, from the environment with safe defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..storage.db import database_url


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=database_url)
    # Browsers accept Secure cookies from http://127.0.0.1 and localhost, so
    # this stays on even for the local default; behind TLS it is required.
    secure_cookies: bool = field(default_factory=lambda: _flag("BACKCARE_SECURE_COOKIES", True))
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    login_max_failures: int = 5
    login_window_seconds: int = 900
