"""The records law as data: how long a clinic keeps a record and how fast it answers the client, by jurisdiction.

A domain on the core: pure (no storage, no web); `records` applies it.
"""
from __future__ import annotations

from .rules import Jurisdiction, Retention, jurisdictions, keep_until, request_clock

__all__ = ["Jurisdiction", "Retention", "jurisdictions", "keep_until", "request_clock"]
