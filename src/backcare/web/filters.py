"""Template helpers: vocabulary names, dates and dosage in plain words."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import Environment, pass_context

from ..clinical.soap import confidence_words, percent
from ..clinical.vocabulary import vocabulary
from .dates import UTC, day, locale_named, moment


def name(identifier: str, kind: str) -> str:
    table = getattr(vocabulary(), kind, {})
    text = table.get(identifier, identifier) if isinstance(table, dict) else identifier
    return text.split(" (")[0].split(";")[0]


def sentence(text: Any) -> str:
    """First letter upper case, the rest as written ("SI distraction", not "Si distraction")."""
    text = str(text)
    return text[:1].upper() + text[1:]


def words(identifier: Any) -> str:
    return str(identifier).replace("_", " ")


@pass_context
def when(context, value: date | datetime | None) -> str:
    """A date, or a time in the clinic's zone, in the page's one format (see dates)."""
    locale = context.get("locale") or locale_named(None)
    if isinstance(value, datetime):
        return moment(value, locale, context.get("zone") or UTC)
    return day(value, locale)


@pass_context
def paper(context, value: date | datetime | None) -> str:
    """A date for paper that leaves the clinic: the month in words, so no reader takes 03/04 for 4 March."""
    from babel.dates import format_date

    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an exported record's ISO date or time
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    locale = context.get("locale") or locale_named(None)
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(context.get("zone") or UTC).date()
    return format_date(value, "long", locale=locale)  # "5 December 2026", "December 5, 2026"


# Whom the client should see (the assessment's referral.to), as the panel and the status bar say it.
REFERRAL_TO = {
    "emergency_department": "Emergency department now",
    "family_doctor": "Family doctor",
    "surgical_team": "The surgical team who operated",
    "physiotherapist": "A physiotherapist or sports physician",
    "obstetric_care": "The midwife or maternity team",
    "chiropractor": "A chiropractor or osteopath",
}


def referral_to(destination: str | None) -> str:
    return REFERRAL_TO.get(destination or "", "")


def score(value: float | int | None) -> str:
    """A score as people write it: 12, 12.5, 44.4 (one decimal at most, never '12.0')."""
    return "" if value is None else f"{round(float(value), 1):g}"


def dosage(item: dict[str, Any]) -> str:
    parts = []
    if item.get("sets"):
        parts.append(f"{item['sets']} set{'s' if item['sets'] > 1 else ''}")
    if item.get("reps"):
        parts.append(f"{item['reps']} times")
    if item.get("hold_seconds"):
        seconds = item["hold_seconds"]
        parts.append(f"hold {seconds // 60} min" if seconds >= 120 and seconds % 60 == 0 else f"hold {seconds} s")
    if item.get("frequency"):
        parts.append(item["frequency"])
    return ", ".join(parts)


def register(env: Environment) -> None:
    from .visits.fields import label

    env.filters.update(name=name, words=words, referral_to=referral_to, score=score, percent=percent, sentence=sentence, when=when, paper=paper, dosage=dosage, confidence=confidence_words, field_label=label)
    env.tests["startswith"] = lambda value, prefix: str(value).startswith(prefix)
    env.globals["vocab"] = vocabulary()
