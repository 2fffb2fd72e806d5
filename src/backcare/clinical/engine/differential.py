"""The ranked differential: Bayesian updating of pre-test probabilities.

Each condition starts from its prior (conditions.yaml). Every finding that is
known moves it by its likelihood ratio: LR+ when present, LR- when absent
(findings.yaml). Findings of one group measure the same thing, so per condition
only the group's most informative finding counts. The resulting odds are
normalised over all conditions, so the probabilities read as "the share of
belief that this is the leading explanation" and sum to at most 1 (they are
rounded down).
"""
from __future__ import annotations

import math

from .context import MISSING, Evaluation

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_SHOWN_EVIDENCE = 8


def rank(ctx: Evaluation) -> list[dict[str, Any]]:
    kb = ctx.kb
    log_odds = dict(kb.log_priors)
    # condition -> [(|log LR|, -order, evidence text, likelihood-ratio record)]
    applied: dict[str, list[tuple[float, int, tuple]]] = {cid: [] for cid in log_odds}
    strongest: dict[tuple[str, str], tuple[float, tuple, float]] = {}

    known, evaluate, weighted = ctx.known_findings, ctx.finding, kb.weighted_findings
    for position in kb.weighted_index.relevant(ctx.recorded):
        fid, by_outcome = weighted[position]
        value = known.get(fid, MISSING)
        if value is MISSING:
            value = evaluate(fid)
        if value is None:
            continue
        ungrouped, grouped = by_outcome[value]
        for cid, log_lr, entry in ungrouped:
            log_odds[cid] += log_lr
            applied[cid].append(entry)
        for key, size, entry, log_lr in grouped:
            best = strongest.get(key)
            if best is None or size > best[0]:
                strongest[key] = (size, entry, log_lr)
    for (cid, _group), (_size, entry, log_lr) in strongest.items():
        log_odds[cid] += log_lr
        applied[cid].append(entry)

    top = max(log_odds.values())
    weights = {cid: math.exp(v - top) for cid, v in log_odds.items()}
    total = sum(weights.values())
    probabilities = {cid: math.floor(w / total * 1000) / 1000 for cid, w in weights.items()}
    ctx.probabilities = probabilities
    # A condition that coexists with others is also judged on its own odds (its
    # prior is a probability, so prior odds times its LRs): the plan and the
    # precautions use the larger of that and its share.
    ctx.likelihood = dict(probabilities)
    for cid in kb.coexisting:
        # log(prior) + sum of log LRs, minus log(1 - prior): the posterior log odds.
        own = 1.0 / (1.0 + math.exp(-(log_odds[cid] - math.log1p(-kb.condition_facts[cid]["prior"]))))
        if own > probabilities[cid]:
            ctx.likelihood[cid] = round(own, 3)

    facts = kb.condition_facts
    order = sorted(weights, key=lambda c: (-weights[c], -facts[c]["prior"]))
    flagged = set(ctx.flagged_conditions)
    out = []
    beside = [c for c in order if c not in flagged and (c in ctx.referred_conditions
                                                       or (c in kb.coexisting and ctx.likelihood[c] >= _BESIDE))]
    order = _emergency_first(_flagged_in_top_three(_beside_in_top_three(order, beside), flagged, beside), ctx.emergency_conditions)
    for cid in order:
        moves = applied[cid]
        moves.sort(reverse=True)  # most informative first, then knowledge-base order
        shown = [m[2] for m in moves[:_SHOWN_EVIDENCE]]
        note = ([_FLAGGED] if cid in flagged else [_REFERRED] if cid in ctx.referred_conditions
                else [_beside(ctx.likelihood[cid])] if cid in beside else [])
        out.append({
            "condition": cid,
            "probability": probabilities[cid],
            "evidence": [*note, *shown],
            **facts[cid],
            "flagged": cid in flagged,
            "likelihood_ratios": [m[3] for m in moves],
        })
    return out


_FLAGGED = "flagged by the safety screen"
_REFERRED = "the referral is for this"
# A condition that coexists with others and is this likely on its own odds is
# ranked in the first three beside the leading cause (mimics.md 16.5).
_BESIDE = 0.3


def _beside(own: float) -> str:
    return f"likely beside the leading cause: {round(own * 100)} % on its own findings"


def _beside_in_top_three(order: list[str], beside: list[str]) -> list[str]:
    """Two causes that coexist are both shown: a likely second cause joins the first
    three (after the leader), in order of its share."""
    if not beside or all(c in order[:3] for c in beside):
        return order
    head = order[:1] + [c for c in beside if c != order[0]][:2]
    head += [c for c in order if c not in head][: max(0, 3 - len(head))]
    return head + [c for c in order if c not in head]


def _emergency_first(order: list[str], emergencies: list[str]) -> list[str]:
    """Under an emergency referral the list leads with what the emergency is for
    (cauda equina, a ruptured aneurysm...), whatever its share of belief: one verdict."""
    head = [c for c in order if c in emergencies]
    return head + [c for c in order if c not in emergencies] if head else order


def _flagged_in_top_three(order: list[str], flagged: set[str], beside: list[str]) -> list[str]:
    """One verdict: a condition the safety screen flags is never ranked below third.

    Its red-flag findings already weigh in with their likelihood ratios; this
    only guarantees that the list under a referral names what the referral is
    for, in probability order within the first three. The room left goes first
    to what a referral rule names or what coexists (`beside`), then by share.
    """
    flagged_order = [c for c in order if c in flagged]
    if all(c in order[:3] for c in flagged_order):
        return order
    room = max(3 - len(flagged_order), 0)
    rest = [c for c in order if c not in flagged]
    rest = [c for c in rest if c in beside] + [c for c in rest if c not in beside]
    head_ids = set(flagged_order) | set(rest[:room])
    head = [c for c in order if c in head_ids]
    return head + [c for c in order if c not in head_ids]
