"""Retention and request deadlines from jurisdictions.yaml, checked on load."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

DATA = Path(__file__).with_name("jurisdictions.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    cite: str = Field(min_length=20)
    url: HttpUrl


class MinorRule(_Strict):
    age: int = Field(ge=14, le=30)
    years: int = Field(ge=0, le=50)


class Jurisdiction(_Strict):
    code: str = ""
    name: str
    regulator: str
    years_after_last_entry: int = Field(ge=1, le=100)
    minor_until: MinorRule
    access_days: int = Field(ge=1, le=90)
    access_extension_days: int = Field(ge=0, le=90)
    correction_days: int = Field(ge=1, le=90)
    correction_extension_days: int = Field(ge=0, le=90)
    privacy_regulator: str
    breach_notice: str
    sources: list[Source] = Field(min_length=1)

    @property
    def summary(self) -> str:
        minor = self.minor_until
        until = f"{minor.years} years after the client turns {minor.age}" if minor.years else f"until the client turns {minor.age}"
        return (f"{self.years_after_last_entry} years after the last entry, or, for a client first seen as a minor, "
                f"{until}, whichever is later")


class Rules(_Strict):
    default: str
    jurisdictions: dict[str, Jurisdiction]

    @model_validator(mode="after")
    def _default_known(self) -> Rules:
        if self.default not in self.jurisdictions:
            raise ValueError(f"default {self.default!r} is not a jurisdiction of the file")
        return self


@lru_cache(maxsize=1)
def _rules() -> Rules:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    rules = Rules.model_validate(raw)
    return rules.model_copy(update={"jurisdictions": {code: j.model_copy(update={"code": code})
                                                      for code, j in rules.jurisdictions.items()}})


def jurisdictions() -> dict[str, Jurisdiction]:
    return _rules().jurisdictions


def jurisdiction(code: str | None) -> Jurisdiction:
    """The clinic's jurisdiction, or the default one for a code the file does not know."""
    rules = _rules()
    return rules.jurisdictions.get(code or "", rules.jurisdictions[rules.default])


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Retention:
    keep_until: date
    reason: str  # which part of the rule decided, in words
    jurisdiction: Jurisdiction


def keep_until(code: str | None, last_entry: date, date_of_birth: date | None) -> Retention:
    """The first day a record may be destroyed under the jurisdiction's rule (the later of its two limits).

    Without a date of birth the minor's rule cannot be ruled out: the record is kept as if the client
    had been a minor at the last entry (until the age limit counted from that entry), the safe side."""
    rule = jurisdiction(code)
    by_entry = _add_years(last_entry, rule.years_after_last_entry)
    minor = rule.minor_until
    if date_of_birth is not None:
        by_age = _add_years(date_of_birth, minor.age + minor.years)
        if by_age > by_entry:
            return Retention(by_age, f"{minor.years} years after the client's birthday at {minor.age}" if minor.years
                             else f"until the client turns {minor.age}", rule)
        return Retention(by_entry, f"{rule.years_after_last_entry} years after the last entry", rule)
    unknown = _add_years(last_entry, minor.age + minor.years)
    if unknown > by_entry:
        return Retention(unknown, "the date of birth is not recorded, so the rule for minors is assumed", rule)
    return Retention(by_entry, f"{rule.years_after_last_entry} years after the last entry", rule)


@dataclass(frozen=True)
class Clock:
    due: date
    days_left: int
    overdue: bool


def request_clock(code: str | None, kind: str, received: date, extended: bool, today: date) -> Clock:
    """When a client's request (access or correction) must be answered, counted from the day it was received."""
    rule = jurisdiction(code)
    days = rule.access_days if kind == "access" else rule.correction_days
    if extended:
        days += rule.access_extension_days if kind == "access" else rule.correction_extension_days
    due = received + timedelta(days=days)
    return Clock(due, (due - today).days, today > due)
