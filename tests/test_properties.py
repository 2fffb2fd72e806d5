"""Properties over generated cases (Hypothesis)."""
from __future__ import annotations

import copy
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from backcare.cli.fast import _without_nulls
from backcare.clinical._generated.case_check import JsonSchemaValueException
from backcare.clinical._generated.case_check import validate as fast_validate
from backcare.clinical.api import assess_data
from backcare.clinical.assessment import Assessment
from backcare.clinical.case import Case
from backcare.clinical.engine.predicates import URGENCY_LEVELS
from backcare.clinical.knowledge.runtime import load_knowledge
from strategies import cases

KB = load_knowledge()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RED_FLAG_CHANGES = [
    ("symptoms", "saddle_anaesthesia", True), ("symptoms", "bladder_dysfunction", True),
    ("symptoms", "bowel_dysfunction", True), ("symptoms", "sexual_dysfunction", True),
    ("symptoms", "progressive_weakness", True), ("symptoms", "no_comfortable_position", True),
    ("symptoms", "constant_night_pain", True), ("observation", "gait", "foot_drop"),
    *[("medical", flag, True) for flag in ("cancer_history", "unexplained_weight_loss", "fever", "iv_drug_use",
                                           "immunosuppressed", "recent_infection", "long_term_steroids", "osteoporosis",
                                           "recent_significant_trauma", "known_aaa_or_vascular_disease")],
]


def findings(data: dict) -> dict:
    return Case.model_validate(data).findings()


@FAST
@given(cases)
def test_any_valid_case_assesses_into_a_valid_assessment(data):
    out = assess_data(findings(data))
    Assessment.model_validate(out)
    probs = [c["probability"] for c in out["differential"]]
    assert all(0.0 <= p <= 1.0 for p in probs) and sum(probs) <= 1.0 + 1e-9
    if out["referral"]["urgency"] in ("urgent", "emergency"):
        assert out["plan"]["treat"] is False and out["plan"]["techniques"] == []
        assert "no_treatment_refer" in [c["id"] for c in out["contraindications"]]


@FAST
@given(cases, st.sampled_from(RED_FLAG_CHANGES))
def test_adding_a_red_flag_finding_never_lowers_the_urgency(data, change):
    block, field, value = change
    before = assess_data(findings(data))["referral"]["urgency"]
    more = copy.deepcopy(data)
    more.setdefault(block, {})[field] = value
    after = assess_data(findings(more))["referral"]["urgency"]
    assert URGENCY_LEVELS.index(after) >= URGENCY_LEVELS.index(before)


@FAST
@given(cases)
def test_a_flagged_condition_always_ranks_in_the_top_three(data):
    out = assess_data(findings(data))
    flagged = {KB.red_flags[f["id"]]["condition"] for f in out["red_flags"]} - {None}
    # What an emergency rule names without a red flag (a leg's blood supply) leads too, so the screen's
    # names together fill the head of the list when there are more than three.
    named = flagged | {c["condition"] for c in out["differential"] if c["evidence"][:1] == ["the referral is for this"]}
    head = [c["condition"] for c in out["differential"][:max(3, len(named))]]
    # Within the top three; when more than three are named, they lead the list.
    assert flagged <= set(head), (flagged, head)
    assert {c["condition"] for c in out["differential"] if c["flagged"]} == flagged


@FAST
@given(cases)
def test_the_pain_mechanism_is_a_distribution_and_a_verdict_only_with_enough_criteria(data):
    pm = assess_data(findings(data))["pain_mechanism"]
    assert all(0 <= p <= 1 for p in pm["probabilities"].values()) and sum(pm["probabilities"].values()) <= 1 + 1e-9
    if pm["dominant"] is not None:
        assert len(pm["criteria"]) >= KB.pain_mechanisms["min_criteria"]
        assert pm["probabilities"][pm["dominant"]] == max(pm["probabilities"].values())


@FAST
@given(cases)
def test_without_neurological_or_sensory_findings_no_root_is_named(data):
    data = copy.deepcopy(data)
    data.pop("neuro", None)
    data.get("observation", {}).pop("atrophy_sites", None)
    assert assess_data(findings(data))["nerve_roots"] == []


@FAST
@given(cases)
def test_the_plan_never_holds_what_a_contraindication_forbids(data):
    out = assess_data(findings(data))
    plan = out["plan"]
    for c in out["contraindications"]:
        forbids = KB.contraindications[c["id"]]["forbids"]
        for tech in plan["techniques"]:
            if tech["technique"] in forbids["techniques"]:
                assert forbids["targets"], f"{tech['technique']} is forbidden by {c['id']}"
                assert not set(tech["targets"]) & set(forbids["targets"])
        assert not set(plan["goals"]) & set(forbids["goals"]), c["id"]
        assert not set(plan["positioning"]) & set(forbids["positioning"])
        assert not set(plan["hydrotherapy"]) & set(forbids["hydrotherapy"]), c["id"]
        assert not {s["id"] for s in out["self_care"]} & set(forbids["self_care"])


# Advice that withholds hands-on work until a doctor has seen the client.
WITHHOLDING = ("before any hands-on", "before more hands-on", "no hands-on", "treatment here waits",
               "emergency department now", "go to an emergency department at once", "go to an emergency department now")


@FAST
@given(cases)
def test_treatment_is_withheld_whenever_the_advice_says_see_a_doctor_first(data):
    """One verdict: a plan never treats while its own advice says a doctor comes first."""
    out = assess_data(findings(data))
    advice = [out["referral"]["tell_client"] or ""] + [f["tell_client"] for f in out["red_flags"]]
    withholds = any(phrase in text.lower() for text in advice for phrase in WITHHOLDING)
    if withholds:
        assert out["plan"]["treat"] is False, advice
        assert out["self_care"] == []
    if any(f["urgency"] in ("urgent", "emergency") for f in out["red_flags"]):
        assert out["plan"]["treat"] is False
    if out["referral"]["urgency"] != "none":
        assert out["referral"]["to"] in KB.referral_destinations
    else:
        assert out["referral"]["to"] is None


@FAST
@given(cases)
def test_an_emergency_is_always_told_as_one(data):
    """One verdict: what the client is told under an emergency never says a doctor "soon" or "in a day or two"."""
    out = assess_data(findings(data))
    told = [f["tell_client"] for f in out["red_flags"] if f["urgency"] == "emergency"]
    if out["referral"]["urgency"] == "emergency":
        told.append(out["referral"]["tell_client"] or "")
    for text in told:
        assert "now" in text.lower(), text
        assert not any(slow in text.lower() for slow in ("soon", "today;", "day or two", "next few days", "coming days")), text


@FAST
@given(cases)
def test_the_fast_path_gives_exactly_the_full_paths_output(data):
    fast_validate(data)
    assert assess_data(_without_nulls(data)) == assess_data(findings(data))


def _mutations():
    bad_values = st.sampled_from(["positve", -1, 11, 1.5, True, None, "", [], {}, {"left": "x"}, "calf_lft", 10**9,
                                  "a\x00b", "x\ud800", "y" * 600])
    return st.tuples(st.lists(st.sampled_from(["client", "history", "medical", "symptoms", "observation", "rom",
                                              "special_tests", "neuro", "palpation", "extra"]), min_size=1, max_size=3),
                     st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12), bad_values)


@FAST
@given(cases, _mutations())
def test_the_fast_validator_accepts_exactly_what_pydantic_accepts(data, mutation):
    path, key, value = mutation
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else node
    target = node.setdefault(path[-1], {}) if isinstance(node.get(path[-1], {}), dict) else node
    existing = [k for k in target] or [key]
    target[existing[len(key) % len(existing)] if len(key) % 2 else key] = value
    try:
        Case.model_validate(data)
        pydantic_ok = True
    except ValidationError:
        pydantic_ok = False
    try:
        fast_validate(data)
        fast_ok = True
    except JsonSchemaValueException:
        fast_ok = False
    assert fast_ok == pydantic_ok


@FAST
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_both_validators_agree_on_odd_numbers(x):
    data = {"history": {"sitting_hours_per_day": x}}
    try:
        Case.model_validate(data)
        ok = True
    except ValidationError:
        ok = False
    try:
        fast_validate(data)
        fast_ok = True
    except JsonSchemaValueException:
        fast_ok = False
    # The fast path also refuses NaN and Infinity while parsing JSON, so a
    # disagreement is only allowed there.
    assert fast_ok == ok or math.isnan(x) or math.isinf(x)
