"""Safety first: the red-flag screen and the referral it calls for.

Every rule in red_flags.yaml is checked; the referral takes the highest urgency
of the rules that hold. A rule whose findings are unknown does not fire, so the
screen can only be as good as the examination: the text output says which
screening questions were not asked.
"""
from __future__ import annotations

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .context import Evaluation
from .predicates import URGENCY_LEVELS

def _weighed(ctx: Evaluation, rule: dict[str, Any]) -> tuple[int, list[str]]:
    """The rule's urgency in context, and the context findings to show with it.

    A rule may name findings that raise concern and findings that lower it
    (red_flags.yaml, with their sources). Concern is lowered only when a lowering
    finding holds and no raising one does; an unrecorded finding lowers nothing.
    """
    raised = [f for f in rule["raised_by"] if ctx.finding(f) is True]
    lowered = [f for f in rule["lowered_by"] if ctx.finding(f) is True]
    notes = [f"{ctx.label(f)} (raises concern)" for f in raised]
    if lowered and not raised:
        notes += [f"{ctx.label(f)} (lowers concern)" for f in lowered]
        return URGENCY_LEVELS.index(rule["lowered_to"]), notes
    return URGENCY_LEVELS.index(rule["urgency"]), notes


def screen(ctx: Evaluation) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    flags: dict[str, dict[str, Any]] = {}
    reasons: list[tuple[int, str]] = []
    level = 0
    for rule, predicate, refs in ctx.kb.referral_rules:
        if predicate(ctx) is not True:
            continue
        rule_level, context = _weighed(ctx, rule)
        level = max(level, rule_level)
        evidence = ctx.evidence(refs) + context
        flag_id = rule["red_flag"]
        if flag_id is None:
            reasons.append((rule_level, f"{rule['reason']} ({'; '.join(evidence)})"))
            continue
        flag = flags.get(flag_id)
        if flag is None:
            flag = flags[flag_id] = {"id": flag_id, "urgency": URGENCY_LEVELS[rule_level], "evidence": [],
                                     "tell_client": ctx.kb.red_flags[flag_id]["tell_client"]}
        elif rule_level > URGENCY_LEVELS.index(flag["urgency"]):
            flag["urgency"] = URGENCY_LEVELS[rule_level]
        flag["evidence"] = list(dict.fromkeys(flag["evidence"] + evidence))

    for flag in flags.values():
        reasons.append((URGENCY_LEVELS.index(flag["urgency"]),
                        f"suspected {flag['id'].replace('_', ' ')}: {'; '.join(flag['evidence'])}"))
    ctx.urgency_level = level
    ctx.flagged_conditions = [
        condition for flag in flags.values() if (condition := ctx.kb.red_flags[flag["id"]]["condition"])
    ]
    ordered_flags = sorted(flags.values(), key=lambda f: -URGENCY_LEVELS.index(f["urgency"]))
    referral = {
        "urgency": URGENCY_LEVELS[level],
        "reasons": [text for _, text in sorted(reasons, key=lambda r: -r[0])],
        "tell_client": ordered_flags[0]["tell_client"] if ordered_flags else (ctx.kb.routine_advice if level else None),
        "not_asked": [q for q in ctx.kb.screening_questions if (ctx.case.get("symptoms") or {}).get(q) is None],
    }
    return referral, ordered_flags
