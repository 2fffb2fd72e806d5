"""HTML forms <-> data.

Visit form fields are named by their path in the case format
(`special_tests.slr.left`, `symptoms.pain_sites`), so a problem the case model
reports (`special_tests.slr.left: ...`) lands beside the field that caused it.
Empty fields are left out: not examined, never "normal".
"""
from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData

from ..vocabulary import vocabulary

TRI_STATE = {"yes": True, "no": False}
PAIN_QUALITIES = ("deep", "sharp", "aching", "burning", "shooting", "poorly_localized")
CHART_FIELDS = {
    "symptoms.pain_sites": "Pain",
    "symptoms.paresthesia_sites": "Pins and needles",
    "symptoms.numbness_sites": "Numbness",
    "neuro.sensory.reduced": "Reduced sensation (exam)",
    "neuro.sensory.absent": "Absent sensation (exam)",
    "observation.atrophy_sites": "Muscle wasting",
}
INTEGERS = {"client.age", "history.duration_days", "history.morning_stiffness_minutes", "symptoms.pain_nrs"}
NUMBERS = {"history.sitting_hours_per_day"}
TEXTS = {"client.sex", "history.onset", "history.mechanism", "observation.gait", "rom.flexion_deviation"}


def tri_state_fields() -> list[str]:
    """Every yes/no field of the case format, read from the case model itself."""
    from ..case import Case

    out = []
    for block, field in Case.model_fields.items():
        model = field.annotation.__args__[0] if hasattr(field.annotation, "__args__") else None
        for name, sub in getattr(model, "model_fields", {}).items():
            if sub.annotation == bool | None:
                out.append(f"{block}.{name}")
    return out


def list_fields() -> list[str]:
    return ["history.aggravating", "history.easing", "observation.posture", "symptoms.pain_quality",
            *CHART_FIELDS, "palpation.hypertonic", "palpation.trigger_points", "palpation.tender"]


def _set(target: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def case_from_form(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The case the form describes, and the fields whose text is not a number."""
    v = vocabulary()
    case: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in INTEGERS | NUMBERS | TEXTS:
        raw = (form.get(name) or "").strip() if isinstance(form.get(name), str) else ""
        if not raw:
            continue
        if name in TEXTS:
            _set(case, name, raw)
            continue
        try:
            _set(case, name, int(raw) if name in INTEGERS else float(raw))
        except ValueError:
            errors[name] = "Enter a whole number" if name in INTEGERS else "Enter a number"
    for name in tri_state_fields():
        raw = form.get(name)
        if raw in TRI_STATE:
            _set(case, name, TRI_STATE[raw])
        elif raw not in (None, ""):
            errors[name] = "Choose yes, no or not asked"
    for name in list_fields():
        values = [x for x in form.getlist(name) if isinstance(x, str) and x]
        if values:
            _set(case, name, list(dict.fromkeys(values)))
    for motion in v.rom_motions:
        for mode in v.rom_modes:
            raw = form.get(f"rom.{motion}.{mode}")
            if raw:
                _set(case, f"rom.{motion}.{mode}", raw)
    for test in v.special_tests:
        if test in v.sided_tests:
            for side in ("left", "right"):
                raw = form.get(f"special_tests.{test}.{side}")
                if raw:
                    _set(case, f"special_tests.{test}.{side}", raw)
        elif form.get(f"special_tests.{test}"):
            _set(case, f"special_tests.{test}", form.get(f"special_tests.{test}"))
    for section, names in (("motor", v.movements), ("reflexes", v.reflexes)):
        for name in names:
            for side in ("left", "right"):
                raw = form.get(f"neuro.{section}.{name}.{side}")
                if raw:
                    _set(case, f"neuro.{section}.{name}.{side}", raw)
    return case, errors


def field_of(problem: str) -> tuple[str, str]:
    """'symptoms.pain_sites[0]: x is not one of ...' -> ('symptoms.pain_sites', message)."""
    path, _, message = problem.partition(": ")
    return path.split("[", 1)[0], message


def form_values(case: dict[str, Any]) -> dict[str, Any]:
    """Flatten a case back into field values, to refill a form."""
    values: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else key, value)
        elif isinstance(node, bool):
            values[prefix] = "yes" if node else "no"
        elif isinstance(node, list):
            values[prefix] = list(node)
        else:
            values[prefix] = node

    walk("", case)
    # A sided test written plainly ("slr: positive") refills both sides.
    for test in vocabulary().sided_tests:
        plain = values.pop(f"special_tests.{test}", None)
        if isinstance(plain, str):
            values[f"special_tests.{test}.left"] = values[f"special_tests.{test}.right"] = plain
    return values


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
            "consent_date": text("consent_date")}
    return data, errors


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
