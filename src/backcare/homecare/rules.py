"""The home programme's rules (data/homecare.yaml), checked when loaded: every field present,
every pattern a valid regular expression, every source one the knowledge base knows."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..clinical.knowledge.runtime import load_knowledge

RULES_FILE = Path(__file__).resolve().parent / "data" / "homecare.yaml"
DOSAGE_FIELDS = ("sets", "reps", "hold_seconds")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_Strict):
    sources: list[str] = Field(min_length=1)

    @field_validator("sources")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(load_knowledge().sources))
        if unknown:
            raise ValueError(f"sources not in the knowledge base: {unknown}")
        return value


class DaysPattern(_Strict):
    pattern: str
    days: int | None = Field(default=None, ge=1, le=7)  # None: the pattern's first group is the number

    @model_validator(mode="after")
    def _compiles(self) -> DaysPattern:
        compiled = re.compile(self.pattern, re.IGNORECASE)
        if self.days is None and compiled.groups != 1:
            raise ValueError(f"{self.pattern!r}: give `days` or one group with the number")
        return self


class DaysPerWeek(_Sourced):
    patterns: list[DaysPattern]
    otherwise: int = Field(ge=1, le=7)


class Step(_Strict):
    field: Literal["sets", "reps", "hold_seconds"]
    step: int
    bound: int = Field(ge=1)


class Progression(_Sourced):
    up: list[Step] = Field(min_length=1)
    down: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _directions(self) -> Progression:
        if any(s.step <= 0 for s in self.up) or any(s.step >= 0 for s in self.down):
            raise ValueError("steps up add, steps down take away")
        return self


class Feeling(_Strict):
    label: str
    summary: str


class CheckInWords(_Sourced):
    pain: str
    exercise_days: str
    felt: str
    feelings: dict[str, Feeling] = Field(min_length=2)
    psfs: str
    notes_limit: int = Field(ge=100, le=5000)


class Reminders(_Sourced):
    weekday: int = Field(ge=0, le=6)
    after_days: int = Field(ge=0, le=6)


class LinkRules(_Sourced):
    default_weeks: int = Field(ge=1)
    most_weeks: int = Field(ge=1, le=52)

    @model_validator(mode="after")
    def _default_within(self) -> LinkRules:
        if self.default_weeks > self.most_weeks:
            raise ValueError("default_weeks is more than most_weeks")
        return self


class Rules(_Strict):
    tickable_fields: list[Literal["sets", "reps", "hold_seconds"]] = Field(min_length=1)
    days_per_week: DaysPerWeek
    progression: Progression
    check_in: CheckInWords
    reminders: Reminders
    link: LinkRules


def parse_rules(data: dict) -> Rules:
    return Rules.model_validate(data)


@cache
def rules() -> Rules:
    return parse_rules(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")))
