"""Safety first: the red-flag screen and the referral it calls for.

Every rule in red_flags.yaml is checked; the referral takes the highest urgency
of the rules that hold, and goes to that rule's destination. A rule whose
findings are unknown does not fire, so the screen can only be as good as the
examination: the text output says which screening questions were not asked.
After the differential, a condition that is likely enough and calls for a
referral of its own (conditions.yaml) can raise it (`refer_conditions`).
"""
from __future__ import annotations

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .context import Evaluation
from .predicates import URGENCY_LEVELS

# When rules of the same urgency name different doors, the more specific one
# wins: the team that operated knows the operation, the maternity team the pregnancy.
_DOOR_PRECEDENCE = ("emergency_department", "surgical_team", "obstetric_care", "family_doctor",
                    "physiotherapist", "chiropractor")


def default_destination(level: int) -> str | None:
    if level == 0:
        return None
    return "emergency_department" if URGENCY_LEVELS[level] == "emergency" else "family_doctor"


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


class _Doors:
    """The destinations named by the rules that set the current urgency."""

    def __init__(self) -> None:
        self.level = 0
        self.named: set[str] = set()

    def add(self, level: int, to: str | None) -> None:
        door = to or default_destination(level)
        if level > self.level:
            self.level, self.named = level, {door}
        elif level == self.level and level > 0:
            self.named.add(door)

    def destination(self) -> str | None:
        if self.level == 0:
            return None
        return min(self.named, key=_DOOR_PRECEDENCE.index)


def screen(ctx: Evaluation) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    flags: dict[str, dict[str, Any]] = {}
    reasons: list[tuple[int, str]] = []
    doors = _Doors()
    emergencies: list[str] = []  # what a rule without a flag calls an emergency for (acute limb ischaemia...)
    rules = ctx.kb.referral_rules
    holding = ctx.holding["referral"]  # found by the findings kernel
    dynamic = ctx.kb.kernel.dynamic["referral"]
    if dynamic:  # rules that read the engine's later conclusions, if the knowledge base has any
        holding = sorted(holding + [p for p in dynamic if ctx.kb.referral_checks[p](ctx) is True])
    for position in holding:
        rule, refs = rules[position]
        rule_level, context = _weighed(ctx, rule)
        doors.add(rule_level, rule["to"])
        evidence = ctx.evidence(refs) + context
        flag_id = rule["red_flag"]
        if flag_id is None:
            reasons.append((rule_level, f"{rule['reason']} ({'; '.join(evidence)})"))
            if rule["condition"]:
                ctx.referred_conditions.append(rule["condition"])
                if URGENCY_LEVELS[rule_level] == "emergency":
                    emergencies.append(rule["condition"])
            continue
        flag = flags.get(flag_id)
        if flag is None:
            flag = flags[flag_id] = {"id": flag_id, "urgency": URGENCY_LEVELS[rule_level], "evidence": []}
        elif rule_level > URGENCY_LEVELS.index(flag["urgency"]):
            flag["urgency"] = URGENCY_LEVELS[rule_level]
        flag["evidence"] = list(dict.fromkeys(flag["evidence"] + evidence))

    for flag in flags.values():
        flag["tell_client"] = _advice(ctx, flag["id"], flag["urgency"])
        reasons.append((URGENCY_LEVELS.index(flag["urgency"]),
                        f"suspected {flag['id'].replace('_', ' ')}: {'; '.join(flag['evidence'])}"))
    ctx.urgency_level = doors.level
    ctx.referral_doors = doors
    ctx.flagged_conditions = [
        condition for flag in flags.values() if (condition := ctx.kb.red_flags[flag["id"]]["condition"])
    ]
    ctx.urgent_conditions = [
        condition for flag in flags.values()
        if flag["urgency"] == "urgent" and (condition := ctx.kb.red_flags[flag["id"]]["condition"])
    ]
    ctx.emergency_conditions = [
        condition for flag in flags.values()
        if flag["urgency"] == "emergency" and (condition := ctx.kb.red_flags[flag["id"]]["condition"])
    ] + emergencies
    ordered_flags = sorted(flags.values(), key=lambda f: -URGENCY_LEVELS.index(f["urgency"]))
    referral = {
        "urgency": URGENCY_LEVELS[doors.level],
        "to": doors.destination(),
        "reasons": [text for _, text in sorted(reasons, key=lambda r: -r[0])],
        "tell_client": _referral_advice(ctx, ordered_flags, doors.level),
        "not_asked": [q for q in ctx.kb.screening_questions if (ctx.case.get("symptoms") or {}).get(q) is None],
    }
    return referral, ordered_flags


def _advice(ctx: Evaluation, flag_id: str, urgency: str) -> str:
    """What to tell the client about one flag, worded for its urgency: routine
    advice never asks for a doctor before hands-on work (treatment goes on)."""
    info = ctx.kb.red_flags[flag_id]
    if urgency == "routine" and info["tell_client_routine"]:
        return info["tell_client_routine"]
    if urgency == "emergency":
        # One verdict: an emergency is never told as "see a doctor soon" (a flag's everyday advice).
        return info["tell_client_emergency"] or door_advice(ctx, URGENCY_LEVELS.index("emergency"), None)
    return info["tell_client"]


def _referral_advice(ctx: Evaluation, ordered_flags: list[dict[str, Any]], level: int) -> str | None:
    # The advice of the flag that sets the referral's urgency; a more urgent
    # rule without a flag keeps the general advice for its level.
    if ordered_flags and URGENCY_LEVELS.index(ordered_flags[0]["urgency"]) == level:
        return ordered_flags[0]["tell_client"]
    if level == 0:
        return None
    return door_advice(ctx, level, ctx.referral_doors.destination())


def door_advice(ctx: Evaluation, level: int, door: str | None) -> str:
    """The general advice for a referral at this urgency to this door."""
    door = door or default_destination(level)
    special = ctx.kb.door_advice.get(door, {}).get(URGENCY_LEVELS[level])
    if special:
        return special
    return ctx.kb.referral_advice[URGENCY_LEVELS[level]].replace("{door}", ctx.kb.destination_names[door])


def refer_conditions(ctx: Evaluation, referral: dict[str, Any], differential: list[dict[str, Any]]) -> None:
    """Raise the referral for a likely condition that calls for one of its own
    (conditions.yaml `referral`), e.g. suspected arterial disease to the family doctor."""
    doors: _Doors = ctx.referral_doors
    for cid, rule, when in ctx.kb.condition_referrals:
        probability = ctx.likelihood.get(cid, 0.0)
        if probability < rule["min_probability"] or (when is not None and when(ctx) is not True):
            continue
        level = URGENCY_LEVELS.index(rule["urgency"])
        before = doors.level
        doors.add(level, rule["to"])
        referral["reasons"].append(f"{rule['reason']} ({ctx.kb.condition_facts[cid]['name']}, "
                                   f"{round(probability * 100)} %)")
        if doors.level > before:
            referral["tell_client"] = door_advice(ctx, doors.level, doors.destination())
    ctx.urgency_level = doors.level
    referral["urgency"] = URGENCY_LEVELS[doors.level]
    referral["to"] = doors.destination()
