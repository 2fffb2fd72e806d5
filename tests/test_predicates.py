"""The rule language: unknown is neither true nor false."""
from __future__ import annotations

import pytest

from backcare.clinical.engine.context import Evaluation
from backcare.clinical.engine.predicates import PredicateError, compile_predicate
from backcare.clinical.knowledge.runtime import load_knowledge


def check(spec, case):
    return compile_predicate(spec)(Evaluation(case, load_knowledge()))


@pytest.mark.parametrize("case, expected", [
    ({}, None),
    ({"symptoms": {"neurogenic_claudication": True}}, True),
    ({"symptoms": {"neurogenic_claudication": False}}, False),
])
def test_a_field_left_out_is_unknown(case, expected):
    assert check({"field": "symptoms.neurogenic_claudication", "is": True}, case) is expected


def test_regions_match_by_base_and_side():
    spec = {"regions": {"set": "below_knee", "in": ["pain", "paresthesia"], "sides": "both"}}
    assert check(spec, {"symptoms": {"pain_sites": ["calf_left"], "paresthesia_sites": ["lateral_foot_right"]}}) is True
    assert check(spec, {"symptoms": {"pain_sites": ["calf_left", "low_back"]}}) is False
    assert check(spec, {"client": {"age": 3}}) is None
    one = {"regions": {"set": "leg", "in": ["pain"], "sides": "one"}}
    assert check(one, {"symptoms": {"pain_sites": ["posterior_thigh_right"]}}) is True


def test_sided_tests_read_plain_and_sided_results():
    positive = {"test": {"name": "slr", "result": "positive"}}
    assert check(positive, {"special_tests": {"slr": "positive"}}) is True
    assert check(positive, {"special_tests": {"slr": {"left": "negative", "right": "positive"}}}) is True
    assert check(positive, {"special_tests": {"slr": {"left": "negative"}}}) is False
    both = {"test": {"name": "slr", "result": "positive", "sides": "both"}}
    assert check(both, {"special_tests": {"slr": {"left": "positive"}}}) is None
    assert check(both, {"special_tests": {"slr": {"left": "positive", "right": "negative"}}}) is False


def test_at_least_is_unknown_until_decided():
    spec = {"at_least": 2, "of": [{"field": "medical.fever", "is": True}, {"field": "medical.pregnant", "is": True},
                                  {"field": "medical.osteoporosis", "is": True}]}
    assert check(spec, {"medical": {"fever": True}}) is None
    assert check(spec, {"medical": {"fever": True, "pregnant": True}}) is True
    assert check(spec, {"medical": {"fever": False, "pregnant": False}}) is False


def test_unknown_means_supplies_a_safe_default():
    spec = {"unknown_means": True, "when": {"field": "history.duration_days", "lte": 42}}
    assert check(spec, {}) is True
    assert check(spec, {"history": {"duration_days": 400}}) is False


def test_malformed_rules_are_rejected():
    with pytest.raises(PredicateError):
        compile_predicate({"field": "x.y", "is": 1, "in": [1]})
    with pytest.raises(PredicateError):
        compile_predicate({"unheard_of": 1})
    with pytest.raises(PredicateError):
        compile_predicate({"at_least": 3, "of": [{"finding": "fever"}]})
