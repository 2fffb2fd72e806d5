"""Hypothesis strategies for valid cases, built from the vocabulary."""
from __future__ import annotations

from hypothesis import strategies as st

from backcare.clinical.vocabulary import vocabulary

V = vocabulary()
SIDE_KEYS = ("left", "right")


def _optional_block(fields: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional=fields)


def _side_map(values) -> st.SearchStrategy:
    return _optional_block({s: st.sampled_from(values) for s in SIDE_KEYS})


# Any text a person could type: no NUL and no lone surrogates (the case model refuses those).
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
regions = st.sampled_from(V.region_ids)
region_lists = st.lists(regions, max_size=5, unique=True)
results = ("positive", "negative")

cases = _optional_block({
    "id": texts,
    "client": _optional_block({"age": st.integers(0, 120), "sex": st.sampled_from(["female", "male", "other"])}),
    "history": _optional_block({
        "onset": st.sampled_from(["sudden", "gradual"]),
        "mechanism": texts,
        "duration_days": st.integers(0, 4000),
        "prior_episodes": st.booleans(),
        "back_injury_history": st.booleans(),
        "sitting_hours_per_day": st.integers(0, 24) | st.floats(0, 24),
        "aggravating": st.lists(st.sampled_from(list(V.aggravating)), max_size=4, unique=True),
        "easing": st.lists(st.sampled_from(list(V.easing)), max_size=3, unique=True),
        "morning_stiffness_minutes": st.integers(0, 240),
        "spinal_surgery": _optional_block({
            "procedure": st.sampled_from(["discectomy", "decompression", "fusion", "other"]),
            "level": texts,
            "weeks_ago": st.integers(0, 600),
        }),
        "pregnancy_weeks": st.integers(0, 42),
        "postpartum_weeks": st.integers(0, 52),
    }),
    "medical": _optional_block({flag: st.booleans() for flag in V.medical_history}),
    "symptoms": _optional_block({
        "pain_nrs": st.integers(0, 10),
        "pain_sites": region_lists,
        "pain_quality": st.lists(st.sampled_from(["deep", "sharp", "aching", "burning"]), max_size=2, unique=True),
        "paresthesia_sites": region_lists,
        "numbness_sites": region_lists,
        **{flag: st.booleans() for flag in (
            "saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction", "sexual_dysfunction",
            "progressive_weakness", "no_comfortable_position", "constant_night_pain", "neurogenic_claudication",
            "vascular_claudication", "urinary_symptoms", "colicky_pain", "cyclical_pain", "hand_clumsiness")},
    }),
    "observation": _optional_block({
        "posture": st.lists(st.sampled_from(list(V.postures)), max_size=2, unique=True),
        "gait": st.sampled_from(V.gaits),
        "leg_length_discrepancy": st.booleans(),
        "guarding": st.booleans(),
        "muscle_spasm": st.booleans(),
        "atrophy_sites": region_lists,
    }),
    "rom": _optional_block({
        **{m: _optional_block({mode: st.sampled_from(V.rom_values(mode)) for mode in V.rom_modes}) for m in V.rom_motions},
        "flexion_deviation": st.sampled_from(SIDE_KEYS),
    }),
    "special_tests": _optional_block({
        t: (st.sampled_from(results) | _side_map(results)) if t in V.sided_tests else st.sampled_from(results)
        for t in V.special_tests
    }),
    "neuro": _optional_block({
        "motor": _optional_block({m: _side_map(["normal", "weak"]) for m in V.movements}),
        "sensory": _optional_block({"reduced": region_lists, "absent": region_lists}),
        "reflexes": _optional_block({r: _side_map(["normal", "reduced", "absent", "brisk"]) for r in V.reflexes}),
        "vibration": _side_map(["normal", "reduced", "absent"]),
        "monofilament": _side_map(["normal", "reduced", "absent"]),
    }),
    "hip": _optional_block({
        "internal_rotation_degrees": _optional_block({s: st.integers(0, 60) for s in SIDE_KEYS}),
        "flexion_degrees": _optional_block({s: st.integers(60, 140) for s in SIDE_KEYS}),
    }),
    "circulation": _optional_block({
        "pedal_pulses": _side_map(["present", "reduced", "absent"]),
        "abpi": _optional_block({s: st.floats(0.3, 1.6) for s in SIDE_KEYS}),
        "cool_skin": _side_map([True, False]),
    }),
    "palpation": _optional_block({
        "hypertonic": st.lists(st.sampled_from(list(V.structures)), max_size=4, unique=True),
        "trigger_points": st.lists(st.sampled_from(list(V.structures)), max_size=3, unique=True),
        "tender": st.lists(st.sampled_from(list(V.structures) + list(V.landmarks)), max_size=3, unique=True),
        "not_tender": st.lists(st.sampled_from(list(V.structures) + list(V.landmarks)), max_size=3, unique=True),
        "reproduces_familiar_pain": st.lists(st.sampled_from(list(V.structures)), max_size=2, unique=True),
        "hypermobile_segments": st.booleans(),
        "pulsatile_abdominal_mass": st.booleans(),
    }),
    "pain_mechanism_criteria": _optional_block({c: st.booleans() for c in V.pain_mechanism_criteria}),
})

# The case format as issue 14 widened it (spinal surgery, pregnancy, the hip and circulation blocks,
# vibration, landmarks and familiar-pain trigger points): for the visit form, which must take all of it.
_NEW_SYMPTOMS = ("vascular_claudication", "urinary_symptoms", "colicky_pain", "cyclical_pain", "hand_clumsiness")
_sites = st.lists(st.sampled_from([*V.structures, *V.landmarks]), max_size=4, unique=True)
every_field_cases = st.tuples(cases, _optional_block({
    "history": _optional_block({
        "spinal_surgery": _optional_block({"procedure": st.sampled_from(["discectomy", "decompression", "fusion", "other"]),
                                           "level": texts, "weeks_ago": st.integers(0, 5200)}),
        "pregnancy_weeks": st.integers(0, 45), "postpartum_weeks": st.integers(0, 52)}),
    "symptoms": _optional_block({flag: st.booleans() for flag in _NEW_SYMPTOMS}),
    "neuro": _optional_block({"vibration": _side_map(["normal", "reduced", "absent"]),
                              "monofilament": _side_map(["normal", "reduced", "absent"])}),
    "hip": _optional_block({"internal_rotation_degrees": _optional_block({s: st.integers(0, 180) for s in SIDE_KEYS}),
                            "flexion_degrees": _optional_block({s: st.integers(0, 180) for s in SIDE_KEYS})}),
    "circulation": _optional_block({"pedal_pulses": _side_map(["present", "reduced", "absent"]),
                                    "abpi": _optional_block({s: st.floats(0, 3).map(lambda x: round(x, 2)) for s in SIDE_KEYS}),
                                    "cool_skin": _optional_block({s: st.booleans() for s in SIDE_KEYS})}),
    "palpation": _optional_block({"tender": _sites, "not_tender": _sites, "pulsatile_abdominal_mass": st.booleans(),
                                  "reproduces_familiar_pain": st.lists(st.sampled_from(list(V.structures)), max_size=3, unique=True)}),
})).map(lambda pair: _deep_merge(pair[0], pair[1]))


def _deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
