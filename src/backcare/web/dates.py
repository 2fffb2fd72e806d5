"""Dates and times in one format: the browser's own (from Accept-Language), in the clinic's time zone.

A date field in the browser shows dates in the browser's locale (11/24/2026 in
the United States, 24/11/2026 in Britain); every page prints dates in that same
numeric form, and times in the clinic's zone with its abbreviation, so a date
typed and a date shown always look alike.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time

DEFAULT_LOCALE = "en_GB"
UTC = ZoneInfo("UTC")


@lru_cache(maxsize=256)
def locale_from(accept_language: str | None) -> Locale:
    """The first language of an Accept-Language header that Babel knows; British English otherwise."""
    for part in (accept_language or "").split(",")[:10]:
        tag = part.split(";", 1)[0].strip()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        try:
            found = Locale.parse(tag, sep="-")
        except (ValueError, UnknownLocaleError):
            continue
        # A bare language ("en") has no date order of its own: take its most likely country.
        if found.territory is None and found.language in _LIKELY:
            found = Locale(found.language, _LIKELY[found.language])
        return found
    return Locale.parse(DEFAULT_LOCALE)


# Chromium and Firefox send "en-US,en" and the like; a bare language is rare. Only a few are mapped.
_LIKELY = {"en": "GB", "de": "DE", "fr": "FR", "nl": "NL", "es": "ES", "it": "IT", "pt": "PT"}


def day(value: date | None, locale: Locale) -> str:
    if value is None:
        return ""
    return format_skeleton("yMd", value, locale=locale)


def moment(value: datetime | None, locale: Locale, zone: ZoneInfo = UTC) -> str:
    """A date and time in the clinic's zone, with the zone's abbreviation: '11/24/2026, 2:05 PM CET'."""
    if value is None:
        return ""
    local = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(zone)
    return f"{day(local.date(), locale)}, {format_time(local, 'short', locale=locale)} {local.strftime('%Z')}"


def zone_named(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return UTC
