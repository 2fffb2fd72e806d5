"""Contraindications, the treatment plan and self-care."""
from __future__ import annotations

from conftest import ids, run_case


def techniques(out) -> dict[str, list[str]]:
    return {t["technique"]: t["targets"] for t in out["plan"]["techniques"]}


def targets(out) -> set[str]:
    return {s for t in out["plan"]["techniques"] for s in t["targets"]}


def self_care(out) -> dict[str, dict]:
    return {s["id"]: s for s in out["self_care"]}


def test_hypermobile_segments_get_no_joint_play_or_traction():
    calm = run_case(observation={"posture": ["hyperlordosis"]})
    assert "joint_play" in techniques(calm)
    out = run_case(observation={"posture": ["hyperlordosis"]}, palpation={"hypermobile_segments": True})
    assert "no_mobilization_hypermobile" in ids(out["contraindications"])
    assert not {"joint_play", "traction"} & set(techniques(out))


def test_anticoagulants_and_osteoporosis_remove_deep_pressure():
    for medical, cid in (({"anticoagulants": True}, "light_pressure_anticoagulants"),
                         ({"osteoporosis": True}, "no_deep_pressure_osteoporosis")):
        out = run_case(medical=medical, history={"duration_days": 400}, palpation={"trigger_points": ["quadratus_lumborum"]})
        assert cid in ids(out["contraindications"])
        assert not {"trigger_point_compression", "muscle_stripping"} & set(techniques(out))
        assert "foam_rolling" not in self_care(out)


def test_pregnancy_means_side_lying_and_no_prone_exercises():
    out = run_case(medical={"pregnant": True}, client={"age": 31})
    assert "pregnancy_positioning" in ids(out["contraindications"])
    assert not {"prone_pillow_under_abdomen", "supine_knees_supported"} & set(out["plan"]["positioning"])
    assert out["plan"]["positioning"]
    assert not {"prone_lying", "prone_on_elbows"} & set(self_care(out))


def test_acute_herniation_keeps_protective_spasm_and_advises_gentle_activity():
    out = run_case(history={"onset": "sudden", "duration_days": 4, "aggravating": ["sitting", "bending_forward", "coughing_sneezing"]},
                   symptoms={"pain_sites": ["low_back", "posterior_thigh_left", "calf_left"]},
                   observation={"posture": ["decreased_lordosis"], "muscle_spasm": True},
                   special_tests={"slump": {"left": "positive"}},
                   neuro={"motor": {"ankle_plantarflexion": {"left": "weak"}}})
    found = ids(out["contraindications"])
    assert {"preserve_protective_spasm", "rest_acute_herniation", "avoid_aggravating_positions"} <= set(found)
    rest = next(c for c in out["contraindications"] if c["id"] == "rest_acute_herniation")
    assert "no bed rest" in rest["reason"] or "never bed rest" in rest["reason"]
    for technique, on in techniques(out).items():
        if technique in ("trigger_point_compression", "muscle_stripping", "gto_release", "passive_stretch"):
            assert not {"erector_spinae", "multifidus", "quadratus_lumborum"} & set(on)
    care = self_care(out)
    assert care["prone_on_elbows"]["sets"] == 3 and care["prone_on_elbows"]["hold_seconds"] == 30
    assert "stay_active" in care and "glute_bridge" not in care


def test_extension_sensitive_backs_get_no_extension_exercises():
    out = run_case(history={"aggravating": ["extension", "standing"]}, client={"age": 70},
                   symptoms={"pain_sites": ["low_back", "posterior_thigh_left", "posterior_thigh_right"], "neurogenic_claudication": True})
    care = self_care(out)
    assert not {"prone_on_elbows", "back_extension", "prone_lying"} & set(care)
    assert "flexion_exercises" in care


def test_postures_bring_their_tight_muscles():
    flat = targets(run_case(observation={"posture": ["flat_back"]}))
    assert {"quadratus_lumborum", "hamstrings", "quadriceps", "calves", "hip_joint", "sacrum"} <= flat


def test_desk_strain_gets_glute_reactivation_with_the_seed_dosage():
    out = run_case(history={"onset": "sudden", "duration_days": 2, "sitting_hours_per_day": 9, "aggravating": ["lifting"]},
                   observation={"muscle_spasm": True}, rom={"extension": {"resisted": "painful"}},
                   palpation={"hypertonic": ["erector_spinae"]})
    assert out["differential"][0]["condition"] == "muscle_strain"
    bridge = self_care(out)["glute_bridge"]
    assert (bridge["reps"], bridge["hold_seconds"]) == (3, 10)
    assert {"sitting_breaks", "correct_lifting"} <= set(self_care(out))


def test_palpated_structures_become_targets():
    out = run_case(palpation={"hypertonic": ["gluteus_medius"], "trigger_points": ["quadratus_lumborum"]})
    assert "gluteus_medius" in targets(out)
    assert "quadratus_lumborum" in techniques(out).get("trigger_point_compression", [])


def test_aggravating_positions_reason_lists_them():
    out = run_case(history={"aggravating": ["sitting", "lying"]})
    reason = next(c["reason"] for c in out["contraindications"] if c["id"] == "avoid_aggravating_positions")
    assert reason.endswith("(reported aggravating: sitting, lying)")
