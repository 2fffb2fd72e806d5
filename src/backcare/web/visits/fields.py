"""The visit form: its sections, its fields in a therapist's words, and form <-> case.

Fields are named by their path in the case format (`special_tests.slr.left`,
`symptoms.pain_sites`), so a problem the case model reports lands beside the
field that caused it. Empty fields are left out: not examined, never "normal".
Palpation is recorded by side (`palpation.tender` = `piriformis:left`); the
case lists each structure or landmark once and the sides go into the visit's
details. The hip and circulation sections are folded until the pain map or
the history points there (`fold_triggers`), so most visits are no longer.
"""
from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from ...clinical.vocabulary import vocabulary
from ..forms import TRI_STATE

PAIN_QUALITIES = ("deep", "sharp", "aching", "burning", "shooting", "poorly_localized")
PALPATION = {"palpation.hypertonic": "Hypertonic", "palpation.trigger_points": "Trigger points",
             "palpation.reproduces_familiar_pain": "Familiar pain", "palpation.tender": "Tender",
             "palpation.not_tender": "Not tender"}
# Bony landmarks are palpated for tenderness only; the muscles for everything above. Three lie in the midline.
LANDMARK_FINDINGS = ("palpation.tender", "palpation.not_tender")
MIDLINE_LANDMARKS = ("coccyx", "pubic_symphysis", "spinous_processes")
SIDES = ("left", "right")
# The body chart's layers: case field -> (label, CSS colour name).
CHART_FIELDS = {
    "symptoms.pain_sites": ("Pain", "pain"),
    "symptoms.paresthesia_sites": ("Pins and needles", "paresthesia"),
    "symptoms.numbness_sites": ("Numbness", "numbness"),
    "neuro.sensory.reduced": ("Reduced sensation (exam)", "sensory-reduced"),
    "neuro.sensory.absent": ("Absent sensation (exam)", "sensory-absent"),
    "observation.atrophy_sites": ("Muscle wasting", "atrophy"),
}


def _both_sides(prefix: str) -> set[str]:
    return {f"{prefix}.{side}" for side in SIDES}


INTEGERS = {"client.age", "history.duration_days", "history.morning_stiffness_minutes", "symptoms.pain_nrs",
            "history.spinal_surgery.weeks_ago", "history.pregnancy_weeks", "history.postpartum_weeks",
            *_both_sides("hip.internal_rotation_degrees"), *_both_sides("hip.flexion_degrees")}
NUMBERS = {"history.sitting_hours_per_day", *_both_sides("circulation.abpi")}
TEXTS = {"client.sex", "history.onset", "history.mechanism", "observation.gait", "rom.flexion_deviation",
         "history.spinal_surgery.procedure", "history.spinal_surgery.level"}
# One choice per side, from a short list: field -> the values offered.
SIDED_CHOICES = {"neuro.vibration": ("normal", "reduced", "absent"), "neuro.monofilament": ("normal", "reduced", "absent"),
                 "circulation.pedal_pulses": ("present", "reduced", "absent")}
SIDED_FLAGS = ("circulation.cool_skin",)
SURGERY_PROCEDURES = ("discectomy", "decompression", "fusion", "other")
# Special tests examined where they belong: the hip and thigh tests in the hip section, the signs of an
# upper motor neurone lesion with the neurological examination.
HIP_TESTS = ("hip_scour", "fadir", "single_leg_stance_30s", "resisted_external_derotation", "resisted_hip_abduction_pain",
             "hip_flexion_lateral_pain", "hip_extension_pain", "bent_knee_stretch", "puranen_orava", "lfcn_compression")
NEURO_TESTS = ("hoffmann", "babinski", "ankle_clonus")
LISTS = ("history.aggravating", "history.easing", "observation.posture", "symptoms.pain_quality", *CHART_FIELDS)
# Not part of the case: how the form tracks findings carried forward and not yet confirmed.
CARRIED = "carried_unconfirmed"


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    # Screening is asked afresh at every visit: red flags are never carried forward.
    carries: bool = True
    short: str = ""  # the section bar's word for it, so every section fits the bar

    def __post_init__(self) -> None:
        if not self.short:
            object.__setattr__(self, "short", self.title)


SECTIONS = (
    Section("screening", "Screening", carries=False),
    Section("history", "History"),
    Section("pain-map", "Pain map"),
    Section("observation", "Observation"),
    Section("movement", "Movement"),
    Section("tests", "Special tests", short="Tests"),
    Section("neuro", "Neuro exam", short="Neuro"),
    Section("hip", "Hip and thigh", short="Hip"),
    Section("circulation", "Circulation"),
    Section("palpation", "Palpation"),
    Section("mechanism", "Pain mechanism", short="Mechanism"),
    Section("treatment", "Treatment", carries=False),
)
# Sections folded until the findings point there: section -> what unfolds it (see fold_triggers).
FOLDED = ("hip", "circulation")


def fold_triggers() -> dict[str, dict[str, list[str]]]:
    """What in the pain map or history opens a folded section: field -> the values that do."""
    hip_regions = [f"{base}_{side}" for base in ("groin", "hip", "lateral_thigh", "buttock", "ischium", "anterior_thigh")
                   for side in SIDES]
    return {
        "hip": {"symptoms.pain_sites": hip_regions, "symptoms.paresthesia_sites": [r for r in hip_regions if "lateral_thigh" in r],
                "history.aggravating": ["squatting", "stairs", "lying_on_side", "rising_from_sitting"]},
        "circulation": {"symptoms.pain_sites": [f"calf_{side}" for side in SIDES], "history.aggravating": ["walking"],
                        "history.easing": ["standing_still"], "symptoms.vascular_claudication": ["yes"],
                        "medical.smoker": ["yes"], "medical.diabetes": ["yes"], "medical.known_leg_artery_disease": ["yes"]},
    }


def unfolded(values: dict[str, Any]) -> set[str]:
    """The folded sections to show open: the findings point there, or something in them is recorded."""
    out = set()
    for section, triggers in fold_triggers().items():
        for name, wanted in triggers.items():
            given = values.get(name)
            given = given if isinstance(given, list) else [given]
            if any(str(g) in wanted for g in given if g is not None):
                out.add(section)
    for name, value in values.items():
        if value not in ("", [], None) and section_of(name) in FOLDED:
            out.add(section_of(name))
    return out
SECTION_TITLES = {s.id: s.title for s in SECTIONS}


def tri_state_fields() -> list[str]:
    """Every yes/no field of a block of the case format, read from the case model itself."""
    from ...clinical.case import Case

    out = []
    for block, field in Case.model_fields.items():
        model = field.annotation.__args__[0] if hasattr(field.annotation, "__args__") else None
        for name, sub in getattr(model, "model_fields", {}).items():
            if sub.annotation == bool | None:
                out.append(f"{block}.{name}")
    return out


def screening_fields() -> list[str]:
    from ...clinical.knowledge.runtime import load_knowledge

    return [f"symptoms.{flag}" for flag in load_knowledge().screening_questions]


def section_of(name: str) -> str | None:
    """The form section a field belongs to (None: not a finding, such as the CSRF token)."""
    head = name.split(".", 1)[0]
    if name in screening_fields():
        return "screening"
    if head == "special_tests" and name.split(".")[1:2] and name.split(".")[1] in HIP_TESTS:
        return "hip"
    if head == "special_tests" and name.split(".")[1:2] and name.split(".")[1] in NEURO_TESTS:
        return "neuro"
    if head in ("hip", "circulation"):
        return head
    if head in ("client", "history", "medical"):
        return "history"
    if head == "symptoms" or name in CHART_FIELDS:
        return "pain-map"
    if head == "observation":
        return "observation"
    if head == "rom":
        return "movement"
    return {"special_tests": "tests", "neuro": "neuro", "palpation": "palpation", "pain_mechanism_criteria": "mechanism",
            "treatment_given": "treatment", "visit_date": "treatment"}.get(head)


def _plain(text: str) -> str:
    """A vocabulary description without its explanations, first letter upper case."""
    text = text.split(" (")[0].split(";")[0]
    return text[:1].upper() + text[1:]


_FIXED_LABELS = {
    "visit_date": "Visit date", "client.age": "Age", "client.sex": "Sex", "history.onset": "Onset",
    "history.duration_days": "Duration (days)", "history.sitting_hours_per_day": "Sitting (hours a day)",
    "history.morning_stiffness_minutes": "Morning stiffness (minutes)", "history.prior_episodes": "Earlier episodes",
    "history.back_injury_history": "Old back injury", "history.mechanism": "Mechanism of injury",
    "history.aggravating": "Worse with", "history.easing": "Eased by", "symptoms.pain_nrs": "Pain now (0-10)",
    "symptoms.pain_quality": "Pain quality", "observation.posture": "Posture", "observation.gait": "Gait",
    "observation.guarding": "Guarding", "observation.muscle_spasm": "Muscle spasm",
    "observation.leg_length_discrepancy": "Leg length discrepancy", "rom.flexion_deviation": "Trunk deviates in flexion to",
    "palpation.hypermobile_segments": "Hypermobile lumbar segments", "treatment_given": "Treatment given today",
    "palpation.pulsatile_abdominal_mass": "Pulsatile abdominal mass",
    "history.spinal_surgery.procedure": "Spinal surgery", "history.spinal_surgery.level": "Level operated",
    "history.spinal_surgery.weeks_ago": "Weeks since the operation", "history.pregnancy_weeks": "Weeks pregnant",
    "history.postpartum_weeks": "Weeks since giving birth",
    CARRIED: "Carried-forward findings",
}


def label(name: str) -> str:
    """A field's name as the form shows it, for messages ("Straight leg raise, left")."""
    v = vocabulary()
    if name in _FIXED_LABELS:
        return _FIXED_LABELS[name]
    if name in CHART_FIELDS:
        return f"Body chart: {CHART_FIELDS[name][0].lower()}"
    if name in PALPATION:
        return f"Palpation: {PALPATION[name].lower()}"
    parts = name.split(".")
    side = f", {parts[-1]}" if parts[-1] in SIDES else ""
    if parts[0] == "medical" and len(parts) == 2:
        return _plain(v.medical_history.get(parts[1], parts[1]))
    if parts[0] == "special_tests":
        return _plain(v.special_tests.get(parts[1], parts[1])) + side
    if parts[:2] == ["neuro", "motor"]:
        return _plain(v.movements.get(parts[2], parts[2])) + side
    if parts[:2] == ["neuro", "reflexes"]:
        return f"{_plain(v.reflexes.get(parts[2], parts[2]))} reflex{side}"
    if parts[0] == "hip" and len(parts) in (2, 3):
        return {"internal_rotation_degrees": "Hip internal rotation (degrees)", "flexion_degrees": "Hip flexion (degrees)"}[parts[1]] + side
    if parts[0] == "circulation" and len(parts) in (2, 3):
        return {"pedal_pulses": "Foot pulses", "abpi": "Ankle-brachial index", "cool_skin": "Cool skin of the foot"}[parts[1]] + side
    if parts[:2] in (["neuro", "vibration"], ["neuro", "monofilament"]):
        return {"vibration": "Vibration sense at the great toe", "monofilament": "Monofilament on the sole"}[parts[1]] + side
    if parts[0] == "rom" and len(parts) == 3:
        return _plain(f"{parts[1].replace('_', ' ')}, {parts[2]} range")
    if parts[0] == "pain_mechanism_criteria":
        from ...clinical.knowledge.runtime import load_knowledge

        criterion = load_knowledge().pain_mechanisms["criteria"].get(parts[1])
        return _plain(criterion["label"] if criterion else parts[1].replace("_", " "))
    return _plain(name.rsplit(".", 1)[-1].replace("_", " "))


def _bounds(name: str) -> tuple[float | None, float | None]:
    """The smallest and largest value the case model accepts for a number field (any depth)."""
    from ...clinical.case import Case
    from ...clinical.errors import nested_model

    model: Any = Case
    parts = name.split(".")
    for part in parts[:-1]:
        model = nested_model(model.model_fields[part].annotation)
    annotation = model.model_fields[parts[-1]].annotation
    low = high = None
    for arg in typing.get_args(annotation):  # Annotated[int, Field(ge=.., le=..)] | None
        for meta in getattr(arg, "__metadata__", ()):
            for item in getattr(meta, "metadata", ()):
                low, high = getattr(item, "ge", low), getattr(item, "le", high)
    return low, high


def bounds(name: str) -> tuple[float | None, float | None]:
    return _bounds(name) if name in INTEGERS | NUMBERS else (None, None)


_TOO_LONG = re.compile(r"keep it under ([\d,]+) characters")


def friendly(name: str, problem: str) -> str:
    """A problem the case model reports, in the words of the form (never the field's raw path)."""
    if "out of range" in problem and name in INTEGERS | NUMBERS:
        low, high = bounds(name)
        return f"Enter a number from {low:g} to {high:g}"
    if (match := _TOO_LONG.search(problem)) is not None:
        return f"Keep this under {match.group(1)} characters"
    if "is not one of" in problem:
        return "Choose one of the options offered"
    if "lone surrogate" in problem or "NUL" in problem:
        return "Contains a character that is not valid text; retype it"
    message = re.sub(r"^('[^']*'|\S+) ", "", problem) if problem.startswith("'") else problem
    return message[:1].upper() + message[1:]


def _set(target: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _texts(form: FormData, name: str) -> list[str]:
    return [x for x in form.getlist(name) if isinstance(x, str) and x]


def case_from_form(form: FormData) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The case the form describes, the visit's details (palpation sides), and the fields
    whose text cannot be read (keyed by field name, in the form's words)."""
    v = vocabulary()
    case: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in INTEGERS | NUMBERS | TEXTS:
        raw = form.get(name)
        raw = raw.strip() if isinstance(raw, str) else ""
        if not raw:
            continue
        if name in TEXTS:
            _set(case, name, raw)
            continue
        try:
            _set(case, name, int(raw) if name in INTEGERS else float(raw))
        except ValueError:
            low, high = bounds(name)
            errors[name] = f"Enter a {'whole ' if name in INTEGERS else ''}number from {low:g} to {high:g}"
    for name in tri_state_fields():
        raw = form.get(name)
        if raw in TRI_STATE:
            _set(case, name, TRI_STATE[raw])
        elif raw not in (None, ""):
            errors[name] = "Choose yes, no or not asked"
    for name in LISTS:
        if values := _texts(form, name):
            _set(case, name, list(dict.fromkeys(values)))
    sides: dict[str, dict[str, list[str]]] = {}
    for name in PALPATION:
        kind = name.split(".")[1]
        structures: list[str] = []
        for value in _texts(form, name):
            structure, _, side = value.partition(":")
            structures.append(structure)
            if side:
                chosen = sides.setdefault(kind, {}).setdefault(structure, [])
                if side not in chosen:
                    chosen.append(side)
        if structures:
            _set(case, name, list(dict.fromkeys(structures)))
    for motion in v.rom_motions:
        for mode in v.rom_modes:
            if raw := form.get(f"rom.{motion}.{mode}"):
                _set(case, f"rom.{motion}.{mode}", raw)
    for test in v.special_tests:
        if test in v.sided_tests:
            for side in SIDES:
                if raw := form.get(f"special_tests.{test}.{side}"):
                    _set(case, f"special_tests.{test}.{side}", raw)
        elif raw := form.get(f"special_tests.{test}"):
            _set(case, f"special_tests.{test}", raw)
    for name, offered in SIDED_CHOICES.items():
        for side in SIDES:
            if raw := form.get(f"{name}.{side}"):
                _set(case, f"{name}.{side}", raw)
    for name in SIDED_FLAGS:
        for side in SIDES:
            raw = form.get(f"{name}.{side}")
            if raw in TRI_STATE:
                _set(case, f"{name}.{side}", TRI_STATE[raw])
            elif raw not in (None, ""):
                errors[f"{name}.{side}"] = "Choose yes, no or not checked"
    for section, names in (("motor", v.movements), ("reflexes", v.reflexes)):
        for name in names:
            for side in SIDES:
                if raw := form.get(f"neuro.{section}.{name}.{side}"):
                    _set(case, f"neuro.{section}.{name}.{side}", raw)
    for side_list in sides.values():
        for structure, chosen in side_list.items():
            chosen.sort(key=SIDES.index)
    return case, ({"palpation_sides": sides} if sides else {}), errors


def field_of(problem: str) -> tuple[str, str]:
    """'symptoms.pain_sites[0]: x is not one of ...' -> ('symptoms.pain_sites', friendly message)."""
    path, _, message = problem.partition(": ")
    name = path.split("[", 1)[0]
    return name, friendly(name, message)


def form_values(case: dict[str, Any], details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Flatten a case (and the visit's details) back into field values, to fill the form."""
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
    # A sided test written plainly ("slr: positive") fills both sides.
    for test in vocabulary().sided_tests:
        plain = values.pop(f"special_tests.{test}", None)
        if isinstance(plain, str):
            values[f"special_tests.{test}.left"] = values[f"special_tests.{test}.right"] = plain
    sides = (details or {}).get("palpation_sides") or {}
    for name in PALPATION:
        kind = name.split(".")[1]
        if name in values:
            values[name] = [f"{s}:{side}" for s in values[name] for side in sides.get(kind, {}).get(s, [])] + [
                s for s in values[name] if s not in sides.get(kind, {})]
    return values


def values_from_form(form: FormData) -> dict[str, Any]:
    """Every field as typed (lists for repeated names), to fill the form again or keep as a draft."""
    out: dict[str, Any] = {}
    for name in dict.fromkeys(k for k, _ in form.multi_items()):
        if name == "csrf_token":
            continue  # a draft never keeps the session's token
        items = [x for x in form.getlist(name) if isinstance(x, str)]
        out[name] = items if (len(items) > 1 or name in LISTS or name in PALPATION) else (items[0] if items else "")
    return out


def by_section(values: dict[str, Any], every_section: bool = False) -> dict[str, dict[str, Any]]:
    """Field values grouped by the section that carries them forward (every section: also screening)."""
    carried = {s.id for s in SECTIONS if s.carries or every_section}
    out: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        section = section_of(name)
        if section in carried and value not in ("", [], None):
            out.setdefault(section, {})[name] = value
    return out
