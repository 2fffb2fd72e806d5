"""Dates and times in one unambiguous form: the month in words, in the order the clinic's locale uses.

'3/2/1979' is 3 February to a reader in London and March 2 to one in Boston,
and a referral letter is read by people the clinic never meets. Every page and
every paper therefore writes the month in words ('2 Mar 1979' for en_GB,
'Mar 2, 1979' for en_US), in the locale an admin sets on the clinic settings
page, and times in the clinic's time zone with its abbreviation.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time

DEFAULT_LOCALE = "en_GB"
UTC = ZoneInfo("UTC")


@lru_cache(maxsize=64)
def locale_named(name: str | None) -> Locale:
    """The clinic's locale (British English when none is set or the name is unknown)."""
    try:
        return Locale.parse(name or DEFAULT_LOCALE)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT_LOCALE)


def locale_of(request) -> Locale:
    """The locale of the clinic of the request's session."""
    session = getattr(request.state, "session", None)
    return locale_named(getattr(session, "locale", None))


def day(value: date | None, locale: Locale) -> str:
    """'5 Dec 2026' (en_GB), 'Dec 5, 2026' (en_US), '5. Dez. 2026' (de_DE): never all numbers."""
    if value is None:
        return ""
    return format_skeleton("yMMMd", value, locale=locale)


def moment(value: datetime | None, locale: Locale, zone: ZoneInfo = UTC) -> str:
    """A date and time in the clinic's zone, with the zone's abbreviation: '24 Nov 2026, 14:05 CET'."""
    if value is None:
        return ""
    local = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(zone)
    return f"{day(local.date(), locale)}, {format_time(local, 'short', locale=locale)} {local.strftime('%Z')}"


def zone_named(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return UTC
