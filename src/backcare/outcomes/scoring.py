"""Scoring each questionnaire by its own rules, missing answers included.

Answers are plain data, by item id:
  single      {"pain": 6}
  sections    {"pain_intensity": 3, "lifting": 2, ...}   (0-5; a section left out is missing)
  checklist   {"q01": true, "q07": true, ...}             (ticked sentences; the rest do not apply)
  activities  {"a1": {"activity": "gardening", "rating": 4}, ...}
  screening   {"leg_pain": 1, ..., "bothersome": 3}       (the value of the answer chosen)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..clinical.knowledge.runtime import load_knowledge

ACTIVITY_TEXT = 100  # characters for an activity the client names


class AnswerError(ValueError):
    """Answers that do not fit the questionnaire, by item, in the form's words."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True)
class Score:
    instrument: str
    value: float | None  # None when incomplete
    complete: bool
    answered: int
    missing: list[str]
    subscore: int | None = None
    risk_group: str | None = None  # STarT Back: low | medium | high
    band: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)  # as validated and stored

    def as_dict(self) -> dict[str, Any]:
        return {"instrument": self.instrument, "value": self.value, "complete": self.complete, "answered": self.answered,
                "missing": self.missing, "subscore": self.subscore, "risk_group": self.risk_group, "band": self.band}


def instruments(kb=None) -> dict[str, dict[str, Any]]:
    return (kb or load_knowledge()).outcomes["instruments"]


def instrument(instrument_id: str, kb=None) -> dict[str, Any]:
    found = instruments(kb).get(instrument_id)
    if found is None:
        raise AnswerError({"instrument": f"There is no questionnaire called {instrument_id!r}"})
    return found


def _choices(inst: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    return item.get("choices") or inst.get("choices") or []


def _whole(value: Any) -> int | None:
    """An answer as a whole number (forms send text); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def score(instrument_id: str, answers: dict[str, Any], kb=None) -> Score:
    """Validate the answers and score them; an incomplete questionnaire has no value."""
    inst = instrument(instrument_id, kb)
    if not isinstance(answers, dict):
        raise AnswerError({"answers": "The answers are not a questionnaire's answers"})
    items = {item["id"]: item for item in inst["items"]}
    unknown = [k for k in answers if k not in items]
    if unknown:
        raise AnswerError({k: "This questionnaire has no such question" for k in unknown[:5]})
    kind = inst["kind"]
    if kind == "activities":
        return _activities(instrument_id, inst, answers)
    errors: dict[str, str] = {}
    kept: dict[str, Any] = {}
    points: dict[str, int] = {}
    for item_id, item in items.items():
        raw = answers.get(item_id)
        if raw is None or raw == "":
            continue
        if kind == "checklist":
            if raw in (True, "yes", "true", "on", 1, "1"):
                kept[item_id], points[item_id] = True, 1
            elif raw not in (False, "no", "false", 0, "0"):
                errors[item_id] = "Tick the sentence, or leave it"
            continue
        value = _whole(raw)
        if kind == "single":
            if value is None or not item["min"] <= value <= item["max"]:
                errors[item_id] = f"Choose a number from {item['min']} to {item['max']}"
            else:
                kept[item_id] = points[item_id] = value
            continue
        choice = next((c for c in _choices(inst, item) if c["value"] == value), None) if value is not None else None
        if choice is None:
            errors[item_id] = "Choose one of the answers"
            continue
        kept[item_id] = value
        points[item_id] = choice["points"] if kind == "screening" else value
    if errors:
        raise AnswerError(errors)
    return _total(instrument_id, inst, kept, points)


def _total(instrument_id: str, inst: dict[str, Any], kept: dict[str, Any], points: dict[str, int]) -> Score:
    kind = inst["kind"]
    all_ids = [item["id"] for item in inst["items"]]
    required = [item["id"] for item in inst["items"] if not item.get("optional")]
    if kind == "checklist":  # an unticked sentence does not apply: never missing
        return Score(instrument_id, float(sum(points.values())), True, len(all_ids), [], answers=kept)
    missing = [i for i in all_ids if i not in kept]
    # An optional section left out (ODI sex life) is not a missing answer, but it still drops from the denominator.
    counted_missing = [i for i in missing if i in required]
    complete = len(counted_missing) <= inst["missing"]["max_missing"] and bool(kept)
    value: float | None = None
    subscore = risk = band = None
    if complete and kind == "single":
        value = float(next(iter(points.values())))
    elif complete and kind == "sections":
        value = round(sum(points.values()) / (5 * len(points)) * 100, 1)
        band = next((b["label"] for b in inst["bands"] if value <= b["max"]), None)
    elif complete and kind == "screening":
        value = float(sum(points.values()))
        subscore = sum(points[item["id"]] for item in inst["items"] if item.get("subscore"))
        rule = inst["risk"]
        risk = ("low" if value <= rule["low_total_at_most"]
                else "high" if subscore >= rule["high_subscore_at_least"] else "medium")
    return Score(instrument_id, value, complete, len(kept), missing, subscore, risk, band, kept)


def _activities(instrument_id: str, inst: dict[str, Any], answers: dict[str, Any]) -> Score:
    errors: dict[str, str] = {}
    kept: dict[str, Any] = {}
    for item in inst["items"]:
        raw = answers.get(item["id"])
        if raw in (None, "", {}):
            continue
        if not isinstance(raw, dict):
            errors[item["id"]] = "Name the activity and rate it"
            continue
        activity = str(raw.get("activity") or "").strip()
        rating = _whole(raw.get("rating"))
        if not activity and rating is None:
            continue
        if not activity:
            errors[item["id"]] = "Name the activity"
        elif len(activity) > ACTIVITY_TEXT or "\x00" in activity:
            errors[item["id"]] = f"Keep the activity under {ACTIVITY_TEXT} characters"
        elif rating is None or not item["min"] <= rating <= item["max"]:
            errors[item["id"]] = f"Rate it from {item['min']} to {item['max']}"
        else:
            kept[item["id"]] = {"activity": activity, "rating": rating}
    if errors:
        raise AnswerError(errors)
    all_ids = [item["id"] for item in inst["items"]]
    missing = [i for i in all_ids if i not in kept]
    complete = len(kept) >= len(all_ids) - inst["missing"]["max_missing"]
    value = round(sum(a["rating"] for a in kept.values()) / len(kept), 2) if complete else None
    return Score(instrument_id, value, complete, len(kept), missing, answers=kept)
