"""HTML forms <-> data for client details; what the visit form shares with them.

The visit form has its own module (web/visits/fields.py).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData

from ..clinical.vocabulary import vocabulary

TRI_STATE = {"yes": True, "no": False}


# The client's details beyond name and contact, in the order the form asks them.
CLIENT_DETAILS = ("sex", "address", "occupation", "family_doctor", "family_doctor_contact", "emergency_contact",
                  "medications", "allergies")


def client_from_form(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The client the form describes, and the fields whose value is not one the form offers."""
    def text(name: str) -> str | None:
        raw = form.get(name)
        return raw.strip() or None if isinstance(raw, str) else None

    errors: dict[str, str] = {}
    medical = {}
    for flag in vocabulary().medical_history:
        raw = form.get(f"medical.{flag}")
        if raw in TRI_STATE:
            medical[flag] = TRI_STATE[raw]
        elif raw not in (None, ""):
            errors[f"medical.{flag}"] = "Choose yes, no or not asked"
    consent = form.get("consent_given")
    if consent not in (None, "", "yes"):
        errors["consent_given"] = "Tick the box, or leave it empty"
    data = {"name": text("name") or "", "date_of_birth": text("date_of_birth"), "phone": text("phone"),
            "email": text("email"), "medical": medical, "consent_given": consent == "yes",
            "consent_date": text("consent_date"), **{k: text(k) for k in CLIENT_DETAILS}}
    return data, errors


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
