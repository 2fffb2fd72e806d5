"""Contraindications, the treatment plan and self-care.

The plan is assembled from every protocol that applies (treatment.yaml), most
probable condition first, and then filtered by the contraindications
(contraindications.yaml): a plan can never hold what a contraindication forbids.
A contraindication that stops treatment (urgent referral, fever) leaves no
hands-on plan and no exercises, only the referral.
"""
from __future__ import annotations

import re
# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .context import Evaluation, words
from .predicates import lookup

_PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")


def _fill(reason: str, case: dict) -> str:
    def value(match: re.Match) -> str:
        found = lookup(case, tuple(match.group(1).split(".")))
        return ", ".join(words(v) for v in found) if isinstance(found, list) else words(str(found))

    return _PLACEHOLDER.sub(value, reason)


def contraindications(ctx: Evaluation) -> list[dict[str, Any]]:
    out = []
    rules = ctx.kb.contraindication_rules
    for position in ctx.holding["contraindication"]:  # found by the rules kernel (kernel.py)
        cid, entry, refs = rules[position]
        out.append({"id": cid, "reason": _fill(entry["reason"], ctx.case), "evidence": ctx.evidence(refs),
                    "stops_treatment": entry["stops_treatment"]})
    return out


class Forbidden:
    """Everything the applicable contraindications rule out."""

    def __init__(self, ctx: Evaluation, applied: list[dict[str, Any]]):
        self.goals: set[str] = set()
        self.everywhere: set[str] = set()
        self.on_targets: dict[str, set[str]] = {}
        self.positioning: set[str] = set()
        self.hydrotherapy: set[str] = set()
        self.self_care: set[str] = set()
        for item in applied:
            forbids = ctx.kb.contraindications[item["id"]]["forbids"]
            self.goals.update(forbids["goals"])
            for technique in forbids["techniques"]:
                if forbids["targets"]:
                    self.on_targets.setdefault(technique, set()).update(forbids["targets"])
                else:
                    self.everywhere.add(technique)
            self.positioning.update(forbids["positioning"])
            self.hydrotherapy.update(forbids["hydrotherapy"])
            self.self_care.update(forbids["self_care"])

    def allowed_targets(self, technique: str, targets: list[str]) -> list[str]:
        if technique in self.everywhere:
            return []
        blocked = self.on_targets.get(technique, set())
        return [t for t in targets if t not in blocked]


def _palpated(ctx: Evaluation) -> dict[str, list[str]]:
    """The structures palpation found, by the placeholder a protocol names them with
    (landmarks such as the greater trochanter are examined, never treated)."""
    palpation = ctx.case.get("palpation") or {}
    structures = ctx.kb.structures
    trigger = list(palpation.get("trigger_points") or [])
    found = list(palpation.get("hypertonic") or []) + list(palpation.get("tender") or []) + trigger
    return {
        "palpated": [s for s in dict.fromkeys(found) if s in structures],
        "palpated_trigger_points": trigger,
        "palpated_familiar_pain": list(palpation.get("reproduces_familiar_pain") or []),
    }


def relevance_rule(protocol: dict[str, Any]) -> tuple[float, tuple[str, ...]]:
    """How to order a protocol among those chosen (once per knowledge base): by the likelihood of
    the conditions that brought it in, else a fixed value.

    A protocol chosen by the dominant pain mechanism leads: the mechanism says
    how to work (calmly, or sparing the nerve) whatever the structure.
    """
    when = protocol["when"] or {}
    if "mechanism" in when:
        return 1.0, ()
    conditions = (when.get("differential") or {}).get("any_of")
    if conditions is None:
        for part in when.get("any", []):
            conditions = (part.get("differential") or {}).get("any_of") or conditions
    if conditions:
        return 0.0, tuple(conditions)
    return (0.01 if protocol["when"] else 0.0), ()


def _relevance(ctx: Evaluation, pid: str) -> float:
    fixed, conditions = ctx.kb.protocol_relevance[pid]
    return max(ctx.likelihood.get(c, 0.0) for c in conditions) if conditions else fixed


def plan(ctx: Evaluation, applied: list[dict[str, Any]], forbidden: Forbidden | None = None) -> dict[str, Any]:
    empty = {"treat": False, "goals": [], "positioning": [], "hydrotherapy": [], "techniques": [], "protocols": []}
    if any(item["stops_treatment"] for item in applied):
        return empty
    forbidden = forbidden or Forbidden(ctx, applied)
    palpated = _palpated(ctx)
    rules = ctx.kb.protocol_rules
    chosen = [rules[position] for position in ctx.holding["protocol"]]
    chosen.sort(key=lambda item: -_relevance(ctx, item[0]))

    goals: list[str] = []
    positioning: list[str] = []
    hydrotherapy: list[str] = []
    techniques: dict[str, list[str]] = {}
    for _pid, protocol in chosen:
        goals += protocol["goals"]
        positioning += protocol["positioning"]
        hydrotherapy += protocol["hydrotherapy"]
        for spec in protocol["techniques"]:
            targets = techniques.setdefault(spec["technique"], [])
            for target in spec["targets"]:
                found = palpated.get(target)  # a placeholder for what palpation found
                if found is None:
                    targets.append(target)
                else:
                    targets += found

    positioning = [p for p in dict.fromkeys(positioning) if p not in forbidden.positioning]
    if not positioning:
        positioning = [p for p in ctx.kb.fallback_positioning if p not in forbidden.positioning][:1]
    techniques_out = []
    for technique, targets in techniques.items():
        allowed = forbidden.allowed_targets(technique, list(dict.fromkeys(targets)))
        if allowed:
            techniques_out.append({"technique": technique, "targets": allowed})
    return {
        "treat": True,
        "goals": [g for g in dict.fromkeys(goals) if g not in forbidden.goals],
        "positioning": positioning,
        "hydrotherapy": [h for h in dict.fromkeys(hydrotherapy) if h not in forbidden.hydrotherapy] or ["none"],
        "techniques": techniques_out,
        "protocols": [{"id": pid, "title": p["title"]} for pid, p in chosen],
    }


def self_care(ctx: Evaluation, applied: list[dict[str, Any]], treat: bool,
              forbidden_all: Forbidden | None = None) -> list[dict[str, Any]]:
    if not treat:
        return []
    forbidden = (forbidden_all or Forbidden(ctx, applied)).self_care
    chosen: list[str] = []
    rules = ctx.kb.self_care_rules
    for position in ctx.holding["self_care"]:
        chosen += rules[position]["add"]
    avoided = avoided_self_care(ctx)
    out = []
    for sid in dict.fromkeys(chosen):
        if sid in forbidden or sid in avoided:
            continue
        item = ctx.kb.self_care_items[sid]
        out.append({"id": sid, **item["dosage"], "title": item["title"], "instructions": item["instructions"]})
    return out


def avoided_self_care(ctx: Evaluation) -> set[str]:
    """The self-care items that would aggravate something this case has (self_care.yaml `avoid_when`)."""
    ids = ctx.kb.self_care_avoid_ids
    return {ids[position] for position in ctx.holding["avoid"]}
