"""The safety screen, case by case. Under-referral is the worst error."""
from __future__ import annotations

import pytest

from conftest import ids, run_case


def urgency(**blocks) -> str:
    return run_case(**blocks)["referral"]["urgency"]


def test_a_calm_mechanical_case_needs_no_referral():
    out = run_case()
    assert out["referral"]["urgency"] == "none"
    assert out["red_flags"] == []
    assert out["plan"]["treat"] is True


@pytest.mark.parametrize("symptom", ["saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction", "sexual_dysfunction"])
def test_any_single_cauda_equina_feature_is_an_emergency_that_stops_treatment(symptom):
    out = run_case(symptoms={symptom: True})
    assert out["referral"]["urgency"] == "emergency"
    assert ids(out["red_flags"]) == ["cauda_equina_syndrome"]
    assert "no_treatment_refer" in ids(out["contraindications"])
    assert out["plan"]["treat"] is False and out["plan"]["techniques"] == []
    assert out["self_care"] == []
    assert "emergency department" in out["referral"]["tell_client"]


def test_numbness_of_the_perineum_counts_as_saddle_anaesthesia():
    assert urgency(symptoms={"numbness_sites": ["perineum"]}) == "emergency"


def test_new_sciatica_in_both_legs_is_treated_as_possible_cauda_equina():
    out = run_case(history={"duration_days": 4},
                   symptoms={"pain_sites": ["low_back", "calf_left", "calf_right"]})
    assert out["referral"]["urgency"] == "emergency"
    assert "cauda_equina_syndrome" in ids(out["red_flags"])


def test_long_standing_claudication_in_both_legs_is_stenosis_not_an_emergency():
    out = run_case(client={"age": 74}, history={"duration_days": 700, "easing": ["sitting", "bending_forward"]},
                   symptoms={"pain_sites": ["low_back", "calf_left", "calf_right"], "neurogenic_claudication": True})
    assert out["referral"]["urgency"] in ("none", "routine")
    assert out["red_flags"] == []


def test_an_unknown_duration_counts_as_new_for_both_legs():
    case = {"symptoms": {"pain_sites": ["calf_left", "calf_right"]}, "history": {"duration_days": None}}
    assert urgency(**case) == "emergency"


def test_progressive_weakness_is_urgent_and_in_both_legs_an_emergency():
    assert urgency(symptoms={"progressive_weakness": True}) == "urgent"
    both = {"symptoms": {"progressive_weakness": True},
            "neuro": {"motor": {"ankle_dorsiflexion": {"left": "weak", "right": "weak"}}}}
    assert urgency(**both) == "emergency"


def test_foot_drop_is_urgent():
    out = run_case(observation={"gait": "foot_drop"})
    assert out["referral"]["urgency"] == "urgent"
    assert ids(out["red_flags"]) == ["progressive_neurological_deficit"]


def test_a_history_of_cancer_is_urgent_and_with_a_deficit_an_emergency():
    assert urgency(medical={"cancer_history": True}) == "urgent"
    deficit = {"medical": {"cancer_history": True}, "neuro": {"motor": {"great_toe_extension": {"left": "weak"}}}}
    assert urgency(**deficit) == "emergency"


CLEAR_STRAIN = {"history": {"onset": "sudden", "mechanism": "lifting a box", "duration_days": 6,
                            "aggravating": ["bending_forward", "lifting"], "easing": ["rest"]},
                "medical": {"cancer_history": True}}


def test_past_cancer_with_a_clear_settling_strain_is_a_routine_referral_with_treatment():
    out = run_case(**CLEAR_STRAIN)
    assert out["referral"]["urgency"] == "routine"
    assert out["plan"]["treat"] is True and out["self_care"]
    (flag,) = out["red_flags"]
    assert flag["id"] == "spinal_malignancy" and flag["urgency"] == "routine"
    assert any("(lowers concern)" in e for e in flag["evidence"])


@pytest.mark.parametrize("raiser", [
    {"client": {"age": 55}},
    {"medical": {"unexplained_weight_loss": True}},
    {"symptoms": {"constant_night_pain": True}},
    {"history": {"aggravating": ["bending_forward", "night"]}},
    {"history": {"duration_days": 45}},
])
def test_any_second_flag_keeps_past_cancer_urgent(raiser):
    out = run_case(**CLEAR_STRAIN, **raiser) if not set(raiser) & set(CLEAR_STRAIN) else run_case(
        **{k: {**CLEAR_STRAIN.get(k, {}), **v} for k, v in raiser.items()},
        **{k: v for k, v in CLEAR_STRAIN.items() if k not in raiser})
    assert out["referral"]["urgency"] in ("urgent", "emergency")
    assert out["plan"]["treat"] is False


def test_at_fifty_or_over_past_cancer_is_lowered_only_by_a_recorded_settling_course():
    # Age is a weak malignancy flag (Henschke 2013): beside past cancer it keeps the referral urgent
    # unless the checklist records the pain settling as expected.
    older = {**CLEAR_STRAIN, "client": {"age": 63}}
    assert urgency(**older) == "urgent"
    settling = run_case(**older, pain_mechanism_criteria={"resolving_as_expected": True})
    assert settling["referral"]["urgency"] == "routine" and settling["plan"]["treat"] is True
    night = {**older, "symptoms": {"constant_night_pain": True}}
    assert urgency(**night, pain_mechanism_criteria={"resolving_as_expected": True}) == "urgent"


def test_a_settling_course_must_be_recorded_not_assumed():
    unclear = {**CLEAR_STRAIN, "history": {**CLEAR_STRAIN["history"], "mechanism": None, "onset": None}}
    assert urgency(**unclear) == "urgent"
    worsening = {**CLEAR_STRAIN, "pain_mechanism_criteria": {"resolving_as_expected": False}}
    assert urgency(**worsening) == "urgent"


def test_one_movement_a_little_weak_on_both_sides_is_not_cauda_equina():
    out = run_case(neuro={"motor": {"hip_abduction": {"left": "weak", "right": "weak"}}},
                   symptoms={"paresthesia_sites": [], "numbness_sites": []})
    assert out["referral"]["urgency"] == "routine"
    assert out["red_flags"] == [] and out["plan"]["treat"] is True


def test_root_pattern_deficits_in_both_legs_are_cauda_equina():
    out = run_case(neuro={"motor": {"ankle_plantarflexion": {"left": "weak", "right": "weak"}},
                          "reflexes": {"achilles": {"left": "absent", "right": "absent"}}})
    assert out["referral"]["urgency"] == "emergency"
    assert ids(out["red_flags"]) == ["cauda_equina_syndrome"]


def test_the_safety_critical_rules_are_never_lowered():
    from backcare.clinical.knowledge.runtime import load_knowledge

    for rule, _ in load_knowledge().referral_rules:
        if rule["red_flag"] in ("cauda_equina_syndrome", "progressive_neurological_deficit", "spinal_infection",
                                "abdominal_aortic_aneurysm") or rule["urgency"] == "emergency":
            assert rule["lowered_by"] == [], rule["id"]


def test_weight_loss_alone_is_routine_but_with_night_pain_urgent():
    assert urgency(medical={"unexplained_weight_loss": True}) == "routine"
    assert urgency(medical={"unexplained_weight_loss": True}, symptoms={"constant_night_pain": True}) == "urgent"


def test_fever_postpones_treatment_and_with_a_risk_factor_is_urgent():
    out = run_case(medical={"fever": True})
    assert out["referral"]["urgency"] == "routine"
    assert "postpone_fever" in ids(out["contraindications"])
    assert out["plan"]["treat"] is False and out["plan"]["techniques"] == []
    assert urgency(medical={"fever": True, "iv_drug_use": True}) == "urgent"


def test_trauma_and_fragility_raise_fracture_suspicion():
    assert urgency(medical={"recent_significant_trauma": True}) == "urgent"
    assert urgency(medical={"osteoporosis": True}, history={"onset": "sudden"}) == "urgent"
    assert urgency(medical={"long_term_steroids": True}) == "routine"
    assert urgency(medical={"osteoporosis": True}, history={"duration_days": 900}) == "none"


def test_no_comfortable_position_stops_treatment():
    out = run_case(symptoms={"no_comfortable_position": True})
    assert out["referral"]["urgency"] == "urgent"
    assert ids(out["red_flags"]) == ["unremitting_pain"]
    assert out["plan"]["treat"] is False


def test_aneurysm_warning_signs():
    assert urgency(medical={"known_aaa_or_vascular_disease": True}, symptoms={"pain_sites": ["low_back", "abdomen"]}) == "emergency"
    assert urgency(client={"age": 70}, symptoms={"pain_sites": ["low_back", "abdomen"]}) == "urgent"
    assert urgency(client={"age": 30}, symptoms={"pain_sites": ["low_back", "abdomen"]}) == "routine"


def test_inflammatory_back_pain_is_a_routine_referral_with_treatment():
    out = run_case(client={"age": 27, "sex": "male"},
                   history={"duration_days": 200, "morning_stiffness_minutes": 60,
                            "aggravating": ["rest", "night"], "easing": ["movement"]},
                   symptoms={"pain_sites": ["low_back", "buttock_left", "buttock_right"]})
    assert out["referral"]["urgency"] == "routine"
    assert ids(out["red_flags"]) == ["axial_spondyloarthritis"]
    assert out["plan"]["treat"] is True
    assert "axial_spondyloarthritis" in ids(out["differential"][:3], "condition")


def test_red_flag_evidence_names_the_findings():
    out = run_case(medical={"cancer_history": True, "unexplained_weight_loss": True})
    (flag,) = out["red_flags"]
    assert "history of cancer" in flag["evidence"] and "unexplained weight loss" in flag["evidence"]


def test_unanswered_screening_questions_are_listed():
    out = run_case(symptoms={"bladder_dysfunction": None, "saddle_anaesthesia": None})
    assert out["referral"]["not_asked"] == ["saddle_anaesthesia", "bladder_dysfunction"]


ISCHAEMIC_LEG = {"history": {"onset": "sudden", "duration_days": 0, "easing": ["nothing"]},
                 "symptoms": {"pain_nrs": 9, "pain_sites": ["low_back", "buttock_left"],
                              "paresthesia_sites": ["dorsum_foot_left", "sole_left"]},
                 "circulation": {"pedal_pulses": {"left": "absent", "right": "present"},
                                 "cool_skin": {"left": True, "right": False}}}


def test_a_cold_pulseless_numb_leg_with_sudden_severe_pain_is_an_emergency():
    # Acute limb ischaemia, the "6 Ps" (mimics.md 6.3): the emergency department now, and the differential
    # leads with what the emergency is for.
    out = run_case(**ISCHAEMIC_LEG)
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("emergency", "emergency_department")
    assert out["plan"]["treat"] is False
    assert out["differential"][0]["condition"] == "peripheral_arterial_disease"


def test_a_cool_leg_alone_is_not_acute_limb_ischaemia():
    circulation = {k: v for k, v in ISCHAEMIC_LEG["circulation"].items() if k != "pedal_pulses"}
    assert urgency(**{**ISCHAEMIC_LEG, "circulation": circulation}) != "emergency"


def test_a_missing_pulse_without_a_cold_leg_is_an_emergency_only_on_the_first_day():
    # The six Ps: on the first day the cold leg may not have been checked; a missing pulse with sciatica for
    # days (a pulse that may never have been felt) is not the emergency.
    pulse_only = {**ISCHAEMIC_LEG, "circulation": {"pedal_pulses": ISCHAEMIC_LEG["circulation"]["pedal_pulses"]}}
    assert urgency(**pulse_only) == "emergency"
    days = {**pulse_only, "history": {**pulse_only["history"], "duration_days": 5}}
    assert urgency(**days) != "emergency"


OSTEOPOROTIC_STRAIN = {"client": {"age": 66, "sex": "female"}, "medical": {"osteoporosis": True},
                       "history": {"onset": "sudden", "mechanism": "pulling weeds", "duration_days": 4,
                                   "aggravating": ["bending_forward"], "easing": ["movement"]},
                       "symptoms": {"pain_nrs": 4, "pain_sites": ["low_back_left"]},
                       "palpation": {"tender": ["quadratus_lumborum"], "not_tender": ["spinous_processes"]}}


def test_osteoporosis_with_a_mild_strain_and_a_spine_not_tender_is_a_routine_fracture_review_with_care():
    out = run_case(**OSTEOPOROTIC_STRAIN)
    assert out["referral"]["urgency"] == "routine" and out["plan"]["treat"] is True
    assert "no_deep_pressure_osteoporosis" in ids(out["contraindications"])


@pytest.mark.parametrize("change", [
    {"symptoms": {"pain_nrs": 8, "pain_sites": ["low_back"]}},  # severe
    {"palpation": {"tender": ["spinous_processes"]}},  # midline tenderness
    {"palpation": {"tender": ["quadratus_lumborum"]}},  # the spine not palpated: nothing lowers
    {"client": {"age": 74, "sex": "female"}},
])
def test_osteoporosis_with_sudden_pain_stays_urgent_without_a_reassuring_examination(change):
    assert urgency(**{**OSTEOPOROTIC_STRAIN, **change}) == "urgent"


def test_foot_pain_at_rest_worse_lying_with_a_missing_pulse_is_an_urgent_vascular_review():
    # Chronic limb-threatening ischaemia (mimics.md 6.3): the same or the next day, through the family doctor.
    rest_pain = {"client": {"age": 72}, "medical": {"smoker": True, "diabetes": True},
                 "history": {"duration_days": 21, "aggravating": ["lying", "night"]},
                 "symptoms": {"pain_sites": ["big_toe_right", "dorsum_foot_right", "low_back"]},
                 "circulation": {"pedal_pulses": {"right": "absent", "left": "reduced"}}}
    out = run_case(**rest_pain)
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("urgent", "family_doctor")
    assert "peripheral_arterial_disease" in ids(out["differential"], "condition")[:3]
    # With the pulses present the same pain is not read as ischaemia.
    pulses = {"circulation": {"pedal_pulses": {"right": "present", "left": "present"}}}
    assert urgency(**{**rest_pain, **pulses}) != "urgent"


ACHING_CALVES = {"history": {"onset": "gradual", "duration_days": 1, "aggravating": ["stairs"]},
                 "symptoms": {"pain_sites": ["low_back", "calf_left", "calf_right"], "pain_quality": ["aching"],
                              "paresthesia_sites": [], "numbness_sites": [], "saddle_anaesthesia": False,
                              "bladder_dysfunction": False},
                 "special_tests": {"slr": {"left": "negative", "right": "negative"},
                                   "slump": {"left": "negative", "right": "negative"}},
                 "neuro": {"motor": {"ankle_dorsiflexion": {"left": "normal", "right": "normal"}},
                           "reflexes": {"achilles": {"left": "normal", "right": "normal"}}}}


def test_aching_calves_with_negative_nerve_tests_and_a_normal_examination_are_not_cauda_equina():
    out = run_case(**ACHING_CALVES)
    assert out["referral"]["urgency"] == "none" and out["red_flags"] == []


@pytest.mark.parametrize("change", [
    {"symptoms": {**ACHING_CALVES["symptoms"], "pain_quality": ["shooting"]}},
    {"special_tests": {"slr": {"left": "negative", "right": "negative"}}},  # slump not done
    {"symptoms": {**ACHING_CALVES["symptoms"], "paresthesia_sites": ["sole_left"]}},
    {"symptoms": {k: v for k, v in ACHING_CALVES["symptoms"].items() if k != "pain_quality"}},
])
def test_pain_below_both_knees_stays_a_cauda_equina_emergency_unless_the_nerves_were_examined_and_clear(change):
    assert urgency(**{**ACHING_CALVES, **change}) == "emergency"


def test_a_quiet_deficit_years_after_a_discectomy_goes_to_the_family_doctor_not_urgently_to_the_surgeons():
    old_deficit = {"history": {"spinal_surgery": {"procedure": "discectomy", "weeks_ago": 470}, "duration_days": 6},
                   "symptoms": {"pain_sites": ["low_back"], "numbness_sites": ["lateral_foot_left"],
                                "progressive_weakness": False},
                   "special_tests": {"slr": {"left": "negative", "right": "negative"}},
                   "neuro": {"motor": {"ankle_plantarflexion": {"left": "normal", "right": "normal"}},
                             "sensory": {"reduced": ["lateral_foot_left"]}, "reflexes": {"achilles": {"left": "reduced"}}}}
    out = run_case(**old_deficit)
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("routine", "family_doctor")
    assert out["plan"]["treat"] is True
    # Weakness, or surgery within two years, keeps it urgent for the surgical team.
    weak = {**old_deficit, "neuro": {**old_deficit["neuro"], "motor": {"ankle_plantarflexion": {"left": "weak"}}}}
    recent = {**old_deficit, "history": {**old_deficit["history"], "spinal_surgery": {"weeks_ago": 40}}}
    for case in (weak, recent):
        out = run_case(**case)
        assert (out["referral"]["urgency"], out["referral"]["to"]) == ("urgent", "surgical_team")


def test_sudden_abdominal_pain_early_in_a_pregnancy_is_an_emergency():
    # mimics.md 7.2 and 16.3: a possible ectopic pregnancy.
    out = run_case(client={"age": 28, "sex": "female"}, medical={"pregnant": True},
                   history={"onset": "sudden", "pregnancy_weeks": 7, "duration_days": 0},
                   symptoms={"pain_sites": ["abdomen", "groin_right", "low_back"]})
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("emergency", "emergency_department")
    assert out["plan"]["treat"] is False
