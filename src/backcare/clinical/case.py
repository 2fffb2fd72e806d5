"""The case: what a therapist recorded about a client (shared/spec/case-format.md).

Every block and field is optional, and absent means "not examined", never
"normal". Models are strict (no silent coercion of `false` into 0) and forbid
unknown keys, so a misspelt finding is an error rather than a finding ignored.
Enumerations come from the vocabulary, so the contract lives in one file.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, create_model

from ..safetext import HISTORY, SHORT, SafeText
from .vocabulary import vocabulary

_V = vocabulary()


def _one_of(values) -> Any:
    return Literal[tuple(values)]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


Region = _one_of(_V.region_ids)


def _list_of(values) -> Any:
    """A list of vocabulary ids, no longer than the vocabulary (so no list is unbounded)."""
    return Annotated[list[_one_of(values)], Field(max_length=len(values))]


Regions = _list_of(_V.region_ids)
Structure = _one_of(_V.structures)
Structures = _list_of(_V.structures)
# Palpation may name a muscle or a bony landmark (greater trochanter, coccyx...).
PalpationSites = _list_of({**_V.structures, **_V.landmarks})
TestResult = Literal["positive", "negative"]
Strength = Literal["normal", "weak"]
ReflexGrade = Literal["normal", "reduced", "absent", "brisk"]
SideName = Literal["left", "right"]


def _side_map(name: str, value_type: Any) -> type[BaseModel]:
    return create_model(name, __base__=_Strict, left=(value_type | None, None), right=(value_type | None, None))


SidedResult = _side_map("SidedResult", TestResult)
SidedStrength = _side_map("SidedStrength", Strength)
SidedReflex = _side_map("SidedReflex", ReflexGrade)
SidedSensation = _side_map("SidedSensation", Literal["normal", "reduced", "absent"])
SidedPulse = _side_map("SidedPulse", Literal["present", "reduced", "absent"])
SidedFlag = _side_map("SidedFlag", bool)
SidedDegrees = _side_map("SidedDegrees", Annotated[int, Field(ge=0, le=180)])
SidedIndex = _side_map("SidedIndex", Annotated[float, Field(ge=0, le=3)])

# A sided test may be written `slr: positive` when the side does not matter.
SidedOrPlainResult = Annotated[
    Union[Annotated[TestResult, Tag("plain")], Annotated[SidedResult, Tag("sided")]],
    Discriminator(lambda v: "sided" if isinstance(v, (dict, BaseModel)) else "plain"),
]


class Client(_Strict):
    age: Annotated[int, Field(ge=0, le=120)] | None = None
    sex: Literal["female", "male", "other"] | None = None


class SpinalSurgery(_Strict):
    """The latest operation on the lumbar spine."""

    procedure: Literal["discectomy", "decompression", "fusion", "other"] | None = None
    level: SafeText(SHORT) | None = None
    weeks_ago: Annotated[int, Field(ge=0, le=5200)] | None = None


class History(_Strict):
    onset: Literal["sudden", "gradual"] | None = None
    mechanism: SafeText(HISTORY) | None = None
    duration_days: Annotated[int, Field(ge=0, le=36500)] | None = None
    prior_episodes: bool | None = None
    back_injury_history: bool | None = None
    sitting_hours_per_day: Annotated[float, Field(ge=0, le=24)] | None = None
    aggravating: _list_of(_V.aggravating) | None = None
    easing: _list_of(_V.easing) | None = None
    morning_stiffness_minutes: Annotated[int, Field(ge=0, le=1440)] | None = None
    spinal_surgery: SpinalSurgery | None = None
    pregnancy_weeks: Annotated[int, Field(ge=0, le=45)] | None = None
    postpartum_weeks: Annotated[int, Field(ge=0, le=52)] | None = None


Medical = create_model(
    "Medical", __base__=_Strict, **{flag: (bool | None, None) for flag in _V.medical_history}
)


class Symptoms(_Strict):
    pain_nrs: Annotated[int, Field(ge=0, le=10)] | None = None
    pain_sites: Regions | None = None
    pain_quality: Annotated[list[SafeText(40, 1)], Field(max_length=20)] | None = None  # free words by contract
    paresthesia_sites: Regions | None = None
    numbness_sites: Regions | None = None
    saddle_anaesthesia: bool | None = None
    bladder_dysfunction: bool | None = None
    bowel_dysfunction: bool | None = None
    sexual_dysfunction: bool | None = None
    progressive_weakness: bool | None = None
    no_comfortable_position: bool | None = None
    constant_night_pain: bool | None = None
    neurogenic_claudication: bool | None = None
    vascular_claudication: bool | None = None
    urinary_symptoms: bool | None = None
    colicky_pain: bool | None = None
    cyclical_pain: bool | None = None
    hand_clumsiness: bool | None = None


class Observation(_Strict):
    posture: _list_of(_V.postures) | None = None
    gait: _one_of(_V.gaits) | None = None
    leg_length_discrepancy: bool | None = None
    guarding: bool | None = None
    muscle_spasm: bool | None = None
    atrophy_sites: Regions | None = None


RomEntry = create_model(
    "RomEntry", __base__=_Strict, **{mode: (_one_of(_V.rom_values(mode)) | None, None) for mode in _V.rom_modes}
)

Rom = create_model(
    "Rom",
    __base__=_Strict,
    **{motion: (RomEntry | None, None) for motion in _V.rom_motions},
    flexion_deviation=(SideName | None, None),
)

SpecialTests = create_model(
    "SpecialTests",
    __base__=_Strict,
    **{
        test: ((SidedOrPlainResult if test in _V.sided_tests else TestResult) | None, None)
        for test in _V.special_tests
    },
)

Motor = create_model("Motor", __base__=_Strict, **{m: (SidedStrength | None, None) for m in _V.movements})
Reflexes = create_model("Reflexes", __base__=_Strict, **{r: (SidedReflex | None, None) for r in _V.reflexes})


class Sensory(_Strict):
    reduced: Regions | None = None
    absent: Regions | None = None


class Neuro(_Strict):
    motor: Motor | None = None  # type: ignore[valid-type]
    sensory: Sensory | None = None
    reflexes: Reflexes | None = None  # type: ignore[valid-type]
    vibration: SidedSensation | None = None  # at the great toe
    monofilament: SidedSensation | None = None  # 10 g monofilament on the sole


class Hip(_Strict):
    """Passive hip range in degrees (rotation with hip and knee bent to 90)."""

    internal_rotation_degrees: SidedDegrees | None = None
    flexion_degrees: SidedDegrees | None = None


class Circulation(_Strict):
    pedal_pulses: SidedPulse | None = None
    abpi: SidedIndex | None = None  # ankle-brachial pressure index, when measured
    cool_skin: SidedFlag | None = None


class Palpation(_Strict):
    hypertonic: Structures | None = None
    trigger_points: Structures | None = None
    tender: PalpationSites | None = None
    not_tender: PalpationSites | None = None  # examined and not tender
    reproduces_familiar_pain: Structures | None = None
    hypermobile_segments: bool | None = None
    pulsatile_abdominal_mass: bool | None = None


# The clinical criteria checklist for the dominant pain mechanism (Smart et al.
# 2012): criterion -> true | false; a criterion left out was not judged.
PainMechanismCriteria = create_model(
    "PainMechanismCriteria", __base__=_Strict, **{c: (bool | None, None) for c in _V.pain_mechanism_criteria}
)


class Case(_Strict):
    """One client's intake and examination."""

    id: SafeText(SHORT) | None = None
    client: Client | None = None
    history: History | None = None
    medical: Medical | None = None  # type: ignore[valid-type]
    symptoms: Symptoms | None = None
    observation: Observation | None = None
    rom: Rom | None = None  # type: ignore[valid-type]
    special_tests: SpecialTests | None = None  # type: ignore[valid-type]
    neuro: Neuro | None = None
    hip: Hip | None = None
    circulation: Circulation | None = None
    palpation: Palpation | None = None
    pain_mechanism_criteria: PainMechanismCriteria | None = None  # type: ignore[valid-type]

    def findings(self) -> dict[str, Any]:
        """The recorded findings as plain data, without the blocks that were not examined."""
        return self.model_dump(exclude_none=True)
