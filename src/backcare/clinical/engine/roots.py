"""Nerve-root localisation from the neurological examination.

Each finding adds weight to the roots the neurological tables (neuro.yaml) give
for it, on its side; a normal result of a root's own test takes a little away.
A root is reported only when at least one objective examination finding
(weakness, reflex change, sensory loss, wasting) points to it, its total
reaches the threshold, and so do the findings it dominates (where it carries
the largest weight): symptoms alone never name a root, and a neighbour carried
only by shared signs is explained by the root that dominates them. The same root on both
sides is reported once, as bilateral.
"""
from __future__ import annotations

import math
# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .context import Evaluation, words

_SIDES = ("left", "right")


class _Tally:
    __slots__ = ("score", "own", "objective", "signs", "evidence", "regions")

    def __init__(self) -> None:
        self.score = 0.0
        self.own = 0.0  # from findings where this root carries the largest weight
        self.objective = False
        self.signs: set[str] = set()  # the objective findings that point here
        self.evidence: list[str] = []
        self.regions: dict[str, list[str]] = {}


def _tallies(ctx: Evaluation) -> dict[tuple[str, str], _Tally]:
    neuro, strength = ctx.kb.neuro, ctx.kb.neuro["evidence_strength"]
    tallies: dict[tuple[str, str], _Tally] = {}

    def add(weights: dict[str, float], side: str, amount: float, objective: bool, note: str | None = None,
            region_kind: str | None = None, region: str | None = None, sign: str | None = None) -> None:
        top = max(weights.values(), default=0.0)
        for root, weight in weights.items():
            tally = tallies.setdefault((root, side), _Tally())
            tally.score += weight * amount
            if amount > 0 and weight >= top:
                tally.own += weight * amount
            if amount > 0:
                tally.objective |= objective
                if objective and sign:
                    tally.signs.add(sign)
                if note:
                    tally.evidence.append(note)
                if region_kind:
                    tally.regions.setdefault(region_kind, []).append(region)

    case_neuro = ctx.case.get("neuro") or {}
    # A stocking pattern explains the distal sensory loss and the ankle jerks lost on both sides.
    pattern = neuro["length_dependent"]
    stocking = ctx.finding(pattern["finding"]) is True
    spared_regions = ctx.kb.region_sets[pattern["region_set"]] if stocking else frozenset()
    # Walk the tables, not the case, so evidence comes out in one order whatever the input's key order.
    motor = case_neuro.get("motor") or {}
    for movement, table in neuro["myotomes"].items():
        by_side = motor.get(movement)
        for side in _SIDES:
            grade = (by_side or {}).get(side)
            if grade == "weak":
                amount = strength["motor_weak" if table["key"] else "motor_weak_secondary"]
                add(table["weights"], side, amount, True, f"weak {words(movement)}, {side}", sign=f"motor:{movement}")
            elif grade == "normal" and table["key"]:
                add(table["weights"], side, strength["normal_key_test"], False)
    reflexes = case_neuro.get("reflexes") or {}
    for reflex, entry in neuro["reflexes"].items():
        by_side, weights = reflexes.get(reflex), entry["weights"]
        if stocking and reflex in pattern["reflexes"] and all(
                (by_side or {}).get(s) in ("reduced", "absent") for s in _SIDES):
            continue
        for side in _SIDES:
            grade = (by_side or {}).get(side)
            if grade in ("reduced", "absent"):
                add(weights, side, strength[f"reflex_{grade}"], True, f"{grade} {words(reflex)} reflex, {side}",
                    sign=f"reflex:{reflex}")
            elif grade == "normal":
                add(weights, side, strength["normal_reflex"], False)

    region_sources = [
        ("sensory_absent", (case_neuro.get("sensory") or {}).get("absent"), True, "absent sensation"),
        ("sensory_reduced", (case_neuro.get("sensory") or {}).get("reduced"), True, "reduced sensation"),
        ("atrophy", (ctx.case.get("observation") or {}).get("atrophy_sites"), True, "muscle wasting"),
        ("numbness", (ctx.case.get("symptoms") or {}).get("numbness_sites"), False, "numbness"),
        ("paresthesia", (ctx.case.get("symptoms") or {}).get("paresthesia_sites"), False, "pins and needles"),
        ("pain", (ctx.case.get("symptoms") or {}).get("pain_sites"), False, "pain"),
    ]
    for kind, regions, objective, title in region_sources:
        table = neuro["atrophy"] if kind == "atrophy" else neuro["dermatomes"]
        amount = strength["atrophy" if kind == "atrophy" else kind]
        # Several regions of one dermatome are one finding: the first counts in
        # full, each further region only a quarter.
        seen: dict[tuple[str, str], int] = {}
        for region in regions or ():
            base, side = ctx.kb.split_region(region)
            entry = table.get(base)
            if entry is None or side is None or (base in spared_regions and kind != "atrophy"):
                continue
            top = max(entry["weights"].values(), default=0.0)
            for root, weight in entry["weights"].items():
                n = seen.get((root, side), 0)
                seen[(root, side)] = n + 1
                scaled = amount * (1.0 if n == 0 else 0.25)
                add({root: weight}, side, scaled, objective, region_kind=title, region=words(base), sign=f"{kind}:{base}")
                if weight < top:  # a region shared with a root that dominates it is not this root's own sign
                    tallies[(root, side)].own -= weight * scaled
    return tallies


def _confidence(score: float, competitor: float, cap: float) -> float:
    specificity = score / (score + max(competitor, 0.0))
    return round(cap * (1.0 - math.exp(-score / 1.5)) * specificity, 2)


def localise(ctx: Evaluation) -> list[dict[str, Any]]:
    """Implicated roots, most certain first, and the engine facts derived from them."""
    neuro = ctx.kb.neuro
    tallies = _tallies(ctx)
    found: dict[str, dict[str, Any]] = {}
    accepted: dict[str, list[set[str]]] = {"left": [], "right": []}
    # A root needs an objective sign, enough evidence in all, and enough of its
    # own: signs it shares with a neighbour that dominates them are explained by
    # that neighbour (quadriceps weakness with an L3 dermatome is L3, not also L4).
    threshold = neuro["threshold"]
    candidates = [(key, t) for key, t in tallies.items() if t.objective and t.score >= threshold and t.own >= threshold]
    # Strongest first, so that a weaker neighbour is judged against it.
    candidates.sort(key=lambda kv: -kv[1].score)
    for (root, side), tally in candidates:
        # Parsimony: a root whose every objective sign a stronger reported root
        # on that side also explains adds nothing (weak dorsiflexion beside weak
        # great toe extension and an L5 dermatome is L5, not L5 and L4).
        if any(tally.signs <= signs for signs in accepted[side]):
            continue
        accepted[side].append(tally.signs)
        competitor = max((t.score for (r, s), t in tallies.items() if s == side and r != root), default=0.0)
        evidence = list(dict.fromkeys(tally.evidence))
        for kind, regions in tally.regions.items():
            evidence.append(f"{kind}: {', '.join(dict.fromkeys(regions))}, {side}")
        item = {"root": root, "side": side, "confidence": _confidence(tally.score, competitor, neuro["max_confidence"]),
                "evidence": evidence}
        if root in found:  # the same root on the other side
            other = found[root]
            other["side"] = "bilateral"
            other["confidence"] = round(min(other["confidence"], item["confidence"]), 2)
            other["evidence"] += item["evidence"]
        else:
            found[root] = item

    examined = any((ctx.case.get("neuro") or {}).get(k) for k in ("motor", "reflexes", "sensory"))
    ctx.engine_facts["nerve_root_found"] = True if found else (False if examined else None)
    ctx.engine_facts["nerve_root_bilateral"] = (
        any(r["side"] == "bilateral" for r in found.values()) if found else ctx.engine_facts["nerve_root_found"]
    )
    # Root-pattern deficits in both legs: two or more objective signs on each
    # side (a weak movement, a reflex change, sensory loss, wasting). One
    # movement a little weak on both sides is not that.
    if examined:
        signs_by_side: dict[str, set[str]] = {"left": set(), "right": set()}
        for (_, side), tally in tallies.items():
            signs_by_side[side].update(tally.signs)
        ctx.engine_facts["bilateral_deficit_signs"] = all(len(signs) >= 2 for signs in signs_by_side.values())
    else:
        ctx.engine_facts["bilateral_deficit_signs"] = None
    order = ctx.kb.neuro_root_order
    return sorted(found.values(), key=lambda r: (-r["confidence"], order.index(r["root"])))
