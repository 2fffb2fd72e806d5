"""Clinical reasoning III, failure class by failure class (issue 14): each rule by
examples built from the evidence, beside the properties in test_properties.py."""
from __future__ import annotations

import pytest

from backcare.clinical.engine.negation import affirmed_words
from conftest import ids, run_case


def conditions(out) -> list[str]:
    return [c["condition"] for c in out["differential"]]


# --- 1. free text read with its negation -------------------------------------------

@pytest.mark.parametrize("text, mentioned", [
    ("no fall, no lifting", set()),
    ("denies any fall or trip; no numbness", set()),
    ("did not fall", set()),
    ("doesn't remember a fall", set()),
    ("tripped on a rug and landed on her bottom", {"tripped", "landed"}),
    ("no fall last week, but slipped on ice yesterday", {"slipped"}),
    ("no injury. Fell down two steps on Monday", {"fell"}),
])
def test_negated_words_are_not_mentioned(text, mentioned):
    assert affirmed_words(text) & {"fall", "fell", "trip", "tripped", "slipped", "landed", "numbness"} == mentioned


def test_no_fall_written_in_the_notes_raises_no_fracture_flag():
    fragile = {"client": {"age": 74}, "medical": {"osteoporosis": True}, "symptoms": {"pain_nrs": 4}}
    out = run_case(**fragile, history={"onset": "gradual"})
    quiet = run_case(**fragile, history={"onset": "gradual", "mechanism": "no fall, no lifting"})
    fell = run_case(**fragile, history={"onset": "gradual", "mechanism": "slipped on the stairs"})
    assert quiet["referral"]["urgency"] == out["referral"]["urgency"]
    assert quiet["plan"]["treat"] is True
    assert fell["referral"]["urgency"] == "urgent" and fell["plan"]["treat"] is False


def test_the_structured_answer_outweighs_the_free_text():
    fell_in_text = {"client": {"age": 74}, "history": {"mechanism": "fell in the garden"}}
    assert run_case(**fell_in_text, medical={"osteoporosis": True, "recent_minor_trauma": False})["plan"]["treat"] is True
    assert run_case(**fell_in_text, medical={"osteoporosis": True})["plan"]["treat"] is False


# --- 2. one verdict -----------------------------------------------------------------

def test_an_anticoagulated_older_client_after_a_fall_is_referred_before_any_hands_on_work():
    out = run_case(client={"age": 79}, medical={"anticoagulants": True, "recent_minor_trauma": True},
                   history={"onset": "sudden", "duration_days": 2}, symptoms={"pain_nrs": 7})
    assert out["referral"]["urgency"] == "urgent" and out["referral"]["to"] == "family_doctor"
    assert "vertebral_fracture" in ids(out["red_flags"])
    assert out["plan"]["treat"] is False and "no_treatment_refer" in ids(out["contraindications"])


def test_routine_advice_never_asks_for_a_doctor_before_hands_on_work():
    out = run_case(client={"age": 72}, history={"onset": "sudden", "mechanism": "slipped on ice"})
    assert out["referral"]["urgency"] == "routine" and out["plan"]["treat"] is True
    assert all("before any hands-on" not in f["tell_client"] for f in out["red_flags"])


def test_protective_spasm_removes_the_goal_of_reducing_spasm():
    out = run_case(history={"onset": "sudden", "duration_days": 5, "aggravating": ["sitting", "bending_forward", "coughing_sneezing"]},
                   symptoms={"pain_sites": ["low_back", "posterior_thigh_left", "calf_left"], "paresthesia_sites": ["lateral_foot_left"]},
                   observation={"muscle_spasm": True, "posture": ["lateral_shift_right"]},
                   special_tests={"slr": {"left": "positive"}},
                   neuro={"reflexes": {"achilles": {"left": "reduced", "right": "normal"}}})
    assert "preserve_protective_spasm" in ids(out["contraindications"])
    assert "reduce_pain_spasm" not in out["plan"]["goals"]


def test_an_irritated_sciatic_nerve_is_neither_pressed_nor_stretched():
    out = run_case(symptoms={"pain_sites": ["buttock_left", "posterior_thigh_left"], "paresthesia_sites": ["posterior_thigh_left"]},
                   special_tests={"fair": {"left": "positive"}, "slr": {"left": "positive"}},
                   history={"aggravating": ["sitting"]}, palpation={"tender": ["piriformis"], "trigger_points": ["piriformis"]})
    assert "no_sustained_nerve_compression" in ids(out["contraindications"])
    for tech in out["plan"]["techniques"]:
        if tech["technique"] in ("trigger_point_compression", "muscle_stripping", "piriformis_rotation_pressure", "passive_stretch"):
            assert not {"piriformis", "hamstrings", "gluteus_maximus"} & set(tech["targets"]), tech
    assert "hamstring_stretch" not in ids(out["self_care"])


# --- 3. age -------------------------------------------------------------------------

def test_an_adolescent_with_a_neurological_deficit_is_seen_by_a_doctor_the_same_day():
    out = run_case(client={"age": 15}, symptoms={"pain_sites": ["low_back", "lateral_leg_right"]},
                   neuro={"motor": {"great_toe_extension": {"left": "normal", "right": "weak"}}})
    assert out["referral"]["urgency"] == "urgent" and out["plan"]["treat"] is False


def test_an_adult_with_the_same_deficit_is_treated():
    out = run_case(client={"age": 35}, symptoms={"pain_sites": ["low_back", "lateral_leg_right"]},
                   neuro={"motor": {"great_toe_extension": {"left": "normal", "right": "weak"}}})
    assert out["referral"]["urgency"] == "none"


def test_an_adolescent_extension_athlete_is_a_suspected_pars_fracture():
    out = run_case(client={"age": 16}, history={"duration_days": 30, "aggravating": ["extension", "sport"], "easing": ["rest"],
                                                "mechanism": "gymnastics five days a week"},
                   symptoms={"pain_sites": ["low_back_right"], "paresthesia_sites": []})
    assert conditions(out)[0] == "spondylolysis"
    assert out["referral"]["urgency"] == "routine"
    assert "avoid_extension_loading" in ids(out["contraindications"])
    assert "back_extension" not in ids(out["self_care"]) and "relative_rest_from_sport" in ids(out["self_care"])


# --- 4. after spinal surgery -----------------------------------------------------------

SURGERY = {"procedure": "discectomy", "level": "L5-S1"}


def test_a_new_deficit_months_after_a_discectomy_goes_to_the_surgical_team():
    out = run_case(history={"spinal_surgery": {**SURGERY, "weeks_ago": 30}, "duration_days": 10},
                   symptoms={"pain_sites": ["buttock_left", "lateral_foot_left"]},
                   neuro={"motor": {"ankle_plantarflexion": {"left": "weak", "right": "normal"}}})
    assert out["referral"]["urgency"] == "urgent" and out["referral"]["to"] == "surgical_team"
    assert out["plan"]["treat"] is False


def test_a_recent_operation_without_fever_or_systemic_signs_is_not_an_infection():
    out = run_case(history={"spinal_surgery": {**SURGERY, "weeks_ago": 5}},
                   medical={"recent_infection": True, "fever": False})
    assert "spinal_infection" not in ids(out["red_flags"])
    assert out["plan"]["treat"] is True
    assert "avoid_recent_incision" in ids(out["contraindications"])
    for tech in out["plan"]["techniques"]:
        assert not {"erector_spinae", "multifidus", "lumbar_vertebrae"} & set(tech["targets"])


def test_fever_weeks_after_spinal_surgery_goes_to_the_surgical_team_the_same_day():
    out = run_case(history={"spinal_surgery": {**SURGERY, "weeks_ago": 4}}, medical={"fever": True})
    assert out["referral"]["urgency"] == "urgent" and out["referral"]["to"] == "surgical_team"
    assert "spinal_infection" in ids(out["red_flags"])


def test_weakness_getting_worse_after_surgery_is_an_emergency_for_the_surgical_team():
    """mimics.md 14.2: a new or worsening deficit after surgery goes to the operating team now, through the ED."""
    out = run_case(history={"spinal_surgery": {**SURGERY, "weeks_ago": 3}},
                   symptoms={"progressive_weakness": True, "pain_sites": ["lateral_leg_right"]},
                   neuro={"motor": {"ankle_dorsiflexion": {"left": "normal", "right": "weak"}}})
    assert out["referral"]["urgency"] == "emergency" and out["referral"]["to"] == "surgical_team"
    assert "emergency department" in out["referral"]["tell_client"] and "operation" in out["referral"]["tell_client"]
    assert out["plan"]["treat"] is False


def test_cauda_equina_after_surgery_is_still_the_emergency_department():
    out = run_case(history={"spinal_surgery": {**SURGERY, "weeks_ago": 30}}, symptoms={"bladder_dysfunction": True})
    assert out["referral"]["urgency"] == "emergency" and out["referral"]["to"] == "emergency_department"


# --- 5. criteria by their published definitions -------------------------------------

INFLAMMATORY_AGE = {"client": {"age": 32}}


def test_worse_at_rest_and_night_with_nothing_easing_is_not_inflammatory_back_pain():
    out = run_case(**INFLAMMATORY_AGE, history={"onset": "gradual", "duration_days": 150, "aggravating": ["rest", "night"],
                                                "easing": ["nothing"], "morning_stiffness_minutes": 10},
                   symptoms={"pain_sites": ["low_back", "buttock_left", "buttock_right"]})
    assert "axial_spondyloarthritis" not in ids(out["red_flags"])


def test_both_buttocks_at_once_is_not_alternating_buttock_pain():
    out = run_case(**INFLAMMATORY_AGE, history={"onset": "gradual", "duration_days": 150, "morning_stiffness_minutes": 45,
                                                "aggravating": ["lifting"], "easing": ["rest"]},
                   symptoms={"pain_sites": ["low_back", "buttock_left", "buttock_right"]})
    assert "axial_spondyloarthritis" not in ids(out["red_flags"])


def test_inflammatory_back_pain_by_its_criteria_is_flagged_for_a_routine_referral():
    out = run_case(**INFLAMMATORY_AGE, history={"onset": "gradual", "duration_days": 200, "morning_stiffness_minutes": 60,
                                                "aggravating": ["rest", "night"], "easing": ["movement"]})
    assert "axial_spondyloarthritis" in ids(out["red_flags"])
    assert out["referral"]["urgency"] == "routine" and out["plan"]["treat"] is True


# --- 6. a mechanism verdict as certain as what was judged ------------------------------

def test_intake_answers_alone_give_no_confident_neuropathic_verdict():
    out = run_case(symptoms={"pain_sites": ["low_back", "posterior_thigh_left", "calf_left"], "paresthesia_sites": ["calf_left"],
                             "pain_quality": ["burning", "shooting"]}, history={"aggravating": ["sitting"]})
    pm = out["pain_mechanism"]
    assert pm["dominant"] is None
    assert max(pm["probabilities"].values()) < 0.6
    assert any("1 of 3 criteria met, 2 not judged" in e for e in pm["evidence"])


# --- 7. scope: the look-alikes -----------------------------------------------------------

def test_stocking_sensory_loss_is_a_polyneuropathy_not_two_s1_roots():
    feet = [f"{r}_{s}" for r in ("sole", "big_toe", "little_toe") for s in ("left", "right")]
    out = run_case(client={"age": 63}, medical={"diabetes": True}, history={"duration_days": 300},
                   symptoms={"pain_sites": feet, "paresthesia_sites": feet},
                   neuro={"sensory": {"reduced": feet}, "vibration": {"left": "reduced", "right": "reduced"},
                          "reflexes": {"achilles": {"left": "absent", "right": "absent"}}})
    assert out["nerve_roots"] == []
    assert conditions(out)[0] == "peripheral_neuropathy"
    assert out["referral"] == {**out["referral"], "urgency": "routine", "to": "family_doctor"}
    assert "no_thermal_insensate_skin" in ids(out["contraindications"])
    assert not {"heat_at_home", "cold_hydrotherapy", "nerve_sliders"} & set(ids(out["self_care"]))
    assert "heat_tight_areas" not in out["plan"]["hydrotherapy"]


def test_a_root_beside_a_polyneuropathy_leads_and_the_polyneuropathy_keeps_its_care():
    # mimics.md 11: the feet are the polyneuropathy's, the radiating pain with a single-root deficit,
    # a positive SLR and cough-linked leg pain the root's; the two coexist.
    feet = [f"{r}_{s}" for r in ("sole", "big_toe") for s in ("left", "right")]
    out = run_case(client={"age": 66}, medical={"diabetes": True},
                   history={"onset": "sudden", "duration_days": 14, "aggravating": ["sitting", "coughing_sneezing"]},
                   symptoms={"pain_sites": ["low_back", "buttock_right", "posterior_thigh_right", "calf_right"],
                             "numbness_sites": feet},
                   special_tests={"slr": {"right": "positive", "left": "negative"}},
                   neuro={"motor": {"ankle_plantarflexion": {"right": "weak", "left": "normal"}},
                          "sensory": {"reduced": feet + ["lateral_foot_right"]},
                          "vibration": {"left": "reduced", "right": "reduced"}})
    assert [(r["root"], r["side"]) for r in out["nerve_roots"]] == [("S1", "right")]
    assert conditions(out)[0] in ("lumbar_disc_herniation", "lumbar_radiculopathy")
    assert "peripheral_neuropathy" in conditions(out)[:3]
    assert out["referral"]["urgency"] == "routine" and out["referral"]["to"] == "family_doctor"
    assert "no_thermal_insensate_skin" in ids(out["contraindications"])


def test_hip_osteoarthritis_alone_is_referred_routinely_for_exercise_led_care_and_treated():
    # mimics.md 1.3 and 16.3 (NICE NG226): routine, to a physiotherapist or the family doctor.
    out = run_case(client={"age": 60}, history={"aggravating": ["squatting", "stairs"], "duration_days": 200},
                   symptoms={"pain_sites": ["groin_left", "buttock_left", "anterior_thigh_left"]},
                   special_tests={"hip_scour": {"left": "positive"}, "hip_flexion_lateral_pain": {"left": "positive"},
                                  "hip_extension_pain": {"left": "positive"}, "slr": {"left": "negative"}},
                   hip={"internal_rotation_degrees": {"left": 12, "right": 35}})
    assert conditions(out)[0] == "hip_osteoarthritis"
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("routine", "physiotherapist")
    assert out["red_flags"] == [] and out["plan"]["treat"] is True


def test_brisk_reflexes_with_clumsy_hands_are_an_upper_motor_neurone_sign():
    out = run_case(client={"age": 62}, symptoms={"hand_clumsiness": True},
                   neuro={"reflexes": {"patellar": {"left": "brisk", "right": "brisk"}}})
    assert "upper_motor_neurone_signs" in ids(out["red_flags"])
    assert out["referral"]["urgency"] == "urgent" and out["plan"]["treat"] is False
    assert "myelopathy" in conditions(out)[:3]


def test_fever_loin_pain_and_urinary_symptoms_point_to_an_organ():
    out = run_case(medical={"fever": True}, symptoms={"pain_sites": ["flank_right"], "urinary_symptoms": True})
    assert "visceral_source" in ids(out["red_flags"])
    assert conditions(out)[0] == "visceral_referred_pain"
    assert out["referral"]["urgency"] == "urgent" and out["plan"]["treat"] is False


def test_an_organ_the_referral_names_stays_in_the_first_three_beside_flagged_conditions():
    """Two flags (malignancy, aneurysm) take two places; the third goes to the organ the referral is for,
    not to ordinary back pain."""
    out = run_case(client={"age": 68}, history={"onset": "gradual", "duration_days": 42, "aggravating": ["lying", "night"]},
                   medical={"unexplained_weight_loss": True, "smoker": True},
                   symptoms={"pain_sites": ["abdomen", "thoracic", "low_back"], "constant_night_pain": True})
    top3 = ids(out["differential"], "condition")[:3]
    assert {"spinal_malignancy", "abdominal_aortic_aneurysm", "visceral_referred_pain"} == set(top3)
    shares = [c["probability"] for c in out["differential"][:3]]
    assert shares == sorted(shares, reverse=True)


def test_colic_in_pregnancy_goes_to_the_maternity_team():
    out = run_case(medical={"pregnant": True}, history={"pregnancy_weeks": 31}, symptoms={"colicky_pain": True})
    assert out["referral"]["to"] == "obstetric_care" and out["plan"]["treat"] is False


def test_vascular_claudication_spares_the_ischaemic_leg_from_deep_work_and_heat():
    out = run_case(client={"age": 68}, medical={"smoker": True},
                   history={"aggravating": ["walking", "cycling"], "easing": ["standing_still"], "duration_days": 120},
                   symptoms={"pain_sites": ["calf_left"], "vascular_claudication": True},
                   circulation={"pedal_pulses": {"left": "absent", "right": "present"}})
    assert conditions(out)[0] == "peripheral_arterial_disease"
    assert out["referral"]["urgency"] == "routine" and out["referral"]["to"] == "family_doctor"
    assert "no_deep_work_ischaemic_limb" in ids(out["contraindications"])
    assert "heat_tight_areas" not in out["plan"]["hydrotherapy"] and "heat_at_home" not in ids(out["self_care"])
    assert "interval_walking" in ids(out["self_care"])


def test_a_gluteal_tendinopathy_beside_a_root_is_ranked_and_planned_for_both():
    out = run_case(client={"age": 55, "sex": "female"},
                   history={"aggravating": ["lying_on_side", "stairs", "sitting"], "duration_days": 60},
                   symptoms={"pain_sites": ["hip_right", "lateral_thigh_right", "lateral_leg_right", "dorsum_foot_right"],
                             "paresthesia_sites": ["dorsum_foot_right"]},
                   special_tests={"single_leg_stance_30s": {"right": "positive"}, "slr": {"right": "positive"}},
                   neuro={"motor": {"great_toe_extension": {"left": "normal", "right": "weak"}}},
                   palpation={"tender": ["greater_trochanter"]})
    assert [(r["root"], r["side"]) for r in out["nerve_roots"]] == [("L5", "right")]
    assert "greater_trochanteric_pain_syndrome" in conditions(out)[:3]
    assert {"avoid_tendon_compression", "no_sustained_nerve_compression"} <= set(ids(out["contraindications"]))
    assert {"avoid_lying_on_painful_side", "hip_abductor_isometrics"} <= set(ids(out["self_care"]))


def test_meralgia_gets_no_sciatic_nerve_sliders():
    out = run_case(client={"age": 51}, history={"mechanism": "new heavy tool belt", "aggravating": ["standing", "walking"]},
                   symptoms={"pain_sites": ["lateral_thigh_right"], "paresthesia_sites": ["lateral_thigh_right"],
                             "pain_quality": ["burning"]},
                   special_tests={"lfcn_compression": {"right": "positive"}, "slr": {"left": "negative", "right": "negative"}},
                   neuro={"sensory": {"reduced": ["lateral_thigh_right"]}, "motor": {"knee_extension": {"left": "normal", "right": "normal"}}})
    assert conditions(out)[0] == "meralgia_paresthetica"
    assert out["nerve_roots"] == []
    assert "nerve_sliders" not in ids(out["self_care"])
    assert all(t["technique"] != "neural_gliding" for t in out["plan"]["techniques"])


def test_trigger_points_that_reproduce_the_pain_in_their_zone_lead_when_the_neurology_is_normal():
    out = run_case(symptoms={"pain_sites": ["buttock_right", "lateral_thigh_right", "lateral_leg_right"]},
                   special_tests={"slr": {"left": "negative", "right": "negative"}},
                   neuro={"motor": {"great_toe_extension": {"left": "normal", "right": "normal"}}},
                   palpation={"trigger_points": ["gluteus_minimus"], "reproduces_familiar_pain": ["gluteus_minimus"]})
    assert conditions(out)[0] == "myofascial_pain_syndrome"
    targets = {t for tech in out["plan"]["techniques"] for t in tech["targets"]}
    assert "gluteus_minimus" in targets


def test_a_look_alike_with_no_sign_of_its_own_stays_out_of_an_ordinary_back_pain():
    out = run_case()
    mimics = {"hip_osteoarthritis", "femoroacetabular_impingement", "greater_trochanteric_pain_syndrome",
              "proximal_hamstring_tendinopathy", "peripheral_arterial_disease", "visceral_referred_pain", "spondylolysis",
              "pelvic_girdle_pain", "meralgia_paresthetica", "peripheral_neuropathy", "coccydynia", "myelopathy"}
    assert not mimics & set(conditions(out)[:3])


# --- the referral letter goes to the referral's destination ------------------------

def test_the_referral_letter_is_addressed_to_whom_the_client_should_see():
    from backcare.clinical.letters import addressee

    after_surgery = run_case(history={"spinal_surgery": {**SURGERY, "weeks_ago": 4}}, medical={"fever": True})
    assert addressee(after_surgery, "Ann Lee").startswith("The surgical team")
    emergency = run_case(symptoms={"bladder_dysfunction": True})
    assert "emergency department" in addressee(emergency, "Ann Lee")
    routine = run_case(client={"age": 72}, history={"onset": "sudden", "mechanism": "slipped on ice"})
    assert addressee(routine, "Ann Lee", "Dr Rao", "Harbour Surgery") == "Dr Rao, Harbour Surgery"


def test_every_self_care_item_has_a_drawing_for_the_handout():
    from backcare.clinical.knowledge.runtime import load_knowledge
    from backcare.web.drawings import drawing

    missing = [sid for sid in load_knowledge().self_care_items if drawing(sid) is None]
    assert missing == []


# --- burning feet of a polyneuropathy beside a one-sided root ------------------------------

def _root_with_burning_feet(right_pain: list[str]) -> dict:
    return run_case(client={"age": 63}, medical={"diabetes": True},
                    history={"onset": "sudden", "duration_days": 21},
                    symptoms={"pain_nrs": 6, "pain_sites": ["low_back", "lateral_leg_left", "sole_left", *right_pain],
                              "paresthesia_sites": ["sole_left", "sole_right"]},
                    special_tests={"slr": {"left": "positive", "right": "negative"}},
                    neuro={"motor": {"great_toe_extension": {"left": "weak", "right": "normal"}},
                           "sensory": {"reduced": ["sole_left", "sole_right", "big_toe_left", "big_toe_right"]},
                           "vibration": {"left": "reduced", "right": "reduced"}})


def test_pain_in_both_feet_that_a_polyneuropathy_explains_is_not_radicular_pain_in_both_legs():
    # mimics.md 11: a stocking loss with lost vibration is a polyneuropathy; its burning soles beside a
    # one-sided L5 root are not cauda equina's bilateral radicular pain. Pain above the foot on the other
    # side still is.
    out = _root_with_burning_feet(["sole_right"])
    assert "cauda_equina_syndrome" not in ids(out["red_flags"])
    assert out["referral"]["urgency"] != "emergency"
    out = _root_with_burning_feet(["sole_right", "calf_right"])
    assert "cauda_equina_syndrome" in ids(out["red_flags"])


def test_numb_soles_with_vibration_lost_at_both_feet_are_a_polyneuropathy_even_uncharted():
    # The sensory map was charted for the sciatic leg only; numb soles on both sides with vibration and the
    # monofilament lost at both feet are still the polyneuropathy's (Perkins 2001), not two-legged root symptoms.
    case = dict(client={"age": 59}, medical={"diabetes": True}, history={"onset": "sudden", "duration_days": 21},
                symptoms={"pain_nrs": 6, "pain_sites": ["low_back", "lateral_leg_left"],
                          "numbness_sites": ["sole_left", "sole_right"]},
                special_tests={"slr": {"left": "positive", "right": "negative"}},
                neuro={"motor": {"great_toe_extension": {"left": "weak", "right": "normal"}},
                       "sensory": {"reduced": ["dorsum_foot_left", "big_toe_left"]},
                       "vibration": {"left": "reduced", "right": "reduced"}})
    out = run_case(**case)
    assert "cauda_equina_syndrome" not in ids(out["red_flags"]) and out["referral"]["urgency"] != "emergency"
    unmeasured = run_case(**{**case, "neuro": {k: v for k, v in case["neuro"].items() if k != "vibration"}})
    assert "cauda_equina_syndrome" in ids(unmeasured["red_flags"])


def test_an_older_clients_sudden_strain_recorded_as_settling_raises_no_fracture_flag():
    base = dict(client={"age": 71}, symptoms={"pain_nrs": 4, "pain_sites": ["low_back_right"]},
                history={"onset": "sudden", "duration_days": 10, "aggravating": ["bending_forward", "lifting"],
                         "easing": ["walking", "heat"]})
    assert "vertebral_fracture" in ids(run_case(**base)["red_flags"])
    settling = run_case(**base, pain_mechanism_criteria={"resolving_as_expected": True})
    assert "vertebral_fracture" not in ids(settling["red_flags"])
    told = run_case(**{**base, "history": {**base["history"], "mechanism": "raking leaves; already ~50% better"}})
    assert "vertebral_fracture" not in ids(told["red_flags"])


# --- serious causes first seen as ordinary back pain (a twelfth blind set: case reports) ---------------

def test_sudden_unexplained_spinal_pain_on_an_anticoagulant_sees_a_doctor_today():
    # mimics.md 14.1: without a neurological symptom and without a mechanical explanation, same-day review.
    told = dict(client={"age": 63}, medical={"anticoagulants": True},
                symptoms={"pain_nrs": 8, "pain_sites": ["thoracic", "low_back"]})
    history = {"onset": "sudden", "duration_days": 1, "aggravating": [], "easing": []}
    out = run_case(**told, history={**history, "mechanism": "came on overnight; no fall"})
    assert out["referral"]["urgency"] == "urgent" and out["plan"]["treat"] is False
    lifted = run_case(**told, history={**history, "mechanism": "lifting a heavy box"})
    assert lifted["referral"]["urgency"] != "urgent"


def test_nice_ng65_three_features_without_a_mechanical_pattern_go_to_the_doctor():
    young = dict(client={"age": 20}, history={"onset": "gradual", "duration_days": 420, "aggravating": ["night"]},
                 symptoms={"pain_sites": ["buttock_right", "low_back"]})
    out = run_case(**young)
    assert out["referral"]["urgency"] == "routine" and "axial_spondyloarthritis" in ids(out["red_flags"])
    mechanical = run_case(**{**young, "history": {**young["history"], "aggravating": ["night", "sitting"],
                                                  "easing": ["rest"]}})
    assert "axial_spondyloarthritis" not in ids(mechanical["red_flags"])


def test_new_pain_at_fifty_or_over_recorded_as_not_settling_after_a_month_goes_to_the_doctor():
    older = dict(client={"age": 56}, symptoms={"pain_sites": ["low_back_left", "buttock_left"]})
    worse = run_case(**older, history={"onset": "gradual", "duration_days": 60,
                                       "mechanism": "several treatments have not helped; much worse this week"})
    assert worse["referral"]["urgency"] == "routine" and "spinal_malignancy" in ids(worse["red_flags"])
    recurrent = run_case(**older, history={"onset": "gradual", "duration_days": 60, "prior_episodes": True,
                                           "mechanism": "several treatments have not helped"})
    assert "spinal_malignancy" not in ids(recurrent["red_flags"])


def test_an_older_clients_familiar_mechanical_recurrence_raises_no_fracture_flag():
    base = dict(client={"age": 76}, symptoms={"pain_nrs": 5, "pain_sites": ["low_back"]},
                history={"onset": "sudden", "duration_days": 4, "prior_episodes": True,
                         "aggravating": ["bending_forward", "lifting"], "easing": ["walking", "heat"],
                         "mechanism": "digging the vegetable bed; same ache as his usual episodes"})
    assert "vertebral_fracture" not in ids(run_case(**base)["red_flags"])
    first = run_case(**{**base, "history": {**base["history"], "prior_episodes": False}})
    assert "vertebral_fracture" in ids(first["red_flags"])


def test_an_old_deficit_the_notes_record_as_unchanged_since_surgery_needs_no_referral():
    base = dict(client={"age": 52}, symptoms={"pain_nrs": 4, "pain_sites": ["low_back"], "progressive_weakness": False},
                neuro={"reflexes": {"achilles": {"left": "absent", "right": "normal"}},
                       "motor": {"ankle_plantarflexion": {"left": "normal", "right": "normal"}}},
                special_tests={"slr": {"left": "negative", "right": "negative"}})
    surgery = {"procedure": "discectomy", "weeks_ago": 365}
    plain = run_case(**base, history={"onset": "sudden", "spinal_surgery": surgery, "mechanism": "carrying units"})
    assert plain["referral"]["urgency"] == "routine"
    told = run_case(**base, history={"onset": "sudden", "spinal_surgery": surgery,
                                     "mechanism": "carrying units; the reflex has been unchanged since the operation"})
    assert told["referral"]["urgency"] == "none"


def test_weight_bearing_groin_pain_with_a_limp_in_a_runner_sees_a_doctor_within_a_day():
    # Robertson & Wood 2017: a femoral neck stress fracture is exercise-related groin pain in a runner; a delay
    # lets it displace. Sitting and squatting pain with a normal gait stays the impingement picture.
    runner = dict(client={"age": 27}, symptoms={"pain_nrs": 6, "pain_sites": ["groin_right", "anterior_thigh_right"]},
                  hip={"internal_rotation_degrees": {"left": 40, "right": 20}},
                  observation={"gait": "antalgic"},
                  history={"onset": "gradual", "duration_days": 24, "aggravating": ["walking", "stairs", "sport"],
                           "easing": ["rest"], "mechanism": "raised her weekly running for a marathon"})
    out = run_case(**runner)
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("urgent", "family_doctor")
    # Rotation not measured: the limp and the weight-bearing pain carry it; measured and full, they do not.
    unmeasured = {**runner, "hip": {}}
    assert run_case(**unmeasured)["referral"]["urgency"] == "urgent"
    full = {**runner, "hip": {"internal_rotation_degrees": {"left": 40, "right": 40}}}
    assert run_case(**full)["referral"]["urgency"] != "urgent"
    footballer = {**runner, "observation": {"gait": "normal"},
                  "history": {**runner["history"], "aggravating": ["squatting", "sitting", "sport"]}}
    assert run_case(**footballer)["referral"]["urgency"] in ("none", "routine")


def test_severe_sciatica_still_severe_after_two_weeks_sees_the_family_doctor():
    # National Back Pain and Radicular Pain Pathway 2017: severe radicular pain persisting at two to six weeks
    # goes for an opinion. The same pain in the first days of acute sciatica is usual and needs no referral;
    # so is a milder sciatica at three weeks, and a severe one the notes record as settling.
    sciatica = dict(client={"age": 44}, special_tests={"slr": {"left": "positive", "right": "negative"}},
                    symptoms={"pain_nrs": 8, "pain_sites": ["buttock_left", "posterior_thigh_left", "calf_left"]},
                    history={"onset": "sudden", "duration_days": 21, "mechanism": "lifted a slab"})
    out = run_case(**sciatica)
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("routine", "family_doctor")
    assert out["plan"]["treat"] is True
    assert run_case(**{**sciatica, "history": {**sciatica["history"], "duration_days": 5}})["referral"]["urgency"] == "none"
    assert run_case(**{**sciatica, "symptoms": {**sciatica["symptoms"], "pain_nrs": 6}})["referral"]["urgency"] == "none"
    settling = {**sciatica, "history": {**sciatica["history"], "mechanism": "lifted a slab; much better this week"}}
    assert run_case(**settling)["referral"]["urgency"] == "none"


def test_a_sensitised_picture_weighs_against_a_worn_disc_as_the_source():
    # Smart 2012's central sensitisation cluster: pain without tissue damage to explain it, so disc wear (common
    # without pain) should not lead; the same chronic record without the cluster may still put the disc first.
    chronic = dict(client={"age": 58}, symptoms={"pain_nrs": 6, "pain_sites": ["low_back_left", "low_back_right"]},
                   history={"onset": "gradual", "duration_days": 1100, "aggravating": ["standing", "bending_forward"]})
    cluster = {name: True for name in ("nonmechanical_unpredictable", "disproportionate_to_injury",
                                       "maladaptive_psychosocial", "diffuse_tenderness")}
    sensitised = conditions(run_case(**chronic, pain_mechanism_criteria=cluster))
    plain = conditions(run_case(**chronic))
    assert sensitised.index("nonspecific_low_back_pain") < sensitised.index("degenerative_disc_disease")
    assert plain.index("degenerative_disc_disease") < plain.index("nonspecific_low_back_pain")


def test_the_foot_lifting_muscles_all_weak_on_examination_are_a_foot_drop_seen_within_a_day():
    # clinical.md 4.7: foot drop goes to a doctor within a day. The motor examination can find it before the
    # client notices, while the leg pain settles; one weak movement of an ordinary root does not, nor does the
    # same weakness with a gait recorded as normal.
    l5 = dict(client={"age": 47}, history={"onset": "sudden", "duration_days": 17},
              symptoms={"pain_nrs": 3, "pain_sites": ["buttock_left", "lateral_leg_left", "dorsum_foot_left"]},
              neuro={"motor": {m: {"left": "weak", "right": "normal"}
                               for m in ("ankle_dorsiflexion", "great_toe_extension", "foot_eversion")}})
    out = run_case(**l5)
    assert (out["referral"]["urgency"], out["plan"]["treat"]) == ("urgent", False)
    assert "progressive_neurological_deficit" in ids(out["red_flags"])
    one_movement = {**l5, "neuro": {"motor": {"great_toe_extension": {"left": "weak", "right": "normal"}}}}
    assert run_case(**one_movement)["referral"]["urgency"] != "urgent"
    assert run_case(**l5, observation={"gait": "normal"})["referral"]["urgency"] != "urgent"


def test_a_young_cyclists_leg_pain_at_full_effort_that_stops_within_minutes_is_checked_for_the_iliac_artery():
    # Atheroma is rare under 40, but an endurance athlete's iliac artery kinks or thickens and starves the leg
    # at full effort; the same leg pain in a young client who does not bring it on by sport stays unreferred.
    rider = dict(client={"age": 33}, symptoms={"pain_sites": ["anterior_thigh_right", "calf_right"],
                                               "vascular_claudication": True},
                 history={"onset": "gradual", "aggravating": ["cycling", "sport"], "easing": ["rest", "standing_still"]})
    out = run_case(**rider)
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("routine", "family_doctor")
    assert "peripheral_arterial_disease" in conditions(out)[:3]
    desk = {**rider, "history": {**rider["history"], "aggravating": ["sitting"]}}
    assert run_case(**desk)["referral"]["urgency"] == "none"


def test_constant_pain_that_full_painless_movement_leaves_unchanged_and_not_settling_sees_the_family_doctor():
    # mimics.md 7.1: pain that movement, position and rest do not change points away from the spine's joints and
    # muscles. Treatment that failed over four months, with a full painless range, goes to the doctor; the same
    # record with movement that hurts, or a short course, does not.
    base = dict(client={"age": 54}, history={"onset": "gradual", "duration_days": 120, "prior_episodes": True,
                                             "mechanism": "flared 4 months ago; physio and tablets didn't help"},
                symptoms={"pain_sites": ["thoracic", "low_back"]},
                rom={"flexion": {"active": "normal"}, "extension": {"active": "normal"}},
                pain_mechanism_criteria={"constant_unremitting": True, "failed_interventions": True})
    out = run_case(**base)
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("routine", "family_doctor")
    painful = {**base, "rom": {"flexion": {"active": "reduced_painful"}, "extension": {"active": "normal"}}}
    assert run_case(**painful)["referral"]["urgency"] == "none"
    short = {**base, "history": {**base["history"], "duration_days": 14}}
    assert run_case(**short)["referral"]["urgency"] == "none"


def test_root_signs_past_six_weeks_on_a_settling_course_follow_the_usual_course():
    # clinical.md 4.7: radicular pain NOT improving after four to six weeks sees the doctor; the same signs at
    # seven weeks on a course the checklist records as settling do not.
    l5 = dict(client={"age": 45}, history={"onset": "gradual", "duration_days": 49},
              symptoms={"pain_nrs": 5, "pain_sites": ["buttock_left", "lateral_leg_left", "dorsum_foot_left"]},
              neuro={"sensory": {"reduced": ["dorsum_foot_left", "big_toe_left"]},
                     "motor": {"great_toe_extension": {"left": "weak", "right": "normal"}}})
    assert run_case(**l5)["referral"]["urgency"] == "routine"
    assert run_case(**l5, pain_mechanism_criteria={"resolving_as_expected": False})["referral"]["urgency"] == "routine"
    assert run_case(**l5, pain_mechanism_criteria={"resolving_as_expected": True})["referral"]["urgency"] == "none"


def test_pain_that_only_night_or_rest_brings_on_is_not_mechanical_and_sees_the_family_doctor():
    # clinical.md 4.7: non-mechanical night pain goes to the doctor soon. The record says what aggravates: night,
    # and no movement or posture. The same night pain beside a movement that brings it on stays unreferred.
    night = dict(client={"age": 45}, history={"onset": "gradual", "aggravating": ["night"]},
                 symptoms={"pain_sites": ["low_back_left", "posterior_thigh_left"]})
    out = run_case(**night)
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("routine", "family_doctor")
    mechanical = {**night, "history": {**night["history"], "aggravating": ["night", "bending_forward"]}}
    assert run_case(**mechanical)["referral"]["urgency"] == "none"


def test_brisk_reflexes_beside_weakness_or_claudication_are_an_upper_motor_neurone_question():
    # A lumbar root or stenosis dulls the reflexes; brisk ones on both sides beside leg symptoms on walking or a
    # weak leg point above the cauda equina (Cook 2010). Brisk reflexes alone, symmetric, are often normal.
    brisk = {"patellar": {"left": "brisk", "right": "brisk"}, "achilles": {"left": "brisk", "right": "brisk"}}
    base = dict(client={"age": 80}, history={"onset": "gradual", "duration_days": 7},
                symptoms={"pain_sites": ["low_back"]}, neuro={"reflexes": brisk})
    assert "upper_motor_neurone_signs" not in ids(run_case(**base)["red_flags"])
    walking = {**base, "symptoms": {**base["symptoms"], "neurogenic_claudication": True}}
    out = run_case(**walking)
    assert "upper_motor_neurone_signs" in ids(out["red_flags"]) and out["referral"]["urgency"] == "urgent"
    weak = {**base, "neuro": {"reflexes": brisk, "motor": {"knee_extension": {"left": "normal", "right": "weak"}}}}
    assert "upper_motor_neurone_signs" in ids(run_case(**weak)["red_flags"])


def test_an_older_clients_fall_from_standing_with_severe_pain_is_an_urgent_fracture_check():
    # clinical.md 4.7: a suspected fracture with severe pain after trauma is urgent; at 65 or over a fall from
    # standing is that trauma. The same fall with moderate pain stays a routine check.
    fall = dict(client={"age": 74}, medical={"recent_minor_trauma": True},
                history={"onset": "sudden", "duration_days": 4}, symptoms={"pain_nrs": 8, "pain_sites": ["low_back"]})
    out = run_case(**fall)
    assert (out["referral"]["urgency"], out["plan"]["treat"]) == ("urgent", False)
    assert run_case(**{**fall, "symptoms": {"pain_nrs": 4, "pain_sites": ["low_back"]}})["referral"]["urgency"] == "routine"


def test_weakness_getting_worse_in_both_legs_told_in_words_is_an_emergency():
    # GIRFT 2023: progressive weakness in both legs is cauda equina until shown otherwise; "his legs had become
    # weak" says both legs even where the motor examination was not recorded.
    base = dict(client={"age": 41}, symptoms={"progressive_weakness": True, "pain_sites": ["low_back"]},
                history={"onset": "gradual", "mechanism": "pain spread into both legs and his legs had become weak"})
    assert run_case(**base)["referral"]["urgency"] == "emergency"
    one = {**base, "history": {**base["history"], "mechanism": "his right leg had become weak"}}
    assert run_case(**one)["referral"]["urgency"] == "urgent"


def test_within_a_day_a_missing_foot_pulse_with_sudden_severe_pain_and_a_numb_leg_is_an_emergency():
    # The six Ps: the cold leg may not have been checked. Numbness told in words counts.
    leg = dict(client={"age": 59}, history={"onset": "sudden", "duration_days": 0,
                                            "mechanism": "sudden right buttock pain half an hour ago; the leg and foot felt numb"},
               symptoms={"pain_nrs": 8, "pain_sites": ["buttock_right"]},
               circulation={"pedal_pulses": {"left": "present", "right": "absent"}})
    assert run_case(**leg)["referral"]["urgency"] == "emergency"
    weeks = {**leg, "history": {**leg["history"], "duration_days": 20}}
    assert run_case(**weeks)["referral"]["urgency"] != "emergency"


def test_fever_beside_unexplained_weight_loss_is_urgent():
    base = dict(client={"age": 21}, medical={"fever": True}, history={"onset": "gradual", "duration_days": 210},
                symptoms={"pain_sites": ["thoracic"]})
    assert run_case(**base)["referral"]["urgency"] == "routine"
    both = {**base, "medical": {"fever": True, "unexplained_weight_loss": True}}
    assert run_case(**both)["referral"]["urgency"] == "urgent"


def test_colic_with_a_fever_is_an_emergency_and_without_one_the_same_day():
    # An infected, obstructed kidney (mimics.md 7: renal colic is an emergency with a fever).
    colic = dict(client={"age": 46}, history={"onset": "sudden", "duration_days": 1},
                 symptoms={"pain_nrs": 8, "pain_sites": ["flank_right", "groin_right"], "colicky_pain": True})
    assert run_case(**colic)["referral"]["urgency"] == "urgent"
    hot = run_case(**{**colic, "medical": {"fever": True}})
    assert hot["referral"]["urgency"] == "emergency" and hot["referral"]["to"] == "emergency_department"


def test_a_fever_with_new_confusion_told_by_a_relative_is_sepsis_until_shown_otherwise():
    # NICE NG51: a new altered mental state is a high-risk sign of sepsis.
    unwell = dict(client={"age": 86}, medical={"fever": True}, history={"onset": "gradual", "duration_days": 3},
                  symptoms={"pain_nrs": 5, "pain_sites": ["flank_right"]})
    assert run_case(**unwell)["referral"]["urgency"] != "emergency"
    words = {"mechanism": "daughter says she has been muddled and not herself since yesterday"}
    confused = run_case(**{**unwell, "history": {**unwell["history"], **words}})
    assert confused["referral"]["urgency"] == "emergency" and confused["plan"]["treat"] is False
    dementia = {"mechanism": "known dementia, confused at times, as always"}
    assert run_case(**{**unwell, "history": {**unwell["history"], **dementia}})["referral"]["urgency"] != "emergency"


def test_a_long_past_cancer_with_a_settling_lifting_strain_is_a_routine_letter_not_an_urgent_one():
    # clinical.md 6: the urgent tier is a past cancer with new *unexplained* back pain.
    strain = dict(client={"age": 70}, medical={"cancer_history": True},
                  history={"onset": "sudden", "duration_days": 10, "aggravating": ["bending_forward", "lifting"],
                           "easing": ["movement", "lying"],
                           "mechanism": "lifted bags of compost ten days ago, ached since"},
                  symptoms={"pain_nrs": 4, "pain_sites": ["low_back"]})
    assert run_case(**strain)["referral"]["urgency"] == "urgent"
    easing = {**strain, "history": {**strain["history"], "mechanism": "lifted bags of compost ten days ago, already easing"}}
    out = run_case(**easing)
    assert out["referral"]["urgency"] == "routine" and out["plan"]["treat"] is True


def test_constant_pain_told_in_words_that_full_movement_leaves_unchanged_goes_to_the_doctor():
    base = dict(client={"age": 54}, history={"duration_days": 120, "aggravating": ["standing", "sitting"], "easing": []},
                symptoms={"pain_sites": ["thoracic", "low_back"]},
                rom={"flexion": {"active": "normal"}, "extension": {"active": "normal"}})
    words = "the pain is constant and has been much worse for four months; nothing has helped"
    assert run_case(**base)["referral"]["urgency"] == "none"
    told = run_case(**{**base, "history": {**base["history"], "mechanism": words}})
    assert told["referral"]["urgency"] == "routine" and told["referral"]["to"] == "family_doctor"
    # The checklist's answer outweighs the words.
    checklist = {**base, "history": {**base["history"], "mechanism": words},
                 "pain_mechanism_criteria": {"constant_unremitting": False}}
    reasons = " ".join(run_case(**checklist)["referral"]["reasons"])
    assert "constant pain that spinal movement" not in reasons and "constant pain that spinal movement" in " ".join(
        told["referral"]["reasons"])


def test_urinary_symptoms_and_loin_pain_with_vomiting_or_malaise_are_seen_the_same_day():
    kidney = dict(client={"age": 44}, history={"duration_days": 5},
                  symptoms={"pain_sites": ["flank_left", "low_back_left"], "urinary_symptoms": True})
    assert run_case(**kidney)["referral"]["urgency"] == "routine"
    sick = run_case(**{**kidney, "history": {"duration_days": 5, "mechanism": "burns to pee, feels sick, looks unwell"}})
    assert sick["referral"]["urgency"] == "urgent" and sick["plan"]["treat"] is False


def test_an_anticoagulated_clients_new_weak_leg_without_a_mechanical_cause_is_seen_the_same_day():
    bleed = dict(client={"age": 52}, medical={"anticoagulants": True}, history={"duration_days": 7, "aggravating": [], "easing": [],
                 "mechanism": "pain into the front of the right thigh and the right leg feels weak; no fall or injury"},
                 symptoms={"pain_nrs": 8, "pain_sites": ["low_back_right", "anterior_thigh_right"]})
    out = run_case(**bleed)
    assert out["referral"]["urgency"] == "urgent" and out["plan"]["treat"] is False
    lifted = {**bleed, "history": {**bleed["history"], "mechanism": "lifted a heavy box; the right leg feels weak"}}
    assert run_case(**lifted)["referral"]["urgency"] != "urgent"
    unmedicated = {**bleed, "medical": {"anticoagulants": False}}
    assert run_case(**unmedicated)["referral"]["urgency"] != "urgent"


def test_severe_constant_unexplained_pain_at_seventy_or_over_asks_for_a_fracture_check():
    older = dict(client={"age": 74}, history={"duration_days": 30, "aggravating": ["walking"], "easing": [],
                 "mechanism": "constant stabbing pain across both buttocks, no fall"},
                 symptoms={"pain_nrs": 10, "pain_sites": ["buttock_left", "buttock_right"]})
    out = run_case(**older)
    assert out["referral"]["urgency"] == "routine" and "vertebral_fracture" in ids(out["red_flags"])
    explained = {**older, "history": {**older["history"], "mechanism": "constant ache since lifting the garden bags"}}
    assert "vertebral_fracture" not in ids(run_case(**explained)["red_flags"])
    younger = {**older, "client": {"age": 55}}
    assert run_case(**younger)["referral"]["urgency"] == "none"


def test_girdle_aching_with_long_morning_stiffness_after_fifty_is_a_polymyalgia_question():
    # BSR 2010: over 50, over two weeks, both shoulders or hips aching, morning stiffness over 45 minutes.
    girdle = dict(client={"age": 74}, history={"duration_days": 21, "morning_stiffness_minutes": 120,
                  "mechanism": "both shoulders and hips stiff every morning"},
                  symptoms={"pain_sites": ["low_back", "hip_left", "hip_right"]})
    assert run_case(**girdle)["referral"]["urgency"] == "routine"
    short = {**girdle, "history": {**girdle["history"], "morning_stiffness_minutes": 30}}
    assert run_case(**short)["referral"]["urgency"] == "none"
    young = {**girdle, "client": {"age": 44}}
    assert run_case(**young)["referral"]["urgency"] == "none"


def test_chest_tightness_on_exertion_beside_a_mid_back_ache_sees_a_doctor_today():
    # NICE CG95: a constricting chest discomfort brought on by exertion and eased by rest is angina's.
    ache = dict(client={"age": 61}, medical={"smoker": True},
                history={"duration_days": 21, "aggravating": ["walking", "stairs"], "easing": ["rest"],
                         "mechanism": "deep ache between the shoulder blades on hills"},
                symptoms={"pain_nrs": 5, "pain_sites": ["thoracic"]})
    assert run_case(**ache)["referral"]["urgency"] == "none"
    words = "deep ache between the shoulder blades on hills, with a tight band across the chest; fades on stopping"
    out = run_case(**{**ache, "history": {**ache["history"], "mechanism": words}})
    assert out["referral"]["urgency"] == "urgent" and out["plan"]["treat"] is False


def test_a_fever_beside_a_dialysis_line_or_a_catheter_is_an_urgent_infection_question():
    # Pigrau 2015: a catheter was the source of a third of health-care-associated vertebral osteomyelitis.
    fever = dict(client={"age": 67}, medical={"fever": True}, history={"duration_days": 14, "aggravating": [], "easing": []},
                 symptoms={"pain_nrs": 6, "pain_sites": ["low_back"]})
    assert run_case(**fever)["referral"]["urgency"] == "routine"
    line = {**fever, "history": {**fever["history"], "mechanism": "haemodialysis three times a week via a tunnelled line"}}
    out = run_case(**line)
    assert out["referral"]["urgency"] == "urgent" and out["plan"]["treat"] is False


def test_constant_pain_that_wakes_the_client_told_in_words_is_non_mechanical_beside_a_fever():
    fever = dict(client={"age": 40}, medical={"fever": True}, history={"duration_days": 20, "aggravating": [], "easing": []},
                 symptoms={"pain_nrs": 6, "pain_sites": ["low_back"]})
    words = {**fever, "history": {**fever["history"], "mechanism": "back pain constant, wakes him most nights"}}
    assert run_case(**words)["referral"]["urgency"] == "urgent"
    # A recorded night-pain answer outweighs the words.
    answered = {**words, "symptoms": {**words["symptoms"], "constant_night_pain": False}}
    assert run_case(**answered)["referral"]["urgency"] == "routine"


def test_a_child_or_adolescent_with_a_fever_and_back_pain_goes_to_the_emergency_department():
    # mimics.md 14.3 (paediatric red flags): fever with back pain under 18 is an emergency department visit.
    teen = dict(client={"age": 14}, medical={"fever": True}, symptoms={"pain_nrs": 7, "pain_sites": ["low_back"]})
    out = run_case(**teen)
    assert out["referral"]["urgency"] == "emergency" and out["referral"]["to"] == "emergency_department"
    adult = {**teen, "client": {"age": 24}}
    assert run_case(**adult)["referral"]["urgency"] != "emergency"


def test_pregnancy_and_the_weeks_after_birth_have_their_own_doors():
    pregnant = dict(client={"age": 31, "sex": "female"}, medical={"pregnant": True},
                    history={"pregnancy_weeks": 34, "duration_days": 1})
    labour = run_case(**pregnant, symptoms={"pain_nrs": 6, "pain_sites": ["low_back"], "colicky_pain": True})
    assert labour["referral"]["urgency"] == "emergency" and labour["referral"]["to"] == "obstetric_care"
    # A clot's calf after a birth: the same day, and the leg is not massaged.
    after_birth = dict(client={"age": 36, "sex": "female"}, history={"postpartum_weeks": 1, "duration_days": 7,
                       "mechanism": "since yesterday the left calf looks swollen and feels warm"},
                       symptoms={"pain_nrs": 4, "pain_sites": ["low_back", "calf_left"]})
    out = run_case(**after_birth)
    assert out["referral"]["urgency"] == "urgent" and out["plan"]["treat"] is False
    no_birth = {**after_birth, "history": {**after_birth["history"], "postpartum_weeks": None}}
    assert run_case(**no_birth)["referral"]["urgency"] != "urgent"


def test_a_runners_impact_pain_over_the_sacrum_with_a_limp_or_hop_pain_is_a_stress_fracture_question():
    # Harris, Vincent & Vincent 2016: impact pain, a painful single-leg hop, a tender sacrum, normal neurology.
    runner = dict(client={"age": 17, "sex": "female"},
                  history={"duration_days": 21, "aggravating": ["sport", "walking"], "easing": ["rest"],
                           "mechanism": "raised her weekly distance; sore to hop on the right leg"},
                  symptoms={"pain_nrs": 5, "pain_sites": ["sacrum", "buttock_right"]})
    out = run_case(**runner)
    assert out["referral"]["urgency"] == "routine"
    assert "relative_rest_from_sport" in ids(out["self_care"])
    plain = {**runner, "history": {**runner["history"], "mechanism": "raised her weekly distance"}}
    assert run_case(**plain)["referral"]["urgency"] == "none"


def test_the_heart_a_lung_clot_and_the_upper_abdomen_felt_in_the_back_go_to_the_emergency_department():
    back = dict(client={"age": 58}, history={"onset": "sudden", "duration_days": 0, "aggravating": [], "easing": []},
                symptoms={"pain_nrs": 7, "pain_sites": ["thoracic"]})
    assert run_case(**back)["referral"]["urgency"] != "emergency"
    for words in ("a pressing ache between the shoulder blades spreading into the left arm and jaw; clammy and sweating",
                  "sudden pain that catches on every breath in, suddenly short of breath, coughed up blood-streaked phlegm"):
        out = run_case(**{**back, "history": {**back["history"], "mechanism": words}})
        assert out["referral"]["urgency"] == "emergency", words
        assert "visceral_source" in ids(out["red_flags"]) and out["plan"]["treat"] is False
    belly = {**back, "symptoms": {"pain_nrs": 8, "pain_sites": ["abdomen", "thoracic"]},
             "history": {**back["history"], "mechanism": "upper belly pain boring through to the back; vomited several times"}}
    assert run_case(**belly)["referral"]["urgency"] == "emergency"
    # Night sweats are a fever's, not a heart attack's sweating.
    sweats = {**back, "history": {**back["history"], "mechanism": "ache into the left arm; sweating at night for a week"}}
    assert run_case(**sweats)["referral"]["urgency"] != "emergency"


def test_pain_that_meals_bring_on_is_an_organ_question():
    meals = dict(client={"age": 48}, history={"duration_days": 42, "mechanism": "attacks of pain an hour after fatty meals"},
                 symptoms={"pain_nrs": 5, "pain_sites": ["thoracic_right"]})
    out = run_case(**meals)
    assert "visceral_source" in ids(out["red_flags"]) and out["referral"]["urgency"] == "routine"


def test_a_gradual_mild_flare_of_familiar_back_pain_with_osteoporosis_raises_no_fracture_flag():
    flare = dict(client={"age": 66}, medical={"osteoporosis": True},
                 history={"onset": "gradual", "duration_days": 7, "prior_episodes": True,
                          "aggravating": ["standing", "bending_forward"], "easing": ["walking", "movement"],
                          "mechanism": "the same ache as always, crept up over a week of gardening"},
                 symptoms={"pain_nrs": 3, "pain_sites": ["low_back"]})
    out = run_case(**flare)
    assert "vertebral_fracture" not in ids(out["red_flags"]) and out["referral"]["urgency"] == "none"
    sudden = {**flare, "history": {**flare["history"], "onset": "sudden"}, "symptoms": {"pain_nrs": 8, "pain_sites": ["low_back"]}}
    assert "vertebral_fracture" in ids(run_case(**sudden)["red_flags"])


def test_the_one_condition_an_urgent_referral_is_for_leads_the_differential():
    # One verdict: the list names first what the referral suspects, as under an emergency.
    cord = dict(client={"age": 63}, history={"duration_days": 120, "aggravating": ["walking"], "easing": ["rest"]},
                symptoms={"pain_nrs": 3, "pain_sites": ["low_back"]}, observation={"gait": "ataxic"},
                special_tests={"babinski": {"left": "positive", "right": "positive"},
                               "hoffmann": {"left": "positive", "right": "positive"}})
    out = run_case(**cord)
    assert out["referral"]["urgency"] == "urgent"
    assert out["differential"][0]["condition"] == "myelopathy" and out["differential"][0]["flagged"]
