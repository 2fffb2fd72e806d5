"""The assessment: what the engine concludes about a case (shared/spec/case-format.md).

The fields the contract fixes are typed with vocabulary ids, so an assessment
that strays from the contract fails validation. The extra fields (codes,
likelihood ratios, instructions, knowledge-base version) are additions the
contract allows.
"""
from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import SchemaValidator

from .vocabulary import vocabulary

_V = vocabulary()


def _one_of(values) -> Any:
    return Literal[tuple(values)]  # type: ignore[valid-type]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Referral(_Out):
    urgency: _one_of(_V.referral_urgency)
    to: _one_of(_V.referral_destinations) | None = Field(description="whom the client should see; null when urgency is none")
    reasons: list[str]
    tell_client: str | None = None
    not_asked: list[str] = Field(default=[], description="screening questions the case leaves unanswered")


class RedFlag(_Out):
    id: _one_of(_V.red_flags)
    evidence: list[str]
    urgency: _one_of(_V.referral_urgency)
    tell_client: str


class NerveRoot(_Out):
    root: _one_of(_V.nerve_roots)
    side: Literal["left", "right", "bilateral"]
    confidence: float = Field(ge=0, le=1)
    evidence: list[str]


class Codes(_Out):
    icd10: str
    snomed: str | None


class LikelihoodRatio(_Out):
    finding: str
    present: bool
    lr: float


class RankedCondition(_Out):
    condition: _one_of(_V.conditions)
    probability: float = Field(ge=0, le=1)
    evidence: list[str]
    name: str
    serious: bool
    prior: float
    codes: Codes
    flagged: bool = Field(default=False, description="the safety screen flags it: ranked in the top three")
    likelihood_ratios: list[LikelihoodRatio]


class Contraindication(_Out):
    id: _one_of(_V.contraindications)
    reason: str
    evidence: list[str] = []


class Technique(_Out):
    technique: _one_of(_V.techniques)
    targets: list[_one_of(_V.structures)]


class ProtocolRef(_Out):
    id: str
    title: str


class Plan(_Out):
    treat: bool
    goals: list[_one_of(_V.treatment_goals)]
    positioning: list[_one_of(_V.positioning)]
    hydrotherapy: list[_one_of(_V.hydrotherapy)]
    techniques: list[Technique]
    protocols: list[ProtocolRef] = []


class SelfCare(_Out):
    id: _one_of(_V.self_care)
    sets: int | None
    reps: int | None
    hold_seconds: int | None
    frequency: str | None
    title: str
    instructions: str


class MechanismCriterion(_Out):
    id: _one_of(_V.pain_mechanism_criteria)
    present: bool
    origin: Literal["checklist", "derived"]
    label: str
    derived_from: str | None = None


class PainMechanism(_Out):
    dominant: _one_of(_V.pain_mechanisms) | None
    probabilities: dict[_one_of(_V.pain_mechanisms), float]
    evidence: list[str]
    criteria: list[MechanismCriterion] = Field(default=[], description="every criterion judged: recorded or derived")


class KnowledgeBaseRef(_Out):
    version: str


class Assessment(_Out):
    case_id: str | None = None
    referral: Referral
    red_flags: list[RedFlag]
    nerve_roots: list[NerveRoot]
    differential: list[RankedCondition]
    contraindications: list[Contraindication]
    plan: Plan
    self_care: list[SelfCare]
    pain_mechanism: PainMechanism
    knowledge_base: KnowledgeBaseRef
    disclaimer: str


def _as_plain(schema: Any) -> Any:
    """The same core schema with every model made a typed dict: the same fields, types, limits and
    extra-field rule, but checking builds plain dicts instead of model objects."""
    if isinstance(schema, list):
        return [_as_plain(part) for part in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") == "model":
        inner = schema["schema"]
        if inner.get("type") != "model-fields" or inner.get("computed_fields") or schema.get("custom_init"):
            raise TypeError(f"{inner.get('model_name')}: only plain models can be checked as dicts")
        return {"type": "typed-dict", "config": schema.get("config"), "ref": schema.get("ref"),
                "extra_behavior": (schema.get("config") or {}).get("extra_fields_behavior", "ignore"),
                "fields": {name: {"type": "typed-dict-field", "schema": _as_plain(field["schema"]),
                                  "required": field["schema"].get("type") != "default"}
                           for name, field in inner["fields"].items()}}
    if schema.get("type", "").startswith("function-") and (schema.get("schema") or {}).get("type") == "model":
        raise TypeError("a model validator needs the model itself")
    return {key: _as_plain(value) for key, value in schema.items()}


@cache
def _plain_checker() -> SchemaValidator:
    return SchemaValidator(_as_plain(Assessment.__pydantic_core_schema__))


def check_json(text: str | bytes) -> dict[str, Any]:
    """An assessment given as JSON text, checked as `Assessment.model_validate_json` checks it, as plain data.

    An import checks a hundred thousand of them; building each as models (some 130 objects) costs a
    third more than the checking. What the plain check refuses goes to the model, whose errors are reported."""
    try:
        return _plain_checker().validate_json(text)
    except ValidationError:
        return Assessment.model_validate_json(text).model_dump()


def summary(assessment: dict[str, Any]) -> dict[str, str]:
    """What a visit's row keeps beside its assessment, for lists and searches: the referral's urgency and the
    leading condition."""
    differential = assessment["differential"]
    return {"referral": assessment["referral"]["urgency"], "lead_condition": differential[0]["name"][:100] if differential else ""}
