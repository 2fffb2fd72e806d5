"""The client's pre-visit intake, pure: what the answers may be, the case they describe, and
the engine's screening of it (the same red-flag screen a therapist's findings get).

The intake asks the emergency screening questions and the medical history in
plain words (knowledge base: intake.yaml), where it hurts and tingles on a body
chart, and the questionnaires the therapist chose. Answers a client is unsure
of are left out: not asked, never "no".
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..clinical.api import assess_data
from ..clinical.caseio import parse_case
from ..clinical.errors import CaseError
from ..clinical.knowledge.runtime import load_knowledge
from ..clinical.vocabulary import vocabulary
from ..outcomes import AnswerError, score
from ..safetext import SafeText

NOTES = 2000


class IntakeError(ValueError):
    """Answers that do not fit the intake, by field, in the client's words."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def _regions(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - set(vocabulary().region_ids))
    if unknown:
        raise ValueError(f"unknown body regions {unknown[:3]}")
    return list(dict.fromkeys(value))


class IntakeAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    consent: bool
    screening: dict[str, bool]
    medical: dict[str, bool] = {}
    pain_nrs: int | None = Field(default=None, ge=0, le=10)
    pain_weeks: int | None = Field(default=None, ge=0, le=520)
    pain_sites: list[str] = Field(default=[], max_length=60)
    paresthesia_sites: list[str] = Field(default=[], max_length=60)
    numbness_sites: list[str] = Field(default=[], max_length=60)
    questionnaires: dict[str, dict[str, Any]] = {}
    notes: SafeText(NOTES) = ""

    @field_validator("pain_sites", "paresthesia_sites", "numbness_sites")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        return _regions(value)

    @field_validator("screening")
    @classmethod
    def _every_screening_question(cls, value: dict[str, bool]) -> dict[str, bool]:
        asked = set(load_knowledge().intake["screening"])
        if set(value) != asked:
            raise ValueError("answer every question in this part")
        return value

    @field_validator("medical")
    @classmethod
    def _known_history(cls, value: dict[str, bool]) -> dict[str, bool]:
        if not set(value) <= set(load_knowledge().intake["medical"]):
            raise ValueError("unknown medical history question")
        return value


_WORDS = {"consent": "Please answer whether you agree to treatment", "screening": "Please answer every question in this part",
          "pain_nrs": "Choose a number from 0 to 10", "pain_weeks": "Give a number of weeks from 0 to 520",
          "notes": f"Please keep this under {NOTES:,} characters"}


def validate(raw: dict[str, Any], instruments: list[str]) -> tuple[IntakeAnswers, dict[str, Any]]:
    """The answers checked, and each chosen questionnaire scored; IntakeError names what to fix."""
    try:
        answers = IntakeAnswers.model_validate(raw)
    except ValidationError as exc:
        errors = {}
        for err in exc.errors(include_url=False):
            field = str(err["loc"][0]) if err["loc"] else "form"
            errors.setdefault(field, _WORDS.get(field, "Please check this answer"))
        raise IntakeError(errors) from None
    extra = sorted(set(answers.questionnaires) - set(instruments))
    if extra:
        raise IntakeError({"questionnaires": "This questionnaire was not asked for"})
    scores: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for instrument in instruments:
        try:
            scores[instrument] = score(instrument, answers.questionnaires.get(instrument, {}))
        except AnswerError as exc:
            for item, message in exc.errors.items():
                errors[f"{instrument}.{item}"] = message
    if errors:
        raise IntakeError(errors)
    return answers, scores


def to_case(answers: IntakeAnswers) -> dict[str, Any]:
    """The answers as a case (only what the client answered), for the screening and the next visit."""
    symptoms: dict[str, Any] = dict(answers.screening)
    if answers.pain_nrs is not None:
        symptoms["pain_nrs"] = answers.pain_nrs
    for key in ("pain_sites", "paresthesia_sites", "numbness_sites"):
        if getattr(answers, key):
            symptoms[key] = getattr(answers, key)
    case: dict[str, Any] = {"symptoms": symptoms}
    if answers.medical:
        case["medical"] = dict(answers.medical)
    if answers.pain_weeks is not None:
        case["history"] = {"duration_days": answers.pain_weeks * 7}
    try:
        return parse_case(case).findings()
    except CaseError as exc:  # the model checked every part already; a failure here is a bug, not bad input
        raise AssertionError(exc.problems) from None


Urgency = Literal["none", "routine", "urgent", "emergency"]


def screen(case: dict[str, Any]) -> dict[str, Any]:
    """The engine's red-flag screen of the client's answers, and what to tell the client now."""
    assessment = assess_data(case)
    urgency: Urgency = assessment["referral"]["urgency"]
    kb = load_knowledge().intake
    advice = kb["emergency_advice"] if urgency == "emergency" else kb["urgent_advice"] if urgency == "urgent" else None
    return {"urgency": urgency, "red_flags": [{"id": f["id"], "evidence": f["evidence"]} for f in assessment["red_flags"]],
            "tell_client": assessment["referral"]["tell_client"], "advice": advice}
