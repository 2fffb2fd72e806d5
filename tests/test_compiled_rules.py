"""The compiled rules (engine/compiled.py) and the closure form (predicates.py)
agree on every rule of the knowledge base, over generated cases; the rules a case
cannot move are the ones the relevance index skips."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from backcare.clinical.case import Case
from backcare.clinical.engine import judge, localise, rank, refer_conditions, screen
from backcare.clinical.engine.context import Evaluation
from backcare.clinical.engine.predicates import compile_predicate
from backcare.clinical.knowledge.runtime import load_knowledge
from strategies import cases

KB = load_knowledge()
CLOSURES = {fid: compile_predicate(f["when"]) for fid, f in KB.findings.items()}
RULE_CLOSURES = [compile_predicate(rule["when"]) for rule, _, _ in KB.referral_rules]


def _evaluated(data: dict) -> Evaluation:
    ctx = Evaluation(Case.model_validate(data).findings(), KB)
    localise(ctx)
    referral, _ = screen(ctx)
    refer_conditions(ctx, referral, rank(ctx))
    judge(ctx)
    return ctx


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_compiled_rules_give_what_the_closures_give(data):
    ctx = _evaluated(data)
    for fid, closure in CLOSURES.items():
        assert KB.finding_rules[fid](ctx) == closure(ctx), fid
    for (rule, compiled, _), closure in zip(KB.referral_rules, RULE_CLOSURES):
        assert compiled(ctx) == closure(ctx), rule["id"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_a_skipped_rule_could_not_have_moved_the_assessment(data):
    ctx = _evaluated(data)
    weighted = set(KB.weighted_index.relevant(ctx.recorded))
    for position, (fid, _) in enumerate(KB.weighted_findings):
        if position not in weighted:
            assert KB.finding_rules[fid](ctx) is None, fid
    fired = set(KB.referral_index.relevant(ctx.recorded))
    for position, (rule, check, _) in enumerate(KB.referral_rules):
        if position not in fired:
            assert check(ctx) is not True, rule["id"]
