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

    known, evaluate = ctx.known_findings, ctx.finding
    for fid, by_outcome in kb.weighted_findings:
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
    for cid in _flagged_in_top_three(order, flagged):
        moves = applied[cid]
        moves.sort(reverse=True)  # most informative first, then knowledge-base order
        shown = [m[2] for m in moves[:_SHOWN_EVIDENCE]]
        out.append({
            "condition": cid,
            "probability": probabilities[cid],
            "evidence": [_FLAGGED, *shown] if cid in flagged else shown,
            **facts[cid],
            "flagged": cid in flagged,
            "likelihood_ratios": [m[3] for m in moves],
        })
    return out


_FLAGGED = "flagged by the safety screen"


def _flagged_in_top_three(order: list[str], flagged: set[str]) -> list[str]:
    """One verdict: a condition the safety screen flags is never ranked below third.

    Its red-flag findings already weigh in with their likelihood ratios; this
    only guarantees that the list under a referral names what the referral is
    for, in probability order within the first three.
    """
    flagged_order = [c for c in order if c in flagged]
    if all(c in order[:3] for c in flagged_order):
        return order
    room = max(3 - len(flagged_order), 0)
    head_ids = set(flagged_order) | set([c for c in order if c not in flagged][:room])
    head = [c for c in order if c in head_ids]
    return head + [c for c in order if c not in head_ids]
