"""The treatment record and consents as validated data (strict: unknown keys and values refused).

Ids are checked against the vocabulary and this domain's data at validation,
so nothing is stored that the pages, the note or the FHIR export could not
name. Every text is bounded.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..clinical.vocabulary import vocabulary
from ..safetext import LINE, SHORT, SafeText
from .data import treatment_data

Side = Literal["left", "right", "both", "midline"]
MAX_ENTRIES = 30
CLIENT_WORDS = 2000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _known(value: str, table: dict, what: str) -> str:
    if value not in table:
        raise ValueError(f"{value!r} is not a known {what}")
    return value


class Entry(_Model):
    """One technique as given: where, which side, how long, how firmly."""

    technique: str
    targets: list[str] = Field(min_length=1, max_length=20)
    side: Side = "both"
    minutes: int = Field(ge=0, le=120)
    pressure: str = "moderate"
    # Why the therapist gave what today's contraindications rule out (audited); empty: not overridden.
    clinical_reason: SafeText(LINE) = ""
    # Work on an area whose consent was withdrawn during the session: it stopped then.
    until_withdrawal: bool = False

    @field_validator("technique")
    @classmethod
    def _technique(cls, value: str) -> str:
        return _known(value, vocabulary().techniques, "technique")

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        for target in value:
            _known(target, vocabulary().structures, "target")
        return list(dict.fromkeys(value))

    @field_validator("pressure")
    @classmethod
    def _pressure(cls, value: str) -> str:
        if value not in treatment_data().pressures:
            raise ValueError(f"choose a pressure: {', '.join(treatment_data().pressures)}")
        return value


class Given(_Model):
    """The treatment as given at one visit."""

    entries: list[Entry] = Field(default=[], max_length=MAX_ENTRIES)
    positioning: list[str] = Field(default=[], max_length=10)
    hydrotherapy: list[str] = Field(default=[], max_length=5)
    draping: str = "standard"
    exercises: list[str] = Field(default=[], max_length=20)  # remedial exercise taught (self-care ids)
    total_minutes: int | None = Field(default=None, ge=0, le=300)

    @field_validator("positioning")
    @classmethod
    def _positioning(cls, value: list[str]) -> list[str]:
        return [_known(p, vocabulary().positioning, "position") for p in dict.fromkeys(value)]

    @field_validator("hydrotherapy")
    @classmethod
    def _hydrotherapy(cls, value: list[str]) -> list[str]:
        return [_known(h, vocabulary().hydrotherapy, "hydrotherapy") for h in dict.fromkeys(value) if h != "none"]

    @field_validator("exercises")
    @classmethod
    def _exercises(cls, value: list[str]) -> list[str]:
        return [_known(e, vocabulary().self_care, "exercise") for e in dict.fromkeys(value)]

    @field_validator("draping")
    @classmethod
    def _draping(cls, value: str) -> str:
        return _known(value, treatment_data().draping, "draping")

    @property
    def minutes(self) -> int:
        """The total time: as recorded, or the sum of the techniques."""
        return self.total_minutes if self.total_minutes is not None else sum(e.minutes for e in self.entries)


class Retest(_Model):
    """The finding re-tested today, before and after the treatment."""

    id: SafeText(SHORT, 1)
    label: SafeText(SHORT, 1)
    unit: Literal["degrees", "cm", "result"]
    before: SafeText(20) = ""
    after: SafeText(20) = ""

    @model_validator(mode="after")
    def _values(self) -> Retest:
        for name in ("before", "after"):
            value = getattr(self, name)
            if not value:
                continue
            if self.unit == "result" and value not in ("positive", "negative"):
                raise ValueError(f"{name}: choose positive or negative")
            if self.unit != "result" and not (value.isdigit() and int(value) <= (180 if self.unit == "degrees" else 150)):
                raise ValueError(f"{name}: enter a whole number of {self.unit}")
        return self


class Response(_Model):
    """How the client responded: pain before and after, the re-test, their own words."""

    pain_before: int | None = Field(default=None, ge=0, le=10)
    pain_after: int | None = Field(default=None, ge=0, le=10)
    retest: Retest | None = None
    client_words: SafeText(CLIENT_WORDS) = ""


class AfterEffects(_Model):
    """What the client reports at this visit about the last treatment."""

    of_visit: int | None = None
    effects: list[str] = Field(default=[], max_length=10)
    note: SafeText(LINE) = ""

    @field_validator("effects")
    @classmethod
    def _effects(cls, value: list[str]) -> list[str]:
        effects = [_known(e, treatment_data().after_effects, "after-effect") for e in dict.fromkeys(value)]
        if "none" in effects and len(effects) > 1:
            raise ValueError("'none' cannot go with an after-effect")
        return effects


class TreatmentIn(_Model):
    given: Given = Given()
    response: Response = Response()
    after_effects: AfterEffects = AfterEffects()


Method = Literal["verbal", "written", "tablet"]


class ConsentIn(_Model):
    """A consent as the therapist or the client records it."""

    scope: Literal["treatment", "areas"]
    areas: list[str] = Field(default=[], max_length=20)
    elements: list[str] = Field(default=[], max_length=20)
    methods: list[Method] = Field(min_length=1, max_length=3)
    decision: Literal["given", "declined"] = "given"
    techniques: list[str] = Field(default=[], max_length=40)  # the plan it was given for (to see a material change)
    signed_name: SafeText(SHORT) = ""
    signature: SafeText(20_000) = ""  # the drawn signature as SVG path data
    witness: SafeText(SHORT) = ""

    @field_validator("areas")
    @classmethod
    def _areas(cls, value: list[str]) -> list[str]:
        return [_known(a, treatment_data().areas, "body area") for a in dict.fromkeys(value)]

    @field_validator("elements")
    @classmethod
    def _elements(cls, value: list[str]) -> list[str]:
        return [_known(e, treatment_data().elements, "consent element") for e in dict.fromkeys(value)]

    @field_validator("techniques")
    @classmethod
    def _techniques(cls, value: list[str]) -> list[str]:
        return [_known(t, vocabulary().techniques, "technique") for t in dict.fromkeys(value)]

    @field_validator("signature")
    @classmethod
    def _path(cls, value: str) -> str:
        # Only the drawing commands the signature pad writes: no markup can ride along.
        if value and not set(value) <= set("ML0123456789. -"):
            raise ValueError("the signature is not a drawing the tablet made; sign again")
        return value

    @model_validator(mode="after")
    def _complete(self) -> ConsentIn:
        if self.scope == "areas" and not self.areas:
            raise ValueError("name the areas this consent is for")
        return self

    @property
    def unsigned(self) -> bool:
        """Given on the tablet without a signature: neither drawn nor typed."""
        return "tablet" in self.methods and self.decision == "given" and not (self.signed_name or self.signature)
