"""Questionnaire forms <-> answers: fields are named `a.<item>` (and `a.<item>.activity`,
`a.<item>.rating` for the activities a client names)."""
from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from ...outcomes.wording import worded


def answers_from_form(inst: dict[str, Any], form: FormData, prefix: str = "a.") -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in inst["items"]:
        name = f"{prefix}{item['id']}"
        if inst["kind"] == "activities":
            activity, rating = str(form.get(f"{name}.activity") or "").strip(), str(form.get(f"{name}.rating") or "").strip()
            if activity or rating:
                answers[item["id"]] = {"activity": activity, "rating": rating}
        elif inst["kind"] == "checklist":
            if form.get(name) == "yes":
                answers[item["id"]] = True
        elif (raw := str(form.get(name) or "").strip()) != "":
            answers[item["id"]] = raw
    return answers


def form_values(answers: dict[str, Any]) -> dict[str, str]:
    """Answers back into field values, to fill the form again after a problem."""
    values: dict[str, str] = {}
    for item_id, value in answers.items():
        if isinstance(value, dict):
            values[f"a.{item_id}.activity"] = str(value.get("activity", ""))
            values[f"a.{item_id}.rating"] = str(value.get("rating", ""))
        else:
            values[f"a.{item_id}"] = "yes" if value is True else str(value)
    return values


def errors_by_field(inst: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """Scoring problems keyed by item id -> by the form field that shows them."""
    out = {}
    for key, message in errors.items():
        if inst["kind"] == "activities":
            key = f"{key}.rating" if message.startswith("Rate") else f"{key}.activity"
        out[f"a.{key}"] = message
    return out


def instrument_for(request, instrument_id: str) -> dict[str, Any]:
    """The questionnaire with the wording to show (the clinic's licensed text where installed); 404 for no such one."""
    from ...clinical.knowledge.runtime import load_knowledge
    from ...records import NotFound

    if instrument_id not in load_knowledge().outcomes["instruments"]:
        raise NotFound("instrument")
    return worded(instrument_id, request.app.state.wording)


def visit_id_of(form: FormData) -> int | None:
    raw = str(form.get("visit_id") or "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None
