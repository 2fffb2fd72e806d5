"""The compiled rules (engine/compiled.py) and the closure form (predicates.py)
agree on every rule of the knowledge base, over generated cases; the findings
kernel (engine/kernel.py) gives every finding, the referral rules that hold and
the differential that plain, one by one evaluation gives, and the rules kernel the
contraindications, protocols and self-care rules that hold."""
from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings

from backcare.clinical.case import Case
from backcare.clinical.engine import judge, localise, rank, refer_conditions, screen
from backcare.clinical.engine.context import Evaluation
from backcare.clinical.engine.kernel import run_kernel, run_rules
from backcare.clinical.engine.predicates import compile_predicate
from backcare.clinical.knowledge.runtime import load_knowledge
from strategies import cases

KB = load_knowledge()
CLOSURES = {fid: compile_predicate(f["when"]) for fid, f in KB.findings.items()}
RULE_CLOSURES = [compile_predicate(rule["when"]) for rule, _ in KB.referral_rules]
# The rules the rules kernel finds to hold once the differential and the mechanism are known.
LATE_CLOSURES = {
    "contraindication": [compile_predicate(entry["when"]) for entry in KB.contraindications.values()],
    "protocol": [p["when"] and compile_predicate(p["when"]) for p in KB.protocols.values()],
    "self_care": [rule["when"] and compile_predicate(rule["when"]) for rule in KB.data["self_care"]["rules"]],
    "avoid": [compile_predicate(KB.self_care_items[sid]["avoid_when"]) for sid in KB.self_care_avoid_ids],
}


def _evaluated(data: dict) -> Evaluation:
    ctx = Evaluation(Case.model_validate(data).findings(), KB)
    localise(ctx)
    run_kernel(ctx)
    referral, _ = screen(ctx)
    refer_conditions(ctx, referral, rank(ctx))
    judge(ctx)
    run_rules(ctx)
    return ctx


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_compiled_rules_give_what_the_closures_give(data):
    ctx = _evaluated(data)
    for fid, closure in CLOSURES.items():
        assert KB.finding_rules[fid](ctx) == closure(ctx), fid
    for position, ((rule, _), closure) in enumerate(zip(KB.referral_rules, RULE_CLOSURES)):
        assert KB.referral_checks[position](ctx) == closure(ctx), rule["id"]


def _plain_differential(data: dict) -> tuple[dict[str, float], dict[str, list[dict]]]:
    """Each condition's share and its likelihood-ratio records, most informative first,
    from findings evaluated one by one on demand (the engine before the kernel)."""
    ctx = Evaluation(Case.model_validate(data).findings(), KB)
    localise(ctx)
    log_odds = {cid: math.log(c["prior"]) for cid, c in KB.conditions.items()}
    moves: dict[str, list[tuple]] = {cid: [] for cid in log_odds}
    strongest: dict[tuple[str, str], tuple] = {}
    for order, (fid, finding) in enumerate((fid, f) for fid, f in KB.findings.items() if f["moves"]):
        value = ctx.finding(fid)
        if value is None:
            continue
        for cid, move in finding["moves"].items():
            lr = move["present" if value else "absent"]
            if lr == 1.0:
                continue
            entry = (abs(math.log(lr)), -order, {"finding": fid, "present": value, "lr": lr})
            group = move["group"] or finding["group"]
            if group is None:
                log_odds[cid] += math.log(lr)
                moves[cid].append(entry)
            elif (cid, group) not in strongest or entry[0] > strongest[(cid, group)][0]:
                strongest[(cid, group)] = entry
    for (cid, _group), entry in strongest.items():
        log_odds[cid] += math.log(entry[2]["lr"])
        moves[cid].append(entry)
    top = max(log_odds.values())
    total = sum(math.exp(v - top) for v in log_odds.values())
    shares = {cid: math.floor(math.exp(v - top) / total * 1000) / 1000 for cid, v in log_odds.items()}
    return shares, {cid: [m[2] for m in sorted(entries, key=lambda m: (-m[0], -m[1]))] for cid, entries in moves.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_the_kernel_gives_what_plain_evaluation_gives(data):
    ctx = _evaluated(data)
    plain = Evaluation(Case.model_validate(data).findings(), KB)
    localise(plain)
    for fid in KB.findings:
        assert ctx.finding(fid) == plain.finding(fid), fid
    assert ctx.holding["referral"] == [i for i, closure in enumerate(RULE_CLOSURES) if closure(plain) is True]
    for name, closures in LATE_CLOSURES.items():
        assert ctx.holding[name] == [i for i, closure in enumerate(closures) if closure is None or closure(ctx) is True], name
    shares, moves = _plain_differential(data)
    for item in rank(ctx):
        assert item["probability"] == shares[item["condition"]], item["condition"]
        assert item["likelihood_ratios"] == moves[item["condition"]], item["condition"]
