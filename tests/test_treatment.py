"""The treatment domain as pure rules: its data, the consent a visit needs, contraindication checks,
"as planned", the re-test, the note's words and the per-technique course."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.clinical.api import assess_data
from backcare.clinical.caseio import parse_case
from backcare.clinical.knowledge.runtime import load_knowledge
from backcare.clinical.soap import draft as core_draft
from backcare.clinical.vocabulary import vocabulary
from backcare.treatment import (ConsentFact, Entry, Given, Response, Retest, Rules, Session, alternatives, as_planned,
                                course, entry_areas, general_status, propose, refusals, requirements, signing_problems,
                                soap_draft, treatment_data, unresolved, visit_status)
from backcare.treatment.data import _problems
from conftest import make_case, run_case
from strategies import cases

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
SCIATICA = dict(history={"onset": "sudden", "duration_days": 30, "aggravating": ["sitting"]},
                symptoms={"pain_nrs": 6, "pain_sites": ["low_back", "buttock_left", "posterior_thigh_left", "calf_left"]},
                special_tests={"slr": {"left": "positive", "right": "negative"}, "fair": {"left": "positive"}},
                rom={"flexion": {"active": "reduced_painful"}},
                palpation={"hypertonic": ["piriformis", "gluteus_maximus"], "trigger_points": ["piriformis"]})


def consent(areas, methods=("tablet",), decision="given", withdrawn=None, scope="areas"):
    return ConsentFact(scope, tuple(areas), tuple(methods), decision, NOW, withdrawn)


def gluteal(**changes) -> Entry:
    return Entry(**{"technique": "petrissage", "targets": ["gluteus_maximus"], "side": "left", "minutes": 5, **changes})


# --- the data ---------------------------------------------------------------------------

def test_every_technique_and_target_of_the_vocabulary_maps_to_body_areas():
    """The lead may add techniques or structures: this names the ones body_areas.yaml must map."""
    data, v = treatment_data(), vocabulary()
    for table in ("techniques", "structures", "hydrotherapy", "positioning"):
        missing = set(getattr(v, table)) - set(getattr(data, table))
        assert not missing, f"map these {table} in src/backcare/treatment/body_areas.yaml: {sorted(missing)}"


def test_every_rule_names_its_source_and_the_packs_match_the_standards():
    data = treatment_data()
    assert _problems(data) == []
    ontario = data.packs["ontario"]
    assert data.default_pack == "ontario"
    assert set(ontario.areas) >= {"gluteal", "upper_inner_thigh", "breasts", "anterior_chest_wall"}
    assert all(rule.requires == ["written"] and rule.frequency == "every_visit" for rule in ontario.areas.values())
    assert data.packs["washington"].areas["gluteal_cleft"].requires == ["written", "verbal"]
    assert "gluteal" not in data.packs["washington"].areas  # Washington names the cleft, not the whole buttock
    for pack in data.packs.values():
        assert set(pack.general.elements) == {"nature", "benefits", "risks", "alternatives", "no_treatment", "right_to_stop"}
        for rule in pack.areas.values():
            assert all(s in data.sources or s in load_knowledge().sources for s in rule.sources)
    assert all(s.url or s.title.startswith("backcare clinical team") for s in data.sources.values())


def test_the_pressure_ceilings_name_contraindications_the_knowledge_base_has():
    assert set(treatment_data().pressure_ceilings) <= set(load_knowledge().contraindications)


def test_a_passive_stretch_moves_the_leg_and_touches_no_buttock_but_petrissage_there_does():
    assert entry_areas({"technique": "passive_stretch", "targets": ["piriformis"]}).isdisjoint({"gluteal", "gluteal_cleft"})
    assert entry_areas({"technique": "petrissage", "targets": ["piriformis"]}) == {"gluteal"}
    assert "gluteal_cleft" in entry_areas({"technique": "fascial_work", "targets": ["sacrotuberous_ligament"]})
    assert "upper_inner_thigh" in entry_areas({"technique": "swedish", "targets": ["iliopsoas"]})


def test_a_file_that_names_an_unknown_id_is_refused_on_load(monkeypatch):
    data = treatment_data()
    monkeypatch.setitem(data.structures, "adductor_magnus", ["upper_inner_thigh"])
    monkeypatch.setitem(data.techniques, "cupping", ["nowhere"])
    problems = _problems(data)
    assert "body_areas.yaml: structures: unknown id 'adductor_magnus'" in problems
    assert "body_areas.yaml: techniques.cupping: unknown id 'nowhere'" in problems


# --- the consent a visit needs ----------------------------------------------------------

def test_the_sciatica_plan_needs_written_consent_for_the_buttocks_in_ontario_and_verbal_too_at_the_cleft_in_washington():
    plan = run_case(**SCIATICA)["plan"]
    ontario = {s.requirement.area: s for s in visit_status(plan, None, [], "ontario")}
    assert ontario["gluteal"].state == "needed" and ontario["gluteal"].requirement.requires == ("written",)
    washington = visit_status(plan, None, [], "washington")
    assert [(s.requirement.area, s.requirement.requires) for s in washington] == [("gluteal_cleft", ("written", "verbal"))]


def test_a_tablet_signature_is_written_consent_but_not_verbal():
    assert [r.requires for r in requirements(["gluteal_cleft"], "washington")] == [("written", "verbal")]
    given = Given(entries=[Entry(technique="fascial_work", targets=["sacrotuberous_ligament"], minutes=5)])
    assert signing_problems(given, [consent(["gluteal_cleft"])], "washington")
    assert signing_problems(given, [consent(["gluteal_cleft"], ("tablet", "verbal"))], "washington") == []
    both = ["gluteal", "gluteal_cleft"]  # the ligament lies under the buttock, at the cleft's edge
    assert signing_problems(given, [consent(both, ("written",))], "ontario") == []
    assert signing_problems(given, [consent(both, ("verbal",))], "ontario")  # Ontario asks for it written


def test_a_declined_or_withdrawn_consent_does_not_cover_work_after_it():
    given = Given(entries=[gluteal()])
    assert signing_problems(given, [consent(["gluteal"], decision="declined")], "ontario")
    withdrawn = consent(["gluteal"], withdrawn=NOW + timedelta(minutes=20))
    assert "withdrawn" in signing_problems(given, [withdrawn], "ontario")[0]
    # The work done until the withdrawal is covered by the consent it had then.
    assert signing_problems(Given(entries=[gluteal(until_withdrawal=True)]), [withdrawn], "ontario") == []


def test_the_informed_consent_is_due_after_a_year_or_when_the_plan_changes():
    general = consent([], ("verbal",), scope="treatment")
    general = ConsentFact(**{**general.__dict__, "techniques": ("swedish", "petrissage")})
    assert general_status([], NOW.date(), [], "ontario").state == "missing"
    assert general_status([general], NOW.date() + timedelta(days=100), ["swedish"], "ontario").state == "current"
    assert general_status([general], NOW.date() + timedelta(days=365), ["swedish"], "ontario").state == "due"
    changed = general_status([general], NOW.date() + timedelta(days=10), ["swedish", "joint_play"], "ontario")
    assert changed.state == "due" and "joint play" in changed.reason


packs = st.sampled_from(sorted(treatment_data().packs))
structures = st.lists(st.sampled_from(sorted(vocabulary().structures)), min_size=1, max_size=3, unique=True)
entries = st.builds(lambda t, s, until: Entry(technique=t, targets=s, minutes=5, until_withdrawal=until),
                    st.sampled_from(sorted(vocabulary().techniques)), structures, st.booleans())
areas = st.lists(st.sampled_from(sorted(treatment_data().areas)), min_size=1, max_size=4, unique=True)
consents = st.builds(lambda a, m, d, w, scope: ConsentFact(scope, tuple(a), tuple(m), d, NOW, NOW + timedelta(minutes=30) if w else None),
                     areas, st.lists(st.sampled_from(["verbal", "written", "tablet"]), min_size=1, max_size=3, unique=True),
                     st.sampled_from(["given", "declined"]), st.booleans(), st.sampled_from(["areas", "areas", "treatment"]))


@settings(max_examples=400, deadline=None)
@given(packs, st.lists(entries, max_size=6), st.lists(consents, max_size=4))
def test_no_signable_treatment_records_sensitive_area_work_without_a_matching_consent(pack_id, work, given_consents):
    """The rule the signature enforces, in every pack: each sensitive area touched has a consent of the visit,
    given for that area in every way the pack requires, and work after a withdrawal is not signed."""
    record = Given(entries=work)
    if signing_problems(record, given_consents, pack_id):
        return
    data = treatment_data()
    rules = data.pack(pack_id).areas
    for entry in work:
        for area in entry_areas(entry) & set(rules):
            needed = set(rules[area].requires)
            matching = [c for c in given_consents if c.scope == "areas" and c.decision == "given" and area in c.areas
                        and needed <= set(c.methods) | ({"written"} if "tablet" in c.methods else set())]
            assert matching, (pack_id, entry, area)
            assert entry.until_withdrawal or any(c.withdrawn_at is None for c in matching), (pack_id, entry, area)


# --- contraindications ------------------------------------------------------------------

def test_what_the_contraindications_forbid_is_refused_with_its_reason_unless_a_clinical_reason_is_given():
    assessment = run_case(**SCIATICA, medical={"anticoagulants": True})
    rules = Rules(assessment, load_knowledge())
    record = Given(entries=[Entry(technique="trigger_point_compression", targets=["piriformis"], minutes=3, pressure="light"),
                            Entry(technique="swedish", targets=["erector_spinae"], minutes=5, pressure="firm")])
    refused = unresolved(record, rules)
    assert {r.field for r in refused} == {"entries.0", "entries.1"}
    assert any("anticoagulants" in r.reason for r in refused if r.field == "entries.1")  # firmer than it allows
    reasoned = Given(entries=[e.model_copy(update={"clinical_reason": "client request, very brief"}) for e in record.entries])
    assert unresolved(reasoned, rules) == [] and len(refusals(reasoned, rules)) == len(refused)


def test_an_assessment_that_stops_treatment_refuses_every_technique():
    assessment = run_case(symptoms={"saddle_anaesthesia": True})
    assert not assessment["plan"]["treat"]
    assert unresolved(Given(entries=[gluteal()]), Rules(assessment, load_knowledge()))
    assert as_planned(assessment, {}, None, load_knowledge()).entries == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases, st.sets(st.sampled_from(sorted(treatment_data().areas)), max_size=3))
def test_as_planned_never_holds_what_the_contraindications_forbid_nor_a_declined_area(case, declined):
    findings = parse_case(case).findings()
    assessment = assess_data(findings)
    record = as_planned(assessment, findings, None, load_knowledge(), declined=declined)
    assert unresolved(record, Rules(assessment, load_knowledge())) == []
    assert all(not (entry_areas(e) & declined) for e in record.entries)


# Buttock pain from the piriformis and the gluteals, with no sign that the sciatic nerve is irritated.
GLUTEAL = dict(history={"onset": "gradual", "duration_days": 30, "aggravating": ["sitting"]},
               symptoms={"pain_nrs": 5, "pain_sites": ["low_back", "buttock_left"]},
               special_tests={"slr": {"left": "negative", "right": "negative"}, "fair": {"left": "positive"}},
               palpation={"hypertonic": ["piriformis", "gluteus_maximus"], "tender": ["piriformis"],
                          "trigger_points": ["piriformis"]})


def test_a_declined_buttock_gives_hip_rotator_stretches_and_self_release_instead():
    case = make_case(**GLUTEAL)
    assessment = assess_data(case)
    options = alternatives({"gluteal"}, Rules(assessment, load_knowledge()), case, None)
    words = [o.words for o in options if o.allowed]
    assert any("hip rotator stretches" in w for w in words) and any("self-release" in w for w in words)
    record = as_planned(assessment, case, None, load_knowledge(), declined={"gluteal"})
    assert record.entries and not any("gluteal" in entry_areas(e) for e in record.entries)


def test_with_an_irritable_sciatic_nerve_the_stretches_are_offered_as_not_allowed_and_sliders_instead():
    case = make_case(**SCIATICA)
    assessment = assess_data(case)
    options = {o.words: o for o in alternatives({"gluteal"}, Rules(assessment, load_knowledge()), case, None)}
    stretches = next(o for w, o in options.items() if "hip rotator stretches" in w)
    assert not stretches.allowed and "nerve" in stretches.why_not
    assert any("nerve sliders" in w and o.allowed for w, o in options.items())
    assert any("piriformis stretch at home" in w and o.allowed for w, o in options.items())


# --- as planned, the re-test, the note ------------------------------------------------------

def test_as_planned_takes_the_plan_the_painful_side_and_the_lightest_pressure_allowed():
    case = make_case(**SCIATICA, medical={"anticoagulants": True})
    assessment = assess_data(case)
    record = as_planned(assessment, case, None, load_knowledge())
    planned = {t["technique"] for t in assessment["plan"]["techniques"]}
    assert {e.technique for e in record.entries} == planned
    assert {e.side for e in record.entries} == {"left"} and {e.pressure for e in record.entries} == {"light"}
    assert record.positioning == assessment["plan"]["positioning"][:1] and record.draping == "gluteal"
    assert record.minutes == 5 * len(record.entries)


def test_the_retest_is_the_straight_leg_raise_then_forward_bending_then_a_positive_test():
    assert propose(make_case(**SCIATICA)).id == "slr_left"
    flexion = propose(make_case(rom={"flexion": {"active": "painful"}}, special_tests={"fair": {"right": "positive"}}))
    assert flexion.id == "flexion" and flexion.unit == "cm"
    fair = propose(make_case(special_tests={"fair": {"right": "positive"}}))
    assert (fair.id, fair.unit, fair.before) == ("fair_right", "result", "positive")
    assert propose(make_case()) is None
    assert propose(make_case(**SCIATICA), run_case(symptoms={"saddle_anaesthesia": True})) is None


def test_the_note_draft_is_the_cores_until_a_treatment_is_recorded_then_it_says_what_was_given():
    case = make_case(**SCIATICA)
    assessment = assess_data(case)
    assert soap_draft(case, assessment, None) == core_draft(case, assessment, None)
    record = as_planned(assessment, case, None, load_knowledge())
    response = Response(pain_before=6, pain_after=3, retest=Retest(id="slr_left", label="SLR, left", unit="degrees",
                                                                   before="40", after="55"), client_words="looser")
    note = soap_draft(case, assessment, None, record, response, ["Consent for the buttocks: signed on the tablet."])
    assert note["plan"].startswith("Goals:") and "Treatment given (" in note["plan"] and "Home care:" in note["plan"]
    assert "Petrissage: " in note["plan"] and "5 min, moderate pressure" in note["plan"]
    assert "Pain 6/10 before treatment, 3/10 after." in note["objective"]
    assert "Re-test, SLR, left: 40 degrees before, 55 degrees after." in note["objective"]
    assert "Consent for the buttocks" in note["objective"] and note["subjective"] == core_draft(case, assessment)["subjective"]


def test_the_course_describes_per_technique_the_change_in_the_session_and_to_the_next_visit():
    day = date(2026, 1, 5)
    rows = course([Session(day, ("swedish", "petrissage"), 6, 4, 5), Session(day + timedelta(7), ("swedish",), 5, 2, None)])
    swedish = next(r for r in rows if r.technique == "swedish")
    assert (swedish.sessions, swedish.immediate, swedish.immediate_n, swedish.to_next, swedish.to_next_n) == (2, -2.5, 2, -1.0, 1)
    assert rows[0].technique == "swedish"


@pytest.mark.parametrize("bad", [{"technique": "cupping"}, {"targets": ["nose"]}, {"pressure": "crushing"}, {"minutes": 500}])
def test_an_entry_names_only_what_the_vocabulary_and_the_data_offer(bad):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Entry(**{"technique": "swedish", "targets": ["erector_spinae"], "minutes": 5, **bad})
