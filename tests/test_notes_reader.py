"""The notes' free text read for the client's own, current safety facts (engine/notes.py, notes.yaml).

Examples per ConText class (negation, someone else, a worry or a question, the past, a test or a
job rather than the condition), then properties: a recorded answer always outweighs the words,
words that deny or belong to someone else never change the assessment, and words that affirm a
red-flag fact never lower the urgency."""
from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.clinical.api import assess_data
from backcare.clinical.case import Case
from backcare.clinical.engine.notes import with_notes
from backcare.clinical.engine.predicates import URGENCY_LEVELS
from backcare.clinical.knowledge.loader import KnowledgeError, build
from backcare.clinical.knowledge.runtime import load_knowledge
from strategies import cases

KB = load_knowledge()
READ = KB.notes_reader.read


def read(text: str, episode_days: int | None = None) -> set[str]:
    return set(READ(text, episode_days))


@pytest.mark.parametrize("text, expected", [
    # affirmed, in a busy note's words
    ("fell roughly 3 metres off a ladder yesterday", {"fall_from_height", "fall_or_knock"}),
    ("RTA last week, car rolled at speed", {"road_accident"}),
    ("pmh breast ca 2019, radiotherapy", {"cancer"}),
    ("takes Eliquis 5 mg bd for AF", {"anticoagulant"}),
    ("took her temperature this morning - 38.3", {"fever"}),
    ("temp 101.2 F overnight", {"fever"}),
    ("treated for a kidney infection about 3 weeks ago", {"recent_infection"}),
    ("epidural steroid injection at L4-5 twelve days ago", {"recent_spinal_procedure"}),
    ("has lost nearly 8 kg since the summer without dieting", {"weight_loss_amount"}),
    ("injects heroin, last used 2 days ago", {"iv_drug_use"}),
    ("on prednisolone for 3 years", {"long_term_steroids"}),
    ("went grey and collapsed on the kitchen floor", {"collapse"}),
    ("the wound has gone red with some yellow ooze", {"wound_signs"}),
    # negated, before or after
    ("denies fever, weight loss or night sweats", set()),
    ("no history of cancer", set()),
    ("cancer ruled out", set()),
    ("hiv negative", set()),
    ("no fall, no knock", set()),
    # someone else's, but a role of the client's own is not someone else
    ("his father had prostate cancer", set()),
    ("mother died of bowel cancer", set()),
    ("wife has a chest infection and a temperature", set()),
    ("a mother of three, had breast cancer in 2019", {"cancer"}),
    ("his father had cancer but he is on warfarin", {"anticoagulant"}),
    # a worry or a question, not a fact
    ("worried it could be cancer", set()),
    ("asked whether a fall could cause this", set()),
    ("cancer?", set()),
    # past, for a fact that matters only while recent (a history of cancer always counts)
    ("fell off his bike as a child", set()),
    ("kidney infection years ago (2014), none since and no waterworks problems now", set()),
    ("high fever with flu last winter", set()),
    ("stopped warfarin last year", set()),
    ("breast cancer treated in 2009", {"cancer"}),
    # a test, a place or a job, not the condition; a name for the pain, not a fall; one steroid jab
    ("bowel cancer screening kit, result negative", set()),
    ("works as an oncology nurse on a busy chemo ward", set()),
    ("told it was a slipped disc", set()),
    ("had a cortisone injection in the shoulder", set()),
    ("fell from standing height onto the carpet", {"fall_or_knock"}),
    ("temp 37.1, shivery", set()),
    ("lost 6 kg on a diet", set()),
    # symptoms of the safety screen in the client's words; a long-standing one is not new
    ("can't pee since yesterday and has a numb bum", {"bladder_change", "saddle_numbness"}),
    ("his legs keep giving way", {"weakness_getting_worse", "both_legs_weak"}),
    ("stress incontinence for years since childbirth", set()),
    ("bladder and bowels fine, no saddle numbness", set()),
    # a weak trailing cue denies only the phrase it follows, not one before another subject
    ("bladder function normal", set()),
    ("saddle numbness, bowels ok", {"saddle_numbness", "saddle_numbness_described"}),
    ("lost 10 kg, appetite ok", {"weight_loss", "weight_loss_amount"}),
    ("fever, otherwise ok", {"fever"}),
    # a negation reaches along a list, and a new statement ends it
    ("denies any loss of bladder control or saddle numbness", set()),
    ("no injury and has lost 8 kg", {"weight_loss", "weight_loss_amount"}),
    ("not had a fever", set()),
    ("no fever, has had night sweats", {"fever"}),
    # chart shorthand: a review of systems' minus signs, "neg for", "s/p", "r/o"
    ("ROS: fever -, chills -, wt loss -, night pain -", set()),
    ("neg for hx of CA, (-) IVDU, (-) recent infection", set()),
    ("r/o kidney infection, UA clean", set()),
    ("s/p L4-5 TLIF w/ screws 5 wks ago", {"recent_spinal_surgery"}),
    ("hard to get my pee going, weak stream since last night", {"bladder_change"}),
    ("weak stream for years with an enlarged prostate", set()),
    ("feels numb down there when he wipes", {"saddle_numbness_described"}),
    ("already ~50% better", {"improving"}),
    ("felt a pull; already better than on day one", {"improving"}),
    # the words of retention and of saddle numbness as clients say them; a short steroid course; a grandchild's fever
    ("can't get going on the toilet, has to push, stream weak, feels still full after",
     {"bladder_change", "bladder_change_described"}),
    ("can't get going in the mornings", set()),
    ("toilet paper feels weird, like it's not there when wiping", {"saddle_numbness_described"}),
    ("bum feels numb sitting on the loo", {"saddle_numbness"}),
    ("hx osteoporosis, alendronic acid wkly, on pred for PMR", {"osteoporosis", "long_term_steroids"}),
    ("osteopenia on her last scan", set()),
    ("5-day pred course for an asthma flare 2 yrs ago, none since", set()),
    ("grandson had a temp and an ear infection, on antibiotics", set()),
    # a cancer named by its drug; a foot drop and a sexual change in the client's words; a safety-net instruction
    ("Arimidex daily since her op in 2021", {"cancer"}),
    ("on Fosamax weekly for her bones", {"osteoporosis"}),
    ("on hormone tablets for my breast since the op", {"cancer_hormone_treatment"}),
    ("hormone replacement for the menopause, breast screening normal", set()),
    ("his legs had become weak", {"both_legs_weak"}),
    ("the right leg and foot felt numb", {"leg_numbness"}),
    ("keeps tripping, toes catch on the kerb, foot slaps down", {"weakness_getting_worse"}),
    ("can't get or keep an erection since the weekend, never had that before", {"sexual_change"}),
    ("gave her the CES card: if she ever gets numbness down below or can't wee, go to A&E", set()),
    # fever, weight loss, the bladder and a crash as clients tell them; words that only sound like them
    ("sweats soaking the sheets, burning up at night", {"fever"}),
    ("mum had the shakes with flu", set()),
    ("clothes hanging off her, down two dress sizes", {"weight_loss"}),
    ("wt down 15 lbs since the summer", {"weight_loss"}),
    ("dress sizes the same as ever", set()),
    ("pain down the leg after deadlifting 100 kg", set()),
    ("can't tell when I need to go any more", {"bladder_change"}),
    ("accidents with her bladder this week", {"bladder_change_described"}),
    ("stress incontinence for years, occasional leaks", set()),
    ("car went into the back of us at the lights on Friday", {"road_accident"}),
    ("feels a pulsing in his tummy like a heartbeat", {"pulsing_in_belly"}),
    ("foot pulses normal", set()),
    ("pain is constant, never goes away", {"constant_pain"}),
    ("not constant, comes and goes", set()),
    ("felt sick and vomited twice", {"systemic_symptoms", "vomiting"}),
    ("the right leg feels weak on the stairs", {"leg_weakness"}),
    ("aching in both shoulders and hips each morning", {"shoulder_girdle_pain"}),
    ("ached since, already easing", {"improving"}),
    ("daughter says she is muddled and not herself", {"new_confusion"}),
    ("a bit confused about the exercises", set()),
    ("red spots with tiny blisters came up over the right flank", {"shingles"}),
    ("had shingles as a child", set()),
    ("a tight band across the chest when he walks uphill", {"exertional_chest_symptoms"}),
    ("no chest pain on exertion", set()),
    # a sentence that ends in a number does not lend its date to the next one
    ("kidney tx 2019, sees the renal team q3/12. Says he has been running a temp", {"immunosuppressed", "fever"}),
    ("on Prograf and CellCept", {"immunosuppressed"}),
    ("husband is on anti rejection tablets after his transplant", set()),
    ("HD Mon/Wed/Fri via a tunnelled line", {"infection_route"}),
    ("catheter after her hysterectomy in 2011", set()),
    ("pain constant, wakes him most nights", {"constant_pain", "night_pain_told"}),
    ("left calf looks swollen and feels warm", {"calf_swelling"}),
    ("periods stopped five months ago; sore to hop on the right", {"amenorrhoea", "hop_pain"}),
    ("surgeon said it was permanent; the same at every yearly check", {"deficit_unchanged"}),
    ("the ache spreads into the left arm and jaw, clammy", {"arm_or_jaw_spread", "sweating_clammy"}),
    ("sweating at night", {"fever"}),
    ("suddenly short of breath; pain catches on every breath in", {"breathless", "pleuritic_or_blood"}),
    ("vomited several times, cannot keep food down", {"vomiting", "systemic_symptoms"}),
    ("attacks an hour after fatty meals", {"meal_related_pain"}),
    # the pattern in words, for the pain mechanism
    ("sore bending and putting socks on, eases with a walk",
     {"aggravated_by_movement", "eased_by_movement_or_position", "mechanical_cause"}),
    ("nothing eases it, not even lying down", {"nothing_eases"}),
    ("feels better lying down with a hot pack", {"eased_by_movement_or_position"}),  # easing, not a settling course
    # a job hides a condition named with it, not an event told after it
    ("works as an oncology infusion RN, bent over chemo chairs", {"mechanical_cause"}),
    ("works as a roofer and fell off a ladder yesterday", {"fall_from_height", "fall_or_knock"}),
    ("works as a teacher, had breast cancer in 2019", {"cancer"}),
    # a new verb ends a negation's reach; a course of now is not dated by the onset beside it
    ("came on with no injury three months ago and keeps getting worse", {"worsening"}),
    ("a deep ache at her sitting bone when driving", {"sitting_bone_pain", "mechanical_cause"}),
])
def test_a_mention_counts_only_when_it_is_the_clients_own_current_fact(text, expected):
    assert read(text) == expected


def test_an_undated_event_sits_at_the_start_of_the_episode():
    # "epidural injection did not help" in a 14-month story is not a recent procedure; in a 10-day one it is.
    # ("did not help" is read too: care has not helped, a state of now.)
    assert read("epidural injection did not help", 420) == {"worsening"}
    assert read("epidural injection did not help", 10) == {"recent_spinal_procedure", "worsening"}
    assert read("epidural injection did not help") == {"recent_spinal_procedure", "worsening"}  # unknown length: the safe reading
    # A state (a fever, a drug) is not an event: undated, it is now.
    assert read("night sweats", 420) == {"fever"}


def test_the_record_outweighs_the_words_and_the_evidence_quotes_them():
    case = {"client": {"age": 58}, "history": {"mechanism": "had breast cancer in 2019; back pain for 6 weeks"},
            "medical": {"cancer_history": False}}
    read_case, used = with_notes(case, KB)
    assert read_case["medical"]["cancer_history"] is False and used == {}
    del case["medical"]
    read_case, used = with_notes(case, KB)
    assert read_case["medical"]["cancer_history"] is True
    out = assess_data(Case.model_validate(case).findings())
    quoted = [e for f in out["red_flags"] for e in f["evidence"] if "from the notes" in e]
    assert out["referral"]["urgency"] == "urgent" and quoted
    assert "had breast cancer in 2019" in quoted[0] and "confirm with the client" in quoted[0]


def test_the_course_and_what_eases_said_in_words_count_where_the_record_is_silent():
    # A known aneurysm with a new ache that nothing eases (said only in words) is urgent, not routine.
    aaa = {"client": {"age": 69}, "medical": {"known_aaa_or_vascular_disease": True},
           "history": {"onset": "gradual", "duration_days": 4, "mechanism": "tried lying and heat, none of it helps"},
           "symptoms": {"pain_nrs": 6, "pain_sites": ["low_back_left"]}}
    assert _assess(aaa)["referral"]["urgency"] == "urgent"
    aaa["history"]["easing"] = ["lying"]  # the record says lying eases it: the words do not count
    assert _assess(aaa)["referral"]["urgency"] == "routine"
    # A cancer long ago beside a mechanical strain the notes call settling: routine with treatment;
    # the same strain "getting better but now worse again" stays urgent.
    strain = {"client": {"age": 57}, "medical": {"cancer_history": True},
              "history": {"onset": "sudden", "duration_days": 40, "aggravating": ["lifting", "bending_forward"],
                          "easing": ["rest", "heat"], "mechanism": "lifting strain, now much better"},
              "symptoms": {"pain_nrs": 3, "pain_sites": ["low_back_left"]}}
    out = _assess(strain)
    assert out["referral"]["urgency"] == "routine" and out["plan"]["treat"] is True
    strain["history"]["mechanism"] = "lifting strain, was getting better but now worse again"
    assert _assess(strain)["referral"]["urgency"] == "urgent"


def test_a_recent_operation_said_only_in_words_sends_fever_to_the_surgical_team():
    case = {"client": {"age": 62}, "history": {"onset": "gradual", "duration_days": 7,
                                               "mechanism": "s/p L4-5 fusion 5 wks ago; temp 101.6 F last night w/ chills"},
            "symptoms": {"pain_nrs": 7, "pain_sites": ["low_back"]}}
    out = _assess(case)
    assert (out["referral"]["urgency"], out["referral"]["to"]) == ("urgent", "surgical_team")
    case["history"]["spinal_surgery"] = {"procedure": "fusion", "weeks_ago": 60}  # the record's date outweighs the words
    assert _assess(case)["referral"]["to"] != "surgical_team"


def test_a_collapse_with_sudden_severe_pain_is_an_emergency_at_any_age():
    base = {"client": {"age": 34}, "history": {"onset": "sudden", "mechanism": "collapsed at work with the pain"},
            "symptoms": {"pain_nrs": 9}}
    out = assess_data(Case.model_validate(base).findings())
    assert out["referral"]["urgency"] == "emergency" and out["plan"]["treat"] is False
    older = copy.deepcopy(base)
    older["client"]["age"] = 72
    out = assess_data(Case.model_validate(older).findings())
    assert "abdominal_aortic_aneurysm" in [f["id"] for f in out["red_flags"]]


def test_a_pulsing_felt_in_the_belly_sends_an_older_client_to_the_doctor_the_same_day():
    # NHS: a pulsing feeling in the tummy is an unruptured aneurysm's symptom; the emergency tier needs a
    # sudden severe pain or a collapse, which the other rules hold.
    base = {"client": {"age": 68}, "symptoms": {"pain_nrs": 4},
            "history": {"mechanism": "dull ache low back for 3 weeks, says he can feel a pulsing in his belly"}}
    out = assess_data(Case.model_validate(base).findings())
    assert out["referral"]["urgency"] == "urgent" and out["plan"]["treat"] is False
    assert "abdominal_aortic_aneurysm" in [f["id"] for f in out["red_flags"]]
    young = copy.deepcopy(base)
    young["client"]["age"] = 29
    out = assess_data(Case.model_validate(young).findings())
    assert "abdominal_aortic_aneurysm" not in [f["id"] for f in out["red_flags"]]


def test_a_reading_must_fill_a_medical_history_field_or_its_own_notes_field(monkeypatch):
    from backcare.clinical.knowledge import loader

    real = loader._read

    def bad(name):
        data = real(name)
        if name == "notes":
            data = copy.deepcopy(data)
            data["readings"]["cancer"]["fills"] = "medical.not_a_field"
        return data

    monkeypatch.setattr(loader, "_read", bad)
    with pytest.raises(KnowledgeError, match="notes.yaml: cancer.fills"):
        build()


# --- properties -----------------------------------------------------------------------------------

FLAG_WORDS = ["fell off a ladder", "car accident", "breast cancer", "a fever of 38.5", "a kidney infection",
              "an epidural injection", "apixaban", "prednisolone", "injects heroin", "lost weight",
              "collapsed", "a known aortic aneurysm", "saddle numbness", "urinary retention", "legs giving way"]
DENIALS = ["denies {}", "no {}", "his father had {}", "worried about {}", "{} ruled out", "asked whether {} matters"]
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _with_text(data: dict, text: str) -> dict:
    out = copy.deepcopy(data)
    out.setdefault("history", {})["mechanism"] = text
    return out


def _assess(data: dict) -> dict:
    return assess_data(Case.model_validate(data).findings())


@FAST
@given(cases, st.sampled_from(FLAG_WORDS), st.sampled_from(DENIALS))
def test_words_that_deny_a_fact_or_give_it_to_someone_else_change_nothing(data, words, denial):
    plain = _assess(_with_text(data, "back pain"))
    denied = _assess(_with_text(data, f"back pain; {denial.format(words)}"))
    for key in ("referral", "red_flags", "contraindications", "plan"):
        assert denied[key] == plain[key]


@FAST
@given(cases, st.sampled_from(FLAG_WORDS))
def test_words_that_affirm_a_red_flag_fact_never_lower_the_urgency(data, words):
    plain = _assess(_with_text(data, "back pain"))
    told = _assess(_with_text(data, f"back pain; {words} yesterday"))
    assert URGENCY_LEVELS.index(told["referral"]["urgency"]) >= URGENCY_LEVELS.index(plain["referral"]["urgency"])


@FAST
@given(cases, st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=200))
def test_a_recorded_medical_answer_is_never_changed_by_the_words(data, text):
    data = _with_text(data, text or "x")
    findings = Case.model_validate(data).findings()
    read_case, _ = with_notes(findings, KB)
    for field, value in (findings.get("medical") or {}).items():
        if value is not None:
            assert read_case["medical"][field] == value
