"""Template helpers: vocabulary names, dates and dosage in plain words."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import Environment, pass_context

from ..clinical.soap import confidence_words
from ..clinical.vocabulary import vocabulary
from .dates import UTC, day, locale_from, moment


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
    locale = context.get("locale") or locale_from(None)
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
    locale = context.get("locale") or locale_from(None)
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(context.get("zone") or UTC).date()
    return format_date(value, "long", locale=locale)  # "5 December 2026", "December 5, 2026"


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

    env.filters.update(name=name, words=words, sentence=sentence, when=when, paper=paper, dosage=dosage, confidence=confidence_words, field_label=label)
    env.tests["startswith"] = lambda value, prefix: str(value).startswith(prefix)
    env.globals["vocab"] = vocabulary()
