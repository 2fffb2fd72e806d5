"""The weekly check-in, pure: what the answers may be, and the screening of its emergency questions.

The emergency questions are the intake's, in the same plain words (knowledge
base: intake.yaml), screened as the intake screens them (the engine's red-flag
screen). A yes to a question the knowledge base marks as an emergency is an
emergency whatever else the engine weighs: the client is told to go to an
emergency department at once, and the clinic is told too.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..clinical.caseio import parse_case
from ..clinical.errors import CaseError
from ..clinical.knowledge.runtime import load_knowledge
from ..intake import screen
from ..safetext import SafeText
from .rules import rules

Urgency = Literal["none", "routine", "urgent", "emergency"]
RANK = {"none": 0, "routine": 1, "urgent": 2, "emergency": 3}


class CheckInError(ValueError):
    """Answers to fix, by field, in the client's words."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class CheckInAnswers(BaseModel):
    # Strict: a form's "false" or a JSON true never becomes a number.
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

    screening: dict[str, bool]
    pain_nrs: int = Field(ge=0, le=10)
    exercise_days: int = Field(ge=0, le=7)
    felt: dict[str, str] = Field(default={}, max_length=20)
    psfs_activity: str | None = Field(default=None, max_length=200)
    psfs_rating: int | None = Field(default=None, ge=0, le=10)
    notes: SafeText(5000) = ""

    @field_validator("screening")
    @classmethod
    def _every_question(cls, value: dict[str, bool]) -> dict[str, bool]:
        if set(value) != set(load_knowledge().intake["screening"]):
            raise ValueError("answer every question in this part")
        return value

    @field_validator("felt")
    @classmethod
    def _known_feelings(cls, value: dict[str, str]) -> dict[str, str]:
        if not set(value.values()) <= set(rules().check_in.feelings):
            raise ValueError("choose how each exercise felt from the list")
        return value


_WORDS = {"screening": "Please answer every question in this part", "pain_nrs": "Choose a number from 0 to 10",
          "exercise_days": "Choose a number of days from 0 to 7", "felt": "Choose how each exercise felt from the list",
          "psfs_rating": "Choose a number from 0 to 10"}


def validate(raw: dict[str, Any], exercises: list[str], psfs_activity: str | None) -> CheckInAnswers:
    """The answers checked against the programme's exercises and the activity asked about; CheckInError names what to fix."""
    try:
        answers = CheckInAnswers.model_validate(raw)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors(include_url=False):
            field = str(err["loc"][0]) if err["loc"] else "form"
            errors.setdefault(field, _WORDS.get(field, f"Please keep this under {rules().check_in.notes_limit:,} characters"
                                               if field == "notes" else "Please check this answer"))
        raise CheckInError(errors) from None
    if len(answers.notes) > rules().check_in.notes_limit:
        raise CheckInError({"notes": f"Please keep this under {rules().check_in.notes_limit:,} characters"})
    if not set(answers.felt) <= set(exercises):
        raise CheckInError({"felt": "That exercise is not in your programme"})
    asked = answers.psfs_activity is None or answers.psfs_activity == psfs_activity
    if not asked or (answers.psfs_rating is not None and answers.psfs_activity is None):
        raise CheckInError({"psfs_rating": "That activity was not asked about"})
    return answers


def screen_check_in(screening: dict[str, bool]) -> dict[str, Any]:
    """The red-flag screening of the emergency answers, and what the client is told at once.

    Urgency is the higher of the engine's and the knowledge base's own mark on
    each question answered yes, so no emergency answer can pass unflagged.
    """
    kb = load_knowledge().intake
    try:
        case = parse_case({"symptoms": dict(screening)}).findings()
    except CaseError as exc:  # the answers were checked against the same questions; a failure here is a bug
        raise AssertionError(exc.problems) from None
    engine = screen(case)
    emergency_yes = [q for q, yes in screening.items() if yes and kb["screening"][q].get("emergency")]
    urgency = "emergency" if emergency_yes else engine["urgency"]
    if RANK[engine["urgency"]] > RANK[urgency]:
        urgency = engine["urgency"]
    advice = kb["emergency_advice"] if urgency == "emergency" else kb["urgent_advice"] if urgency == "urgent" else None
    return {"urgency": urgency, "answered_yes": [q for q in kb["screening"] if screening.get(q)],  # in the form's order
            "red_flags": engine["red_flags"], "advice": advice,
            # The engine's words for the client, unless the knowledge base's mark raised the urgency above them.
            "tell_client": engine["tell_client"] if engine["urgency"] == urgency else None}


def flagged(urgency: str) -> bool:
    """A check-in the therapist must see before anything else."""
    return urgency in ("emergency", "urgent")
