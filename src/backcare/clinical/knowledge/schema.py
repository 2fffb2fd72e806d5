"""Pydantic schema of the knowledge-base files, checked against the vocabulary.

Structure is checked by the models; cross-references (vocabulary ids, sources,
findings, predicate syntax) by `check_references`, so a typo in a YAML file is
reported with its file and entry instead of surfacing as a wrong assessment.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Urgency = Literal["none", "routine", "urgent", "emergency"]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Entry):
    kind: Literal["seed", "publication", "team"]
    title: str
    file: str | None = None
    url: str | None = None  # where a publication beyond clinical.md was read
    notes: str | None = None


class ConditionReferral(_Entry):
    """The referral a condition calls for when it is a likely explanation."""

    urgency: Literal["routine", "urgent"]
    to: str
    min_probability: float = Field(gt=0, lt=1)
    when: dict[str, Any] | None = None
    reason: str


class Condition(_Entry):
    name: str
    prior: float = Field(gt=0, lt=1)
    serious: bool = False
    icd10: str
    snomed: str | None
    code_confidence: Literal["confirmed", "unverified", "none"]
    referral: ConditionReferral | None = None
    # Often present beside another cause rather than instead of it (mimics.md
    # 16.5): judged also on its own odds, so a second cause is planned for.
    coexists: bool = False
    # Findings that say a coexisting condition is not the leading cause, not that it is absent (a root
    # deficit beside sacroiliac pain): they rank it in the differential but leave its own odds alone.
    own_odds_ignore: list[str] = []
    # The probability that it contributes to the pain, where the evidence gives one apart from the prior of
    # being the sole explanation (mimics.md 16.1: myofascial pain 0.20-0.30 as a contributor, 0.05 alone):
    # its own odds start from this.
    contributor_prior: float | None = Field(default=None, gt=0, lt=1)
    # The findings that define it as a contributor (an active trigger point reproduces the familiar pain):
    # its own odds start from contributor_prior only when one of them holds.
    contributor_when: list[str] = []
    sources: list[str] = Field(min_length=1)


class Move(_Entry):
    present: float = Field(default=1.0, gt=0)
    absent: float = Field(default=1.0, gt=0)
    group: str | None = None


class Finding(_Entry):
    label: str
    absent_label: str | None = None
    when: dict[str, Any]
    group: str | None = None
    moves: dict[str, Move] = {}
    basis: Literal["measured", "derived", "estimate"] | None = None
    sources: list[str] = Field(min_length=1)


class FindingsFile(_Entry):
    region_sets: dict[str, list[str]] = {}
    findings: dict[str, Finding]


class WeightedRoots(_Entry):
    weights: dict[str, float]
    key: bool = False
    sources: list[str] = Field(min_length=1)


class LengthDependentPattern(_Entry):
    finding: str
    region_set: str
    reflexes: list[str]
    sources: list[str] = Field(min_length=1)


class NeuroFile(_Entry):
    dermatomes: dict[str, WeightedRoots]
    myotomes: dict[str, WeightedRoots]
    reflexes: dict[str, WeightedRoots]
    atrophy: dict[str, WeightedRoots]
    evidence_strength: dict[str, float]
    length_dependent: LengthDependentPattern
    threshold: float = Field(gt=0)
    max_confidence: float = Field(gt=0, le=1)
    sources: list[str] = Field(min_length=1)


class RedFlagInfo(_Entry):
    condition: str | None = None  # the condition of the differential it suspects
    tell_client: str  # with an urgent or emergency referral (no treatment first)
    tell_client_routine: str | None = None  # with a routine referral (treatment goes on)
    tell_client_emergency: str | None = None  # with an emergency referral (else the general emergency advice)
    sources: list[str] = Field(min_length=1)


class ReferralRule(_Entry):
    id: str
    red_flag: str | None = None
    urgency: Urgency
    to: str | None = None  # whom to see; by default by urgency
    condition: str | None = None  # what a rule without a red flag refers for (ranked in the first three)
    when: dict[str, Any]
    reason: str | None = None
    raised_by: list[str] = []
    lowered_by: list[str] = []
    lowered_to: Urgency | None = None
    sources: list[str] = Field(min_length=1)


class RedFlagsFile(_Entry):
    screening_questions: list[str] = Field(min_length=1)
    screening_sources: list[str] = Field(min_length=1)
    safety_net: str
    safety_net_sources: list[str] = Field(min_length=1)
    red_flags: dict[str, RedFlagInfo]
    referral_advice: dict[Literal["routine", "urgent", "emergency"], str]
    # Where a door needs other words at one urgency (the surgical team in an emergency is reached through
    # the emergency department); otherwise referral_advice with the door's name.
    door_advice: dict[str, dict[Literal["routine", "urgent", "emergency"], str]] = {}
    destination_names: dict[str, str]
    findings: dict[str, Finding] = {}
    rules: list[ReferralRule]


class Forbids(_Entry):
    goals: list[str] = []
    techniques: list[str] = []
    targets: list[str] = []
    positioning: list[str] = []
    hydrotherapy: list[str] = []
    self_care: list[str] = []


class Contraindication(_Entry):
    when: dict[str, Any]
    reason: str
    stops_treatment: bool = False
    forbids: Forbids = Forbids()
    sources: list[str] = Field(min_length=1)


class ContraindicationsFile(_Entry):
    contraindications: dict[str, Contraindication]


class TriggerPointZone(_Entry):
    regions: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class TriggerPointsFile(_Entry):
    zones: dict[str, TriggerPointZone]


class TechniqueSpec(_Entry):
    technique: str
    targets: list[str] = Field(min_length=1)


class Protocol(_Entry):
    title: str
    when: dict[str, Any] | None = None
    goals: list[str] = []
    positioning: list[str] = []
    hydrotherapy: list[str] = []
    techniques: list[TechniqueSpec] = []
    sources: list[str] = Field(min_length=1)


class TreatmentFile(_Entry):
    fallback_positioning: list[str] = Field(min_length=1)
    fallback_sources: list[str] = Field(min_length=1)
    protocols: dict[str, Protocol]


class Dosage(_Entry):
    sets: int | None
    reps: int | None
    hold_seconds: int | None
    frequency: str | None


class SelfCareItem(_Entry):
    title: str
    dosage: Dosage
    instructions: str
    avoid_when: dict[str, Any] | None = None
    sources: list[str] = Field(min_length=1)


class SelfCareRule(_Entry):
    id: str
    when: dict[str, Any] | None = None
    add: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class SelfCareFile(_Entry):
    items: dict[str, SelfCareItem]
    rules: list[SelfCareRule]


class MechanismMove(_Entry):
    present: float = Field(default=1.0, gt=0)
    absent: float = Field(default=1.0, gt=0)


class MechanismCriterion(_Entry):
    label: str
    derive: dict[str, Any] | None = None
    derive_absent: bool = True
    derived_from: str | None = None
    moves: dict[str, MechanismMove] = Field(min_length=1)
    basis: Literal["measured", "derived", "estimate"]
    sources: list[str] = Field(min_length=1)


class MechanismCluster(_Entry):
    present: list[str] = Field(min_length=1)
    absent: list[str] = []
    sensitivity: float = Field(gt=0, le=1)
    specificity: float = Field(gt=0, le=1)
    sources: list[str] = Field(min_length=1)


class PainMechanismsFile(_Entry):
    prior: dict[str, float]
    prior_sources: list[str] = Field(min_length=1)
    min_criteria: int = Field(ge=1)
    min_probability: float = Field(gt=0, lt=1)
    min_cluster_judged: float = Field(gt=0, le=1)
    mixed_when_clusters_met: int = Field(ge=2)
    judgement_sources: list[str] = Field(min_length=1)
    clusters: dict[str, MechanismCluster]
    criteria: dict[str, MechanismCriterion]


class Choice(_Entry):
    value: int
    label: str
    points: int | None = None  # what the answer adds to a screening score


class InstrumentItem(_Entry):
    id: str
    label: str
    min: int | None = None
    max: int | None = None
    optional: bool = False
    subscore: bool = False
    loinc: str | None = None
    choices: list[Choice] | None = None  # this item's own answers, where they differ


class MissingRule(_Entry):
    rule: str
    max_missing: int = Field(ge=0)


class Mic(_Entry):
    points: float = Field(gt=0)
    percent: float | None = Field(default=None, gt=0, lt=100)
    single_item_points: float | None = Field(default=None, gt=0)


class Band(_Entry):
    max: float
    label: str


class Licence(_Entry):
    holder: str
    terms: str
    copyright_line: str | None = None
    wording: Literal["own", "paraphrase"]


class RiskRule(_Entry):
    subscore_range: tuple[int, int]
    low_total_at_most: int
    high_subscore_at_least: int


class Instrument(_Entry):
    title: str
    short: str
    kind: Literal["single", "sections", "checklist", "activities", "screening"]
    prompt: str
    items: list[InstrumentItem] = Field(min_length=1)
    choices: list[Choice] | None = None
    score_range: tuple[float, float]
    higher_is: Literal["worse", "better"]
    missing: MissingRule
    mic: Mic | None = None  # none for a screening tool
    recovered_at_most: float | None = None
    bands: list[Band] = []
    risk: RiskRule | None = None
    loinc: dict[str, Any] = {}
    local_code: str | None = None
    licence: Licence
    sources: list[str] = Field(min_length=1)


class Cohort(_Entry):
    label: str
    duration_days_below: int | None = None
    weeks: list[float] = Field(min_length=2)
    mean_pain: list[float] = Field(min_length=2)


class ExpectedCourse(_Entry):
    measure: str
    scale: float = Field(gt=0)
    cohorts: dict[str, Cohort]
    review_after_weeks: float = Field(gt=0)
    citation: str
    sources: list[str] = Field(min_length=1)


class RiskGroupCare(_Entry):
    summary: str
    approach: str
    self_care_add: list[str] = []
    involve_doctor: bool = False
    mechanism_notes: dict[str, str] = {}  # dominant mechanism (or `any`) -> what it adds to the approach
    sources: list[str] = Field(min_length=1)


class OutcomesFile(_Entry):
    instruments: dict[str, Instrument]
    expected_course: ExpectedCourse
    stratified_care: dict[Literal["low", "medium", "high"], RiskGroupCare]


class IntakeQuestion(_Entry):
    question: str
    emergency: bool = False


class IntakeFile(_Entry):
    screening: dict[str, IntakeQuestion]
    medical: dict[str, str]
    emergency_advice: str
    urgent_advice: str
    sources: list[str] = Field(min_length=1)


class NoteCues(_Entry):
    """The words around a mention that say it is not the client's own, current fact (ConText)."""

    negation_before: list[str]
    negation_after: list[str]
    negation_after_near: list[str]
    negation_after_near_links: list[str]
    other_person: list[str]
    other_person_role_before: list[str]
    other_person_role_after: list[str]
    hypothetical: list[str]
    closes_scope: list[str]
    stopped: list[str]
    not_the_condition_after: list[str]
    new_statement: list[str]
    at_work: list[str]
    past_phrases: dict[str, int]
    sources: list[str] = Field(min_length=1)


class MeasuredValue(_Entry):
    words: list[str] = Field(min_length=1)
    at_least: float


class NoteReading(_Entry):
    """A fact the notes' words may stand in for, and the field it fills when that was left out."""

    label: str = Field(min_length=3, max_length=80)
    fills: str
    terms: list[str] = Field(min_length=1)
    with_: list[str] = Field(default=[], alias="with")  # one of these must be in the same clause too
    unless: list[str] = []  # an affirmed one of these in the clause cancels the mention
    within_days: int | None = Field(default=None, gt=0)  # None: a past mention counts (a history)
    current_only: bool = False  # a drug or state that counts only while it lasts ("stopped warfarin")
    # An event the words do not date is placed at the start of the episode (history.duration_days).
    undated_at_onset: bool = False
    # A condition named while the note describes the client's job ("works as an oncology nurse") is not theirs.
    not_at_work: bool = False
    measured: MeasuredValue | None = None
    sources: list[str] = Field(min_length=1)


class NotesFile(_Entry):
    cues: NoteCues
    readings: dict[str, NoteReading]


# File name (without .yaml) -> the model its content must match.
FILE_MODELS: dict[str, type[BaseModel]] = {
    "findings": FindingsFile,
    "mimics": FindingsFile,
    "trigger_points": TriggerPointsFile,
    "neuro": NeuroFile,
    "red_flags": RedFlagsFile,
    "contraindications": ContraindicationsFile,
    "treatment": TreatmentFile,
    "self_care": SelfCareFile,
    "pain_mechanisms": PainMechanismsFile,
    "outcomes": OutcomesFile,
    "intake": IntakeFile,
    "notes": NotesFile,
}
