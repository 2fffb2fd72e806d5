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

from .context import Evaluation

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_SHOWN_EVIDENCE = 8


def rank(ctx: Evaluation) -> list[dict[str, Any]]:
    kb = ctx.kb
    moves = kb.kernel.moves
    conditions = moves.conditions
    # The findings kernel (kernel.py) has added every known finding's likelihood ratios.
    log_odds = ctx.log_odds
    top = max(log_odds)
    weights = [math.exp(v - top) for v in log_odds]
    total = sum(weights)
    probabilities = dict(zip(conditions, [math.floor(w / total * 1000) / 1000 for w in weights]))
    ctx.probabilities = probabilities
    # A condition that coexists with others is also judged on its own odds (its
    # prior is a probability, so prior odds times its LRs): the plan and the
    # precautions use the larger of that and its share.
    ctx.likelihood = likelihood = dict(probabilities)
    beside = []
    log_lrs = moves.log_lrs
    for cid, number, own_offset, contributor, ignored in kb.coexisting_odds:
        # log(prior) + sum of log LRs, turned into the posterior log odds (runtime.py); from the prior of
        # contributing when a finding that defines it as a contributor holds (conditions.yaml contributor_when).
        if contributor is not None and any(ctx.finding(fid) is True for fid in contributor[1]):
            own_offset = contributor[0]
        own_log_odds = log_odds[number] + own_offset
        if ignored:  # findings that only say it is not the leading cause (conditions.yaml own_odds_ignore)
            own_log_odds -= sum(log_lrs[m] for m in ctx.moves[number] if m in ignored)
        own = 1.0 / (1.0 + math.exp(-own_log_odds))
        if own > probabilities[cid]:
            likelihood[cid] = round(own, 3)
        if likelihood[cid] >= _BESIDE:
            beside.append(cid)

    # Most likely first; between equals, the larger prior, then knowledge-base order (a stable
    # sort of the conditions already in that order).
    order = [conditions[i] for i in sorted(kb.conditions_by_prior, key=weights.__getitem__, reverse=True)]
    flagged = set(ctx.flagged_conditions)
    referred = ctx.referred_conditions
    if beside or referred:
        beside = [c for c in order if c not in flagged and (c in referred or c in beside)]
    # What an emergency is for leads the list; so does the one condition an urgent referral is for.
    leading = ctx.emergency_conditions or (ctx.urgent_conditions if len(flagged) == 1 else [])
    order = _emergency_first(_flagged_in_top_three(_beside_in_top_three(order, beside), flagged, beside, referred),
                             leading)
    number_of, templates, applied_moves = kb.condition_number, kb.differential_items, ctx.moves
    text_of, record_of = moves.texts.__getitem__, moves.records.__getitem__
    out = []
    for cid in order:
        number = number_of[cid]
        applied = applied_moves[number]
        item = templates[number].copy()  # the condition's facts, in the answer's key order
        item["probability"] = probabilities[cid]
        if applied:
            applied.sort()  # move numbers: most informative first, then knowledge-base order
            shown = list(map(text_of, applied[:_SHOWN_EVIDENCE]))
            item["likelihood_ratios"] = list(map(record_of, applied))
        else:
            shown = []
            item["likelihood_ratios"] = []
        if cid in flagged:
            item["evidence"] = [_FLAGGED, *shown]
            item["flagged"] = True
        elif cid in referred:
            item["evidence"] = [_REFERRED, *shown]
        elif cid in beside:
            item["evidence"] = [_beside(likelihood[cid]), *shown]
        else:
            item["evidence"] = shown
        out.append(item)
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


def _flagged_in_top_three(order: list[str], flagged: set[str], beside: list[str], referred: list[str]) -> list[str]:
    """One verdict: a condition the safety screen flags is never ranked below third.

    Its red-flag findings already weigh in with their likelihood ratios; this
    only guarantees that the list under a referral names what the referral is
    for, in probability order within the first three. The room left goes first
    to what a referral rule names, then to the leading cause (a condition
    "likely beside the leading cause" never shows without it), then to what
    coexists (`beside`), then by share.
    """
    flagged_order = [c for c in order if c in flagged]
    if all(c in order[:3] for c in flagged_order):
        return order
    room = max(3 - len(flagged_order), 0)
    rest = [c for c in order if c not in flagged]
    named = [c for c in rest if c in referred]
    leader = [c for c in rest[:1] if c not in named]
    rest = named + leader + [c for c in rest if c in beside and c not in named and c not in leader] + [
        c for c in rest if c not in beside and c not in named and c not in leader]
    head_ids = set(flagged_order) | set(rest[:room])
    head = [c for c in order if c in head_ids]
    return head + [c for c in order if c not in head_ids]
