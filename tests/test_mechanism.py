"""The dominant pain mechanism: checklist first, derived criteria where it is silent."""
from __future__ import annotations

import pytest

from backcare.clinical.api import assess_data
from conftest import ids, run_case

NOCIPLASTIC = {"nonmechanical_unpredictable": True, "disproportionate_to_injury": True,
               "maladaptive_psychosocial": True, "diffuse_tenderness": True}
NEUROPATHIC = {"nerve_injury_history": True, "dermatomal_referral": True, "neurodynamic_provocation": True}
NOCICEPTIVE = {"localised_to_dysfunction": True, "proportionate_mechanical_pattern": True, "intermittent_mechanical": True,
               "dysaesthesia": False, "night_pain_disturbed_sleep": False, "antalgic_posture": False,
               "burning_shooting_electric": False}


def verdict(criteria: dict, **blocks) -> dict:
    return run_case(pain_mechanism_criteria=criteria, **blocks)["pain_mechanism"]


@pytest.mark.parametrize("criteria, expected", [(NOCIPLASTIC, "nociplastic"), (NEUROPATHIC, "peripheral_neuropathic"),
                                                (NOCICEPTIVE, "nociceptive")])
def test_each_published_cluster_alone_gives_its_mechanism(criteria, expected):
    out = assess_data({"pain_mechanism_criteria": criteria})["pain_mechanism"]
    assert out["dominant"] == expected
    assert out["probabilities"][expected] > 0.9
    assert out["evidence"][0].startswith(expected.replace("_", " ") + " cluster (Smart 2012)")


def test_too_little_recorded_gives_no_verdict():
    out = assess_data({"pain_mechanism_criteria": {"recent_onset": True, "inflammatory_signs": True}})["pain_mechanism"]
    assert out["dominant"] is None and len(out["criteria"]) == 2
    empty = assess_data({})["pain_mechanism"]
    assert (empty["dominant"], empty["evidence"], empty["criteria"]) == (None, [], [])
    assert empty["probabilities"] == pytest.approx({"nociceptive": 0.552, "peripheral_neuropathic": 0.22,
                                                    "nociplastic": 0.228}, abs=0.002)


def test_an_even_picture_is_not_forced():
    # One criterion from each cluster: contradictory, so no mechanism dominates.
    even = {"dermatomal_referral": True, "localised_to_dysfunction": True, "disproportionate_to_injury": True}
    out = assess_data({"pain_mechanism_criteria": even})["pain_mechanism"]
    assert out["dominant"] is None, out["probabilities"]
    assert out["evidence"][0] == "3 criteria known; no mechanism clearly dominates"


def test_two_published_clusters_met_in_full_are_a_mixed_picture_with_a_predominant_mechanism():
    # Clinicians name the predominant mechanism (Smart 2012, Nijs 2015); "none" is for too little recorded.
    out = assess_data({"pain_mechanism_criteria": {**NEUROPATHIC, **NOCIPLASTIC}})["pain_mechanism"]
    assert out["dominant"] == max(out["probabilities"], key=out["probabilities"].get)
    assert out["dominant"] in ("nociplastic", "peripheral_neuropathic")
    assert out["evidence"][0] == ("a mixed picture: the published clusters of nociplastic and peripheral neuropathic "
                                  "are both met in full")
    # One cluster in full and part of another still has a verdict.
    partial = {**NEUROPATHIC, "disproportionate_to_injury": True, "diffuse_tenderness": True}
    assert assess_data({"pain_mechanism_criteria": partial})["pain_mechanism"]["dominant"] is not None


def test_the_checklist_answer_stands_over_what_the_case_suggests():
    # The body chart suggests dermatomal referral; the therapist judged it absent.
    blocks = {"symptoms": {"pain_sites": ["low_back", "calf_left"], "paresthesia_sites": ["lateral_foot_left"]}}
    derived = run_case(**blocks)["pain_mechanism"]["criteria"]
    assert {"id": "dermatomal_referral", "present": True, "origin": "derived"}.items() <= next(
        c for c in derived if c["id"] == "dermatomal_referral").items()
    recorded = verdict({"dermatomal_referral": False}, **blocks)["criteria"]
    assert next(c for c in recorded if c["id"] == "dermatomal_referral") | {"label": ""} == {
        "id": "dermatomal_referral", "present": False, "origin": "checklist", "label": "", "derived_from": None}


def test_derived_criteria_say_where_they_came_from():
    out = run_case(neuro={"motor": {"great_toe_extension": {"left": "weak"}}},
                   special_tests={"slr": {"left": "positive"}},
                   symptoms={"pain_sites": ["low_back", "lateral_leg_left"], "paresthesia_sites": ["dorsum_foot_left"]})
    pm = out["pain_mechanism"]
    assert pm["dominant"] == "peripheral_neuropathic"
    assert any("(from the neurological examination" in e for e in pm["evidence"])


def test_a_normal_examination_does_not_rule_out_a_nerve_history():
    out = run_case(neuro={"motor": {"great_toe_extension": {"left": "normal"}}})
    assert "nerve_injury_history" not in ids(out["pain_mechanism"]["criteria"])


def test_sensitised_pain_gets_calming_work_and_pain_education():
    out = run_case(pain_mechanism_criteria=NOCIPLASTIC, palpation={"trigger_points": ["quadratus_lumborum"]})
    assert "gentle_pressure_sensitised" in ids(out["contraindications"])
    techniques = {t["technique"] for t in out["plan"]["techniques"]}
    assert "trigger_point_compression" not in techniques and "swedish" in techniques
    assert out["plan"]["goals"][0] == "decrease_sympathetic_tone"
    assert {"pain_education", "graded_activity"} <= set(ids(out["self_care"]))
    assert "foam_rolling" not in ids(out["self_care"])


def test_an_irritated_nerve_is_spared_and_glided():
    out = run_case(pain_mechanism_criteria=NEUROPATHIC, symptoms={"pain_sites": ["buttock_left", "calf_left"]},
                   palpation={"trigger_points": ["piriformis"], "tender": ["piriformis"]})
    assert "no_sustained_nerve_compression" in ids(out["contraindications"])
    for tech in out["plan"]["techniques"]:
        if tech["technique"] in ("trigger_point_compression", "muscle_stripping", "piriformis_rotation_pressure"):
            assert not {"piriformis", "gluteus_maximus", "hamstrings"} & set(tech["targets"])
    assert "neural_gliding" in {t["technique"] for t in out["plan"]["techniques"]}
    assert "reduce_neural_sensitivity" in out["plan"]["goals"]
    assert "nerve_sliders" in ids(out["self_care"])


def test_no_mechanism_verdict_leaves_the_plan_alone():
    out = assess_data({"symptoms": {"pain_sites": ["low_back"]}})
    assert out["pain_mechanism"]["dominant"] is None
    assert not {"gentle_pressure_sensitised", "no_sustained_nerve_compression"} & set(ids(out["contraindications"]))


def test_a_mechanical_pattern_told_in_the_notes_counts_where_the_record_has_none():
    # A sparse acute strain (not the test baseline, which records a pattern): the body chart is local and the
    # words give the pattern; the record's own answer wins.
    sparse = {"client": {"age": 38}, "history": {"onset": "sudden", "duration_days": 2,
                                                  "mechanism": "lifted plasterboard; sore bending, better once moving"},
              "symptoms": {"pain_sites": ["low_back"]}}
    def pattern(case):
        return {c["id"]: c["present"] for c in assess_data(case)["pain_mechanism"]["criteria"]}.get(
            "proportionate_mechanical_pattern")

    assert assess_data(sparse)["pain_mechanism"]["dominant"] == "nociceptive"
    assert pattern(sparse) is True
    silent = {**sparse, "history": {**sparse["history"], "mechanism": "lifted plasterboard"}}
    assert pattern(silent) is None
    recorded = {**sparse, "history": {**sparse["history"], "aggravating": ["coughing_sneezing"], "easing": ["nothing"]}}
    assert pattern(recorded) is False


def test_shingles_told_in_the_notes_is_the_nerve_pathology_of_the_neuropathic_cluster():
    # Smart 2012: a history of nerve pathology with pain in a nerve's distribution; the checklist ticks the rest.
    band = dict(client={"age": 70}, history={"onset": "gradual", "duration_days": 4, "aggravating": ["night"],
                                             "easing": ["nothing"],
                                             "mechanism": "burning pain in a band round the right flank"},
                symptoms={"pain_nrs": 7, "pain_sites": ["low_back_right", "flank_right"]},
                pain_mechanism_criteria={"burning_shooting_electric": True, "dermatomal_referral": True,
                                         "dysaesthesia": True, "intermittent_mechanical": False,
                                         "proportionate_mechanical_pattern": False})
    assert run_case(**band)["pain_mechanism"]["dominant"] is None
    rash = {**band, "history": {**band["history"], "mechanism": "burning pain in a band round the right flank; "
                                                                 "tiny blisters came up there this morning"}}
    assert run_case(**rash)["pain_mechanism"]["dominant"] == "peripheral_neuropathic"
