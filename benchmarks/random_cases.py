"""Seeded random valid cases for benchmarks (plain `random`, reproducible)."""
from __future__ import annotations

import random

from backcare.clinical.vocabulary import vocabulary

V = vocabulary()


def _maybe(rng: random.Random, p: float = 0.6) -> bool:
    return rng.random() < p


def _some(rng: random.Random, items, k: int) -> list:
    items = list(items)
    return rng.sample(items, rng.randint(0, min(k, len(items))))


def _sided(rng: random.Random, values) -> dict:
    return {s: rng.choice(values) for s in ("left", "right") if _maybe(rng, 0.8)}


def random_case(rng: random.Random) -> dict:
    case: dict = {}
    if _maybe(rng, 0.9):
        case["client"] = {"age": rng.randint(16, 95), "sex": rng.choice(["female", "male", "other"])}
    if _maybe(rng, 0.9):
        case["history"] = {
            "onset": rng.choice(["sudden", "gradual"]), "duration_days": rng.randint(1, 2000),
            "sitting_hours_per_day": rng.randint(0, 12), "prior_episodes": _maybe(rng, 0.5),
            "aggravating": _some(rng, V.aggravating, 4), "easing": _some(rng, V.easing, 3),
        }
    if _maybe(rng, 0.7):
        case["medical"] = {flag: _maybe(rng, 0.08) for flag in _some(rng, V.medical_history, 6)}
    case["symptoms"] = {
        "pain_nrs": rng.randint(0, 10), "pain_sites": _some(rng, V.region_ids, 5),
        "paresthesia_sites": _some(rng, V.region_ids, 3),
        **{flag: _maybe(rng, 0.03) for flag in ("saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction",
                                                "progressive_weakness", "constant_night_pain", "neurogenic_claudication")},
    }
    if _maybe(rng):
        case["observation"] = {"posture": _some(rng, V.postures, 2), "gait": rng.choice(V.gaits),
                               "muscle_spasm": _maybe(rng, 0.4), "guarding": _maybe(rng, 0.3)}
    if _maybe(rng):
        case["rom"] = {m: {"active": rng.choice(V.rom_values("active"))} for m in _some(rng, V.rom_motions, 4)}
    if _maybe(rng):
        case["special_tests"] = {
            t: (_sided(rng, ["positive", "negative"]) if t in V.sided_tests else rng.choice(["positive", "negative"]))
            for t in _some(rng, V.special_tests, 6)
        }
    if _maybe(rng):
        case["neuro"] = {
            "motor": {m: _sided(rng, ["normal", "normal", "weak"]) for m in _some(rng, V.movements, 5)},
            "reflexes": {r: _sided(rng, ["normal", "normal", "reduced", "absent"]) for r in _some(rng, V.reflexes, 4)},
            "sensory": {"reduced": _some(rng, V.region_ids, 2)},
        }
    if _maybe(rng):
        case["palpation"] = {"hypertonic": _some(rng, V.structures, 4), "trigger_points": _some(rng, V.structures, 2)}
    return case
