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
# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .context import Evaluation

_SHOWN_EVIDENCE = 8


def rank(ctx: Evaluation) -> list[dict[str, Any]]:
    conditions = ctx.kb.conditions
    log_odds = {cid: math.log(c["prior"]) for cid, c in conditions.items()}
    applied: dict[str, list[tuple[float, str, bool]]] = {cid: [] for cid in conditions}
    strongest: dict[tuple[str, str], tuple[float, str, bool]] = {}

    for fid, finding, moves in ctx.kb.weighted_findings:
        value = ctx.finding(fid)
        if value is None:
            continue
        for cid, move in moves:
            lr = move["present"] if value else move["absent"]
            if lr == 1.0:
                continue
            group = move["group"] or finding["group"]
            if group is None:
                applied[cid].append((lr, fid, value))
                continue
            best = strongest.get((cid, group))
            if best is None or abs(math.log(lr)) > abs(math.log(best[0])):
                strongest[(cid, group)] = (lr, fid, value)
    for (cid, _group), entry in strongest.items():
        applied[cid].append(entry)

    for cid, moves in applied.items():
        log_odds[cid] += sum(math.log(lr) for lr, _, _ in moves)
    top = max(log_odds.values())
    weights = {cid: math.exp(v - top) for cid, v in log_odds.items()}
    total = sum(weights.values())
    probabilities = {cid: math.floor(w / total * 1000) / 1000 for cid, w in weights.items()}
    ctx.probabilities = probabilities

    ranked = sorted(conditions, key=lambda cid: (-weights[cid], -conditions[cid]["prior"]))
    out = []
    for cid in ranked:
        moves = sorted(applied[cid], key=lambda m: -abs(math.log(m[0])))
        out.append({
            "condition": cid,
            "probability": probabilities[cid],
            "evidence": [f"{ctx.label(fid, present)} (x{lr:g})" for lr, fid, present in moves[:_SHOWN_EVIDENCE]],
            "name": conditions[cid]["name"],
            "serious": conditions[cid]["serious"],
            "prior": conditions[cid]["prior"],
            "codes": {"icd10": conditions[cid]["icd10"], "snomed": conditions[cid]["snomed"]},
            "likelihood_ratios": [{"finding": fid, "present": present, "lr": lr} for lr, fid, present in moves],
        })
    return out
