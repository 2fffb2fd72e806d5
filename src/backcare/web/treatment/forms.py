"""The treatment form <-> the treatment record (treatment.TreatmentIn), and errors back beside their fields.

Each technique is a row `e<n>.*`; a row without a technique, or ticked "not
given", is left out. A value the form does not offer is refused with the
field's name, never dropped. The records layer checks the rest (ids,
contraindications, consent) and its messages come back to the row they
belong to.
"""
from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from ...treatment import TreatmentIn

BLANK_ROWS = 2  # empty technique rows the form offers for techniques beyond the plan
MAX_ROWS = 40


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(form: FormData, name: str, errors: dict[str, str], label: str) -> int | None:
    raw = _text(form, name)
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 4:
        errors[name] = f"Enter {label} as a whole number"
        return None
    return int(raw)


def _many(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v][:40]


def record_from_form(form: FormData) -> tuple[dict[str, Any], dict[str, str], list[int]]:
    """The record the form describes, the problems of form shape, and the row of each kept entry."""
    errors: dict[str, str] = {}
    entries, rows = [], []
    for n in range(MAX_ROWS):
        prefix = f"e{n}."
        technique = _text(form, prefix + "technique")
        if not technique or _text(form, prefix + "remove") == "yes":
            continue
        minutes = _number(form, prefix + "minutes", errors, "the minutes")
        entries.append({"technique": technique, "targets": _many(form, prefix + "targets"),
                        "side": _text(form, prefix + "side") or "both", "minutes": 0 if minutes is None else minutes,
                        "pressure": _text(form, prefix + "pressure") or "moderate",
                        "clinical_reason": _text(form, prefix + "clinical_reason"),
                        "until_withdrawal": _text(form, prefix + "until_withdrawal") == "yes"})
        rows.append(n)
    given = {"entries": entries, "positioning": _many(form, "positioning"), "hydrotherapy": _many(form, "hydrotherapy"),
             "draping": _text(form, "draping") or "standard", "exercises": _many(form, "exercises"),
             "total_minutes": _number(form, "total_minutes", errors, "the total time")}
    retest = None
    if _text(form, "retest.id"):
        retest = {key: _text(form, f"retest.{key}") for key in ("id", "label", "unit", "before", "after")}
    response = {"pain_before": _number(form, "pain_before", errors, "the pain"),
                "pain_after": _number(form, "pain_after", errors, "the pain"),
                "retest": retest, "client_words": _text(form, "client_words")}
    of_visit = _text(form, "after.of_visit")
    after = {"of_visit": int(of_visit) if of_visit.isdigit() and len(of_visit) < 10 else None,
             "effects": _many(form, "after.effects"), "note": _text(form, "after.note")}
    return {"given": given, "response": response, "after_effects": after}, errors, rows


# The record's field paths -> the form's names (the rest keep their last part).
_PLACES = {"response.retest": "retest.after", "after_effects": "after.effects", "after_effects.effects": "after.effects",
           "after_effects.note": "after.note", "given.total_minutes": "total_minutes"}


def form_errors(errors: dict[str, str], rows: list[int]) -> dict[str, str]:
    """The records layer's errors (by the record's paths) under the form's field names."""
    out: dict[str, str] = {}
    for path, message in errors.items():
        parts = path.split(".")
        if parts[:2] == ["given", "entries"] and len(parts) > 2 and parts[2].isdigit():
            parts = parts[1:]
        if parts[0] == "entries" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(rows):
            name = f"e{rows[int(parts[1])]}." + (parts[2] if len(parts) > 2 else "technique")
        else:
            name = _PLACES.get(path) or _PLACES.get(".".join(parts[:2])) or parts[-1]
        out.setdefault(name, message)
    return out


def values_of(record: TreatmentIn | dict[str, Any] | None, rows: list[int] | None = None) -> dict[str, Any]:
    """The form's values for a record (a stored one, or what was just typed)."""
    if record is None:
        return {}
    data = record.model_dump() if isinstance(record, TreatmentIn) else record
    values: dict[str, Any] = {}
    for n, entry in enumerate(data["given"]["entries"]):
        row = rows[n] if rows else n
        values |= {f"e{row}.{k}": v for k, v in entry.items()}
    given, response, after = data["given"], data["response"], data["after_effects"]
    values |= {k: given[k] for k in ("positioning", "hydrotherapy", "draping", "exercises", "total_minutes")}
    values |= {k: response[k] for k in ("pain_before", "pain_after", "client_words")}
    if response.get("retest"):
        values |= {f"retest.{k}": v for k, v in response["retest"].items()}
    values |= {"after.effects": after.get("effects", []), "after.note": after.get("note", ""), "after.of_visit": after.get("of_visit")}
    values["_rows"] = (max(rows) + 1 if rows else len(data["given"]["entries"]))
    return values
