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


class RootTables:
    """The neurological tables (neuro.yaml) arranged once per process for `_tallies`:
    per row its weights as (root, weight) pairs, the largest weight, the amounts and texts."""

    def __init__(self, neuro: dict[str, Any], region_sets: dict[str, frozenset]):
        strength = neuro["evidence_strength"]
        self.motor = [(movement, list(t["weights"].items()), max(t["weights"].values(), default=0.0),
                       strength["motor_weak" if t["key"] else "motor_weak_secondary"],
                       strength["normal_key_test"] if t["key"] else None, f"weak {words(movement)}, ", f"motor:{movement}")
                      for movement, t in neuro["myotomes"].items()]
        pattern = neuro["length_dependent"]
        self.reflexes = [(reflex, list(e["weights"].items()), max(e["weights"].values(), default=0.0),
                          reflex in pattern["reflexes"], words(reflex), f"reflex:{reflex}")
                         for reflex, e in neuro["reflexes"].items()]
        self.reflex_amounts = {g: strength[f"reflex_{g}"] for g in ("reduced", "absent")}
        self.normal_reflex = strength["normal_reflex"]
        self.stocking_finding = pattern["finding"]
        self.spared_regions = region_sets[pattern["region_set"]]
        # Per region kind: base -> (weights as pairs, the largest weight, the region in words, the sign).
        self.regions = {kind: {base: (list(e["weights"].items()), max(e["weights"].values(), default=0.0), words(base),
                                      f"{kind}:{base}")
                               for base, e in (neuro["atrophy"] if kind == "atrophy" else neuro["dermatomes"]).items()}
                        for kind in ("sensory_absent", "sensory_reduced", "atrophy", "numbness", "paresthesia", "pain")}
        self.amounts = {kind: strength[kind] for kind in self.regions}


def _tallies(ctx: Evaluation) -> dict[tuple[str, str], _Tally]:
    tables: RootTables = ctx.kb.root_tables
    tallies: dict[tuple[str, str], _Tally] = {}

    def add(pairs: list[tuple[str, float]], top: float, side: str, amount: float, objective: bool,
            note: str | None = None, sign: str | None = None) -> None:
        for root, weight in pairs:
            tally = tallies.get((root, side))
            if tally is None:
                tally = tallies[(root, side)] = _Tally()
            tally.score += weight * amount
            if amount > 0:
                if weight >= top:
                    tally.own += weight * amount
                tally.objective |= objective
                if objective and sign:
                    tally.signs.add(sign)
                if note:
                    tally.evidence.append(note)

    case_neuro = ctx.case.get("neuro") or {}
    # A stocking pattern explains the distal sensory loss and the ankle jerks lost on both sides.
    # It is looked up only for a finding it could explain (most cases have none): the look-up
    # evaluates a chain of findings before the kernel has run.
    stocking_known: list[bool] = []

    def stocking() -> bool:
        if not stocking_known:
            stocking_known.append(ctx.finding(tables.stocking_finding) is True)
        return stocking_known[0]

    spared_regions = tables.spared_regions
    # Walk the tables, not the case, so evidence comes out in one order whatever the input's key order.
    motor = case_neuro.get("motor")
    if motor:
        for movement, pairs, top, weak, normal, note, sign in tables.motor:
            by_side = motor.get(movement)
            if not by_side:
                continue
            for side in _SIDES:
                grade = by_side.get(side)
                if grade == "weak":
                    add(pairs, top, side, weak, True, note + side, sign)
                elif grade == "normal" and normal is not None:
                    add(pairs, top, side, normal, False)
    reflexes = case_neuro.get("reflexes")
    if reflexes:
        for reflex, pairs, top, in_pattern, name, sign in tables.reflexes:
            by_side = reflexes.get(reflex)
            if not by_side:
                continue
            if in_pattern and all(by_side.get(s) in ("reduced", "absent") for s in _SIDES) and stocking():
                continue
            for side in _SIDES:
                grade = by_side.get(side)
                if grade == "reduced" or grade == "absent":
                    add(pairs, top, side, tables.reflex_amounts[grade], True, f"{grade} {name} reflex, {side}", sign)
                elif grade == "normal":
                    add(pairs, top, side, tables.normal_reflex, False)

    sensory = case_neuro.get("sensory") or {}
    observation, symptoms = ctx.case.get("observation") or {}, ctx.case.get("symptoms") or {}
    region_sources = [
        ("sensory_absent", sensory.get("absent"), True, "absent sensation"),
        ("sensory_reduced", sensory.get("reduced"), True, "reduced sensation"),
        ("atrophy", observation.get("atrophy_sites"), True, "muscle wasting"),
        ("numbness", symptoms.get("numbness_sites"), False, "numbness"),
        ("paresthesia", symptoms.get("paresthesia_sites"), False, "pins and needles"),
        ("pain", symptoms.get("pain_sites"), False, "pain"),
    ]
    split_region = ctx.kb.split_region
    for kind, regions, objective, title in region_sources:
        if not regions:
            continue
        table, amount = tables.regions[kind], tables.amounts[kind]
        spared = spared_regions if kind != "atrophy" else frozenset()  # regions a stocking pattern may explain
        # Several regions of one dermatome are one finding: the first counts in
        # full, each further region only a quarter.
        seen: dict[tuple[str, str], int] = {}
        for region in regions:
            base, side = split_region(region)
            entry = table.get(base)
            if entry is None or side is None or (base in spared and stocking()):
                continue
            pairs, top, region_words, sign = entry
            for root, weight in pairs:
                key = (root, side)
                n = seen.get(key, 0)
                seen[key] = n + 1
                scaled = amount * (1.0 if n == 0 else 0.25)
                tally = tallies.get(key)
                if tally is None:
                    tally = tallies[key] = _Tally()
                tally.score += weight * scaled
                if scaled > 0:
                    tally.own += weight * scaled
                    tally.objective |= objective
                    if objective:
                        tally.signs.add(sign)
                    tally.regions.setdefault(title, []).append(region_words)
                if weight < top:  # a region shared with a root that dominates it is not this root's own sign
                    tally.own -= weight * scaled
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
