"""Nerve-root localisation from the neurological examination."""
from __future__ import annotations

from conftest import run_case


def roots(**blocks) -> set[str]:
    return {f"{r['root']}_{r['side']}" for r in run_case(**blocks)["nerve_roots"]}


def test_s1_from_plantarflexion_achilles_and_lateral_foot():
    out = run_case(neuro={
        "motor": {"ankle_plantarflexion": {"right": "weak", "left": "normal"}, "great_toe_extension": {"right": "normal"}},
        "reflexes": {"achilles": {"right": "absent", "left": "normal"}},
        "sensory": {"reduced": ["lateral_foot_right", "sole_right"]}})
    (root,) = out["nerve_roots"]
    assert (root["root"], root["side"]) == ("S1", "right")
    assert root["confidence"] > 0.7
    assert "absent achilles reflex, right" in root["evidence"]
    assert "reduced sensation: lateral foot, sole, right" in root["evidence"]


def test_l5_from_big_toe_extension_and_dorsum_of_foot():
    assert roots(neuro={"motor": {"great_toe_extension": {"left": "weak"}},
                        "sensory": {"reduced": ["dorsum_foot_left", "middle_toes_left"]}}) == {"L5_left"}


def test_shared_signs_go_to_the_root_whose_dermatome_is_involved():
    # Quadriceps weakness and the patellar reflex are shared by L3 and L4; the
    # sensory loss at the medial thigh and knee makes it L3 alone.
    assert roots(neuro={"motor": {"knee_extension": {"left": "weak"}},
                        "reflexes": {"patellar": {"left": "reduced"}},
                        "sensory": {"reduced": ["medial_thigh_left", "knee_left"]}}) == {"L3_left"}
    # The same motor and reflex findings with loss at the medial leg and foot are L4.
    assert roots(neuro={"motor": {"knee_extension": {"right": "weak"}, "ankle_dorsiflexion": {"right": "weak"}},
                        "reflexes": {"patellar": {"right": "reduced"}},
                        "sensory": {"reduced": ["medial_leg_right", "medial_foot_right"]}}) == {"L4_right"}


def test_one_weak_key_muscle_names_its_root_with_low_confidence():
    (root,) = run_case(neuro={"motor": {"ankle_dorsiflexion": {"left": "weak"}}})["nerve_roots"]
    assert (root["root"], root["side"]) == ("L4", "left") and root["confidence"] < 0.5


def test_symptoms_alone_never_name_a_root():
    assert roots(symptoms={"pain_sites": ["calf_left", "lateral_foot_left"],
                           "paresthesia_sites": ["lateral_foot_left", "little_toe_left"]}) == set()


def test_a_normal_neurological_exam_names_no_root():
    out = run_case(neuro={"motor": {"ankle_dorsiflexion": {"left": "normal", "right": "normal"}},
                          "reflexes": {"achilles": {"left": "normal", "right": "normal"}}})
    assert out["nerve_roots"] == []


def test_hip_weakness_alone_is_not_a_root_sign():
    assert roots(neuro={"motor": {"hip_abduction": {"right": "weak"}, "hip_internal_rotation": {"right": "weak"}}}) == set()


def test_the_same_root_on_both_sides_is_reported_once_as_bilateral():
    out = run_case(neuro={"motor": {"ankle_plantarflexion": {"left": "weak", "right": "weak"}},
                          "reflexes": {"achilles": {"left": "absent", "right": "absent"}}})
    (root,) = out["nerve_roots"]
    assert (root["root"], root["side"]) == ("S1", "bilateral")


def test_two_adjacent_roots_with_their_own_signs_are_both_reported():
    assert roots(neuro={"motor": {"great_toe_extension": {"left": "weak"}, "ankle_plantarflexion": {"left": "weak"}},
                        "reflexes": {"achilles": {"left": "reduced"}},
                        "sensory": {"reduced": ["dorsum_foot_left", "lateral_foot_left"]}}) == {"L5_left", "S1_left"}


def test_contradicting_normal_findings_weaken_a_root():
    alone = run_case(neuro={"motor": {"ankle_plantarflexion": {"left": "weak"}}})["nerve_roots"][0]["confidence"]
    against = run_case(neuro={"motor": {"ankle_plantarflexion": {"left": "weak"}},
                              "reflexes": {"achilles": {"left": "normal"}},
                              "sensory": {"reduced": ["medial_foot_left"]}})["nerve_roots"]
    s1 = [r for r in against if r["root"] == "S1"]
    assert not s1 or s1[0]["confidence"] < alone
