"""A client's home programme: the items of a visit's handout with their dosage and the days a
week each is planned, and the next visit's changes: one step harder, one step easier, another
exercise in its place, stopped, or added."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from pydantic import BaseModel, ConfigDict, Field

from .rules import DOSAGE_FIELDS, rules

Change = Literal["new", "same", "up", "down", "swapped"]
MAX_ITEMS = 20


class ProgrammeError(ValueError):
    """Changes that cannot be made, by field, in the therapist's words."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class ProgrammeItem(BaseModel):
    """One item as the client sees it; title and instructions are kept as given, like a handout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(max_length=60)
    title: str = Field(max_length=200)
    instructions: str = Field(max_length=2000)
    sets: int | None = Field(default=None, ge=1, le=50)
    reps: int | None = Field(default=None, ge=1, le=200)
    hold_seconds: int | None = Field(default=None, ge=1, le=7200)
    frequency: str = Field(default="", max_length=200)
    days_per_week: int = Field(ge=1, le=7)
    change: Change = "new"
    replaces: str | None = Field(default=None, max_length=60)

    @property
    def tickable(self) -> bool:
        """Something to do and tick (a number of sets, repetitions or a hold); the rest is advice."""
        return any(getattr(self, f) for f in rules().tickable_fields)


def days_per_week(frequency: str | None) -> int:
    table = rules().days_per_week
    for rule in table.patterns:
        found = re.search(rule.pattern, frequency or "", re.IGNORECASE)
        if found:
            return rule.days if rule.days is not None else min(7, max(1, int(found.group(1))))
    return table.otherwise


DEFAULTS = Path(__file__).with_name("data") / "handout_defaults.yaml"


@lru_cache(maxsize=1)
def handout_defaults() -> dict[str, Any]:
    """handout_defaults.yaml, checked: a positive cap, and only knowledge-base items with their day limits."""
    from ..clinical.knowledge.runtime import load_knowledge

    data = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
    known = load_knowledge().self_care_items
    if not (isinstance(data.get("most_ticked"), int) and data["most_ticked"] > 0) or not data.get("sources"):
        raise ValueError(f"{DEFAULTS}: most_ticked must be a positive number, with its sources")
    for item, rule in data.get("first_days_only", {}).items():
        if item not in known or not isinstance(rule.get("max_days"), int) or not rule.get("source"):
            raise ValueError(f"{DEFAULTS}: first_days_only.{item} needs a knowledge-base item, max_days and a source")
    return data


def default_ticks(engine_order: list[str], case: dict[str, Any]) -> list[str]:
    """What the handout ticks before the therapist chooses: the engine's first few, without the items
    for the first days of an episode once those days are past."""
    rules_ = handout_defaults()
    days = (case.get("history") or {}).get("duration_days")
    late = {item for item, rule in rules_.get("first_days_only", {}).items() if days is not None and days > rule["max_days"]}
    return [item for item in engine_order if item not in late][:rules_["most_ticked"]]


def handout_choice(assessment: dict[str, Any], handout_items: list[str] | None,
                   risk_additions: list[dict[str, Any]], choices: list[dict[str, Any]],
                   case: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A visit's handout items in order: the therapist's choice, or the engine's (its first few, see
    handout_defaults.yaml) followed by what the client's STarT Back risk group adds. `choices` is
    the engine's self_care_choices for the case."""
    by_id = {c["id"]: c for c in choices}
    stored = {s["id"]: s for s in assessment.get("self_care", [])}
    default = list(stored) + [s["id"] for s in risk_additions if s["id"] not in stored]
    order = handout_items if handout_items is not None else default_ticks(default, case or {})
    return [stored.get(i) or by_id[i] for i in order if i in stored or i in by_id]


def item_from(choice: dict[str, Any], change: Change = "new", replaces: str | None = None) -> ProgrammeItem:
    """A programme item from a handout item (the knowledge base's dosage)."""
    return ProgrammeItem(id=choice["id"], title=choice["title"], instructions=choice["instructions"],
                         **{f: choice.get(f) for f in DOSAGE_FIELDS}, frequency=choice.get("frequency") or "",
                         days_per_week=days_per_week(choice.get("frequency")), change=change, replaces=replaces)


def from_handout(chosen: list[dict[str, Any]]) -> list[ProgrammeItem]:
    return [item_from(c) for c in chosen[:MAX_ITEMS]]


def stepped(item: ProgrammeItem, direction: Literal["up", "down"]) -> ProgrammeItem | None:
    """One step harder (up) or easier (down); None when every rule is at its bound already."""
    for rule in getattr(rules().progression, direction):
        value = getattr(item, rule.field)
        if value is None or (value >= rule.bound if rule.step > 0 else value <= rule.bound):
            continue  # not a number this item has, or at (or past) the bound already: never a step the wrong way
        moved = min(value + rule.step, rule.bound) if rule.step > 0 else max(value + rule.step, rule.bound)
        return item.model_copy(update={rule.field: moved, "change": direction, "replaces": None})
    return None


def revise(current: list[ProgrammeItem], changes: dict[str, str], added: list[str],
           choices: dict[str, dict[str, Any]]) -> list[ProgrammeItem]:
    """The next programme: each current item kept ("same"), stepped ("up", "down"), stopped ("stop")
    or swapped ("swap:<id>"), then the items added. `choices` are the items the visit's findings
    allow (an exercise they rule out can neither come in by a swap nor be added)."""
    errors: dict[str, str] = {}
    out: list[ProgrammeItem] = []
    for item in current:
        wanted = changes.get(item.id, "same")
        if wanted == "same":
            out.append(item.model_copy(update={"change": "same", "replaces": None}))
        elif wanted in ("up", "down"):
            moved = stepped(item, wanted)  # type: ignore[arg-type]
            if moved is None:
                errors[f"change.{item.id}"] = f"{item.title} cannot be made {'harder' if wanted == 'up' else 'easier'} by another step"
            else:
                out.append(moved)
        elif wanted == "stop":
            continue
        elif wanted.startswith("swap:") and wanted[5:] in choices:
            out.append(item_from(choices[wanted[5:]], "swapped", replaces=item.id))
        else:
            errors[f"change.{item.id}"] = f"{item.title}: choose a change from the list (these findings rule that exercise out)"
    for new in dict.fromkeys(added):
        if new not in choices:
            errors["add"] = "Choose exercises these findings allow"
        elif new not in {i.id for i in out}:
            out.append(item_from(choices[new]))
    ids = [i.id for i in out]
    if len(ids) != len(set(ids)):
        errors.setdefault("add", "An exercise is in the programme twice: swap to one not already in it")
    if len(out) > MAX_ITEMS:
        errors.setdefault("add", f"Keep the programme to {MAX_ITEMS} items at most")
    if errors:
        raise ProgrammeError(errors)
    return out


def change_words(item: ProgrammeItem, titles: dict[str, str]) -> str:
    """What changed at the last revision, in the therapist's words ('' when nothing did)."""
    return {"up": "one step harder", "down": "one step easier", "new": "new",
            "swapped": f"instead of {titles.get(item.replaces or '', 'another exercise').lower()}"}.get(item.change, "")
