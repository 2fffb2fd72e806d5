"""Outcome measures, pure: scoring by each instrument's own rules, change verdicts, the
expected course and stratified care."""
from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from backcare.clinical.api import assess_data
from backcare.clinical.knowledge.runtime import load_knowledge
from backcare.outcomes import AnswerError, change_verdict, course_position, expected_pain, score, stratified_care
from backcare.outcomes.progress import cohort_for
from backcare.outcomes.wording import WordingError, load_wording, worded

ODI_SECTIONS = ["pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing", "sleeping", "sex_life",
                "social_life", "travelling"]
START_ITEMS = ["leg_pain", "shoulder_neck", "short_walks", "dresses_slowly", "not_safe_active", "worrying_thoughts",
               "never_better", "not_enjoying"]


# --- worked examples, as the instruments' manuals score them -------------------------------

def test_odi_scores_the_sections_answered():
    # Fairbank & Pynsent 2000: all ten answered, total 16 -> 16/50 = 32 %.
    answers = dict(zip(ODI_SECTIONS, [2, 1, 3, 2, 2, 1, 1, 0, 2, 2]))
    assert score("odi", answers).value == 32.0
    # One section left out: the denominator drops by 5 -> 16/45 = 35.6 %.
    answers.pop("sex_life")
    result = score("odi", answers)
    assert result.value == 35.6 and result.complete and result.missing == ["sex_life"]
    assert result.band == "moderate disability"
    # Three of the nine required sections missing is too little to score.
    for section in ("lifting", "walking", "sitting"):
        answers.pop(section)
    assert score("odi", answers).complete is False and score("odi", answers).value is None


def test_start_back_risk_groups_follow_keele():
    def answers(agree: list[str], bothersome: int) -> dict:
        return {**{i: int(i in agree) for i in START_ITEMS}, "bothersome": bothersome}

    low = score("start_back", answers(["leg_pain", "shoulder_neck", "short_walks"], 2))  # 'moderately' scores nothing
    assert (low.value, low.subscore, low.risk_group) == (3, 0, "low")
    medium = score("start_back", answers(["leg_pain", "shoulder_neck", "short_walks", "not_safe_active"], 3))
    assert (medium.value, medium.subscore, medium.risk_group) == (5, 2, "medium")
    high = score("start_back", answers(["not_safe_active", "worrying_thoughts", "never_better"], 4))
    assert (high.value, high.subscore, high.risk_group) == (4, 4, "high")
    partial = answers(["leg_pain"], 1)
    partial.pop("never_better")
    assert score("start_back", partial).complete is False and score("start_back", partial).risk_group is None


def test_rmdq_counts_the_sentences_ticked():
    result = score("rmdq", {"q01": True, "q05": "yes", "q13": True})
    assert result.value == 3 and result.complete  # an unticked sentence does not apply
    assert score("rmdq", {}).value == 0


def test_psfs_averages_three_to_five_activities():
    three = {"a1": {"activity": "gardening", "rating": 3}, "a2": {"activity": "lifting my son", "rating": "5"},
             "a3": {"activity": "driving", "rating": 4}}
    assert score("psfs", three).value == 4.0
    assert score("psfs", {"a1": three["a1"], "a2": three["a2"]}).complete is False
    with pytest.raises(AnswerError) as unnamed:
        score("psfs", {"a1": {"activity": "", "rating": 3}})
    assert unnamed.value.errors == {"a1": "Name the activity"}


@pytest.mark.parametrize("instrument, answers, problem", [
    ("odi", {"lifting": 6}, "Choose one of the answers"), ("odi", {"juggling": 1}, "This questionnaire has no such question"),
    ("nprs", {"pain": 11}, "Choose a number from 0 to 10"), ("start_back", {"bothersome": 9}, "Choose one of the answers"),
    ("rmdq", {"q01": "maybe"}, "Tick the sentence, or leave it"), ("psfs", {"a1": {"activity": "x", "rating": 12}}, "Rate it from 0 to 10"),
])
def test_answers_that_do_not_fit_name_the_question(instrument, answers, problem):
    with pytest.raises(AnswerError) as refused:
        score(instrument, answers)
    assert problem in refused.value.errors.values()


# --- properties -----------------------------------------------------------------------------

@given(st.dictionaries(st.sampled_from(ODI_SECTIONS), st.integers(0, 5)))
def test_odi_is_a_percentage_of_what_was_answered(answers):
    result = score("odi", answers)
    required_missing = [s for s in ODI_SECTIONS if s not in answers and s != "sex_life"]
    assert result.complete == (bool(answers) and len(required_missing) <= 2)
    if result.complete:
        assert 0 <= result.value <= 100
        assert result.value == round(sum(answers.values()) / (5 * len(answers)) * 100, 1)


@given(st.dictionaries(st.sampled_from(START_ITEMS + ["bothersome"]), st.integers(0, 1)))
def test_start_back_needs_every_item_and_stays_in_range(answers):
    result = score("start_back", answers)
    assert result.complete == (len(answers) == 9)
    if result.complete:
        assert 0 <= result.value <= 9 and 0 <= result.subscore <= 5 and result.subscore <= result.value
        assert result.risk_group == ("low" if result.value <= 3 else "high" if result.subscore >= 4 else "medium")


@given(st.sets(st.sampled_from([f"q{n:02d}" for n in range(1, 25)])))
def test_rmdq_is_always_a_count_from_0_to_24(ticked):
    assert score("rmdq", {q: True for q in ticked}).value == len(ticked)


@given(st.sampled_from(["nprs", "odi", "rmdq", "psfs"]), st.floats(0, 1), st.floats(0, 1))
def test_the_verdict_is_symmetric_around_the_threshold(instrument, where, size):
    low, high = load_knowledge().outcomes["instruments"][instrument]["score_range"]
    baseline = round(low + (high - low) * where, 1)
    change = round((high - low) * size / 2, 1)
    assume(low <= baseline - change and baseline + change <= high)
    down, up = change_verdict(instrument, baseline, baseline - change), change_verdict(instrument, baseline, baseline + change)
    assert down.better_by == -up.better_by
    flipped = {"improved": "worse", "worse": "improved", "no_change": "no_change"}
    assert flipped[down.kind] == up.kind


def test_meaningful_change_is_points_or_percent():
    assert change_verdict("nprs", 6, 4).kind == "improved"  # 2 points
    assert change_verdict("nprs", 3, 2).kind == "improved"  # 1 point is 33 % of a baseline of 3
    assert change_verdict("nprs", 7, 6).kind == "no_change"  # 1 point, 14 %
    assert change_verdict("odi", 44.4, 37.8).kind == "no_change"
    assert change_verdict("psfs", 3, 5).kind == "improved" and change_verdict("psfs", 5, 3).kind == "worse"
    with pytest.raises(ValueError):
        change_verdict("start_back", 5, 2)  # a screening tool has no meaningful change


# --- the expected course --------------------------------------------------------------------

def test_the_expected_course_scales_the_client_by_the_cohort():
    assert cohort_for(20) == "acute" and cohort_for(41) == "acute" and cohort_for(42) == "persistent" and cohort_for(None) is None
    assert expected_pain("acute", 8, 0) == 8
    assert expected_pain("acute", 8, 6) == round(8 * 23 / 52, 2)
    assert expected_pain("persistent", 6, 26) == round(6 * 26 / 51, 2)
    assert expected_pain("acute", 8, 100) == round(8 * 6 / 52, 2)  # after a year: the last follow-up holds


def test_not_on_track_only_once_most_people_have_improved():
    early = course_position(10, 8, 8, 3)
    assert early.on_track is None and early.prompt is None
    stuck = course_position(10, 8, 7, 7)
    assert stuck.on_track is False and "Re-assess" in stuck.prompt and "consider referral" in stuck.prompt
    better = course_position(120, 7, 4, 8)
    assert better.on_track is True and better.cohort == "persistent"
    unknown = course_position(None, 7, 7, 10)
    assert unknown.cohort is None and unknown.expected is None and unknown.on_track is False


# --- stratified care ------------------------------------------------------------------------

def _assessed(case):
    return case, assess_data(case)


def test_the_risk_group_changes_the_plan():
    case, assessment = _assessed({"symptoms": {"pain_sites": ["low_back"], "pain_nrs": 5}})
    high = stratified_care("high", case, assessment)
    assert high["involve_doctor"] and [s["id"] for s in high["self_care_add"]][:2] == ["pain_education", "graded_activity"]
    low = stratified_care("low", case, assessment)
    assert not low["involve_doctor"] and "self-management" in low["approach"]


def test_stratified_care_never_adds_what_the_findings_rule_out_or_to_a_withdrawn_plan():
    case, assessment = _assessed({"symptoms": {"saddle_anaesthesia": True}})
    withdrawn = stratified_care("high", case, assessment)
    assert withdrawn["withdrawn"] and withdrawn["self_care_add"] == [] and not withdrawn["involve_doctor"]


# --- the knowledge behind it ----------------------------------------------------------------

def test_every_instrument_states_its_licence_and_codes():
    instruments = load_knowledge().outcomes["instruments"]
    assert instruments["odi"]["loinc"] == {"panel": "97908-8", "score": "97909-6"}
    assert instruments["nprs"]["loinc"]["score"] == "72514-3"
    assert instruments["start_back"]["loinc"]["risk"] == "91352-5"
    assert "Keele" in instruments["start_back"]["licence"]["copyright_line"]
    assert "Mapi" in instruments["odi"]["licence"]["holder"]
    for iid, inst in instruments.items():
        assert inst["licence"]["terms"] and inst["sources"], iid


def test_licensed_wording_is_checked_and_shown(tmp_path):
    good = tmp_path / "wording.yaml"
    good.write_text("odi:\n  prompt: Official prompt\n  items: {lifting: Official lifting section}\n  choices: {lifting: {0: Official zero}}\n")
    wording = load_wording(good)
    odi = worded("odi", wording)
    lifting = next(i for i in odi["items"] if i["id"] == "lifting")
    assert odi["official_wording"] and odi["prompt"] == "Official prompt"
    assert lifting["text"] == "Official lifting section" and lifting["choices"][0]["text"] == "Official zero"
    assert worded("odi", None)["official_wording"] is False
    bad = tmp_path / "bad.yaml"
    bad.write_text("odi:\n  items: {juggling: x}\n")
    with pytest.raises(WordingError, match="juggling"):
        load_wording(bad)
