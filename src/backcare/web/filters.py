"""Template helpers: vocabulary names, dates and dosage in plain words."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import Environment

from ..vocabulary import vocabulary


def name(identifier: str, kind: str) -> str:
    table = getattr(vocabulary(), kind, {})
    text = table.get(identifier, identifier) if isinstance(table, dict) else identifier
    return text.split(" (")[0].split(";")[0]


def words(identifier: Any) -> str:
    return str(identifier).replace("_", " ")


def when(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M")
    return value.strftime("%d %b %Y")


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
    env.filters.update(name=name, words=words, when=when, dosage=dosage)
    env.tests["startswith"] = lambda value, prefix: str(value).startswith(prefix)
    env.globals["vocab"] = vocabulary()
