"""The dominant pain mechanism: nociceptive, peripheral neuropathic or nociplastic.

Each criterion of the clinical checklist (pain_mechanisms.yaml) that is known,
recorded by the therapist or derived from the rest of the case, multiplies the
odds of each mechanism by its factor; the three are then normalised, starting
from their shares in Smart et al. 2012. The verdict is null when too few
criteria are known or no mechanism reaches the knowledge base's threshold: a
mixed or thin picture is reported as such rather than forced.
"""
from __future__ import annotations

import math

from .context import Evaluation

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_SHOWN_EVIDENCE = 8


def judge(ctx: Evaluation) -> dict[str, Any]:
    kb = ctx.kb
    pm = kb.pain_mechanisms
    log_odds = dict(kb.mechanism_log_priors)
    known: list[tuple[tuple[str, bool, str], dict[str, float]]] = []
    checklist = ctx.case.get("pain_mechanism_criteria") or {}
    judged = ctx.criteria
    # Without a checklist only the derivable criteria can be known.
    for cid, rule, derive_absent, outcomes in kb.mechanism_table if checklist else kb.derivable_criteria:
        # The checklist's answer stands; derivation only where it is silent.
        value = checklist.get(cid)
        if value is not None:
            origin = "checklist"
        elif rule is None:
            judged[cid] = (None, None)  # not judged (Evaluation.criterion_with_origin)
            continue
        else:
            value = rule(ctx)
            if value is None or (value is False and not derive_absent):
                judged[cid] = (None, None)
                continue
            origin = "derived"
        judged[cid] = (value, origin)
        moves, factors = outcomes[value]
        for mechanism, log_factor in moves:
            log_odds[mechanism] += log_factor
        known.append(((cid, value, origin), factors))

    top = max(log_odds.values())
    weights = {m: math.exp(v - top) for m, v in log_odds.items()}
    total = sum(weights.values())
    shares = {m: w / total for m, w in weights.items()}
    leader = max(shares, key=lambda m: (shares[m], pm["prior"][m]))
    # Certainty follows how much of the leader's own cluster was judged.
    judged_share = _cluster_judged_share(ctx, leader)
    if judged_share < pm["min_cluster_judged"]:
        shares = {m: pm["prior"][m] + (p - pm["prior"][m]) * judged_share for m, p in shares.items()}
    probabilities = {m: math.floor(p * 1000) / 1000 for m, p in shares.items()}
    enough = (len(known) >= pm["min_criteria"] and probabilities[leader] >= pm["min_probability"]
              and judged_share >= pm["min_cluster_judged"])
    # Enough published clusters met in full is a mixed picture; the leader still dominates (the contract keeps
    # "no verdict" for too little recorded), and the evidence says the picture is mixed (pain_mechanisms.yaml).
    met = [m for m in pm["clusters"] if _cluster_met(ctx, m)]
    mixed = len(met) >= pm["mixed_when_clusters_met"]
    dominant = leader if enough else None
    ctx.dominant_mechanism = dominant

    views = kb.criterion_views
    evidence: list[str] = []
    if mixed:
        evidence.append("a mixed picture: the published clusters of " + " and ".join(m.replace("_", " ") for m in met)
                        + " are both met in full")
    if dominant is not None:
        evidence += _cluster_summary(ctx, dominant)
        # The criteria that separate the verdict most from the runner-up.
        runner_up = max((m for m in probabilities if m != dominant), key=lambda m: probabilities[m])
        scored = []
        for order, (view, factors) in enumerate(known):
            margin = factors.get(dominant, 0.0) - factors.get(runner_up, 0.0)
            if margin > 0:
                scored.append((-margin, order, views[view][1]))
        scored.sort()
        evidence += [text for _, _, text in scored[:_SHOWN_EVIDENCE]]
    elif known:
        evidence.append(f"{len(known)} criteria known; no mechanism clearly dominates")
        evidence += _cluster_summary(ctx, leader)
    return {
        "dominant": dominant,
        "probabilities": probabilities,
        "evidence": evidence,
        "criteria": [views[view][0] for view, _ in known],
    }


def _cluster_judged_share(ctx: Evaluation, mechanism: str) -> float:
    """The share of the criteria a mechanism's published cluster needs present
    that were judged (recorded or derived); the absent ones are often simply
    not asked about, so they do not count here."""
    cluster = ctx.kb.pain_mechanisms["clusters"].get(mechanism)
    if cluster is None:
        return 1.0
    ids = cluster["present"]
    return sum(ctx.criterion(cid) is not None for cid in ids) / len(ids)


def _cluster_met(ctx: Evaluation, mechanism: str) -> bool:
    """Whether every criterion of a mechanism's published cluster is as the cluster wants it."""
    cluster = ctx.kb.pain_mechanisms["clusters"].get(mechanism)
    if cluster is None:
        return False
    return (all(ctx.criterion(cid) is True for cid in cluster["present"])
            and all(ctx.criterion(cid) is False for cid in cluster["absent"]))


def _cluster_summary(ctx: Evaluation, mechanism: str) -> list[str]:
    """How much of the published cluster for the verdict is met, e.g. '3 of 4 criteria'."""
    cluster = ctx.kb.pain_mechanisms["clusters"].get(mechanism)
    if cluster is None:
        return []
    wanted = [(cid, True) for cid in cluster["present"]] + [(cid, False) for cid in cluster["absent"]]
    met = sum(ctx.criterion(cid) is want for cid, want in wanted)
    known = sum(ctx.criterion(cid) is not None for cid, _ in wanted)
    name = mechanism.replace("_", " ")
    return [f"{name} cluster (Smart 2012): {met} of {len(wanted)} criteria met, {len(wanted) - known} not judged"]
