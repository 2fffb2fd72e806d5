"""What leaves the clinic and what the pages say: each item issue 18 found wrong or misleading."""
from __future__ import annotations

from types import SimpleNamespace

from backcare.web.outcomes.progress import then_and_now

NORMAL_EXAM = {
    "special_tests": {"slr": {"left": "negative", "right": "negative"}, "slump": {"left": "negative", "right": "negative"},
                      "kemp": {"left": "negative", "right": "negative"}, "faber": {"left": "negative", "right": "negative"}},
    "neuro": {"motor": {m: {"left": "normal", "right": "normal"} for m in ("ankle_plantarflexion", "ankle_dorsiflexion",
                                                                          "great_toe_extension", "knee_extension")},
              "reflexes": {"achilles": {"left": "normal", "right": "normal"}}},
}


def test_then_and_now_shows_findings_recorded_normal_at_both_visits():
    """Plantarflexion recorded normal and SLR negative at both visits read 'not recorded' (issue 18, item 2)."""
    first = SimpleNamespace(case={**NORMAL_EXAM, "special_tests": {**NORMAL_EXAM["special_tests"],
                                                                   "slr": {"left": "positive", "right": "negative"}}},
                            details=None)
    last = SimpleNamespace(case=NORMAL_EXAM, details=None)
    rows = then_and_now(SimpleNamespace(visits=[first, last]))["sections"]
    neuro = {name: (then, now) for name, then, now in rows["Neurological examination"]}
    tests = {name: (then, now) for name, then, now in rows["Special tests"]}
    plantar = next(v for k, v in neuro.items() if k.startswith("Plantarflexion"))
    assert plantar == ("normal both sides", "normal both sides")
    assert tests["Straight leg raise"] == ("left positive, right negative", "negative both sides")
    assert tests["Slump test"] == ("negative both sides", "negative both sides")
    assert not any("not recorded" in cell for rows_ in rows.values() for row in rows_ for cell in row[1:])


# --- papers that leave the clinic: one date form, the right addressee, the client's pronouns ------------

import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
from datetime import date  # noqa: E402

import pytest  # noqa: E402

from web_support import csrf_of, fresh_records, login, make_client, seed  # noqa: E402

SCREENED = {"saddle_anaesthesia": False, "bladder_dysfunction": False, "bowel_dysfunction": False,
            "sexual_dysfunction": False, "progressive_weakness": False}
# Signs of spinal cord compression: an urgent referral to the family doctor.
CORD = {"symptoms": {**SCREENED, "hand_clumsiness": True, "pain_sites": ["low_back"]},
        "special_tests": {"hoffmann": {"left": "positive"}, "babinski": {"left": "positive"}}}


@pytest.fixture
def referred(tmp_path):
    url = f"sqlite:///{tmp_path / 'letters.db'}"
    records = fresh_records(url)
    people = seed(records)
    client_id = records.create_client(people["north"], {
        "name": "Rita Referral", "date_of_birth": date(1979, 3, 2), "sex": "female", "family_doctor": "Dr Amina Rahman",
        "family_doctor_contact": "Harbour Surgery, 1 Quay Road"})
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": date(2026, 11, 5), "case": CORD})
    browser = make_client(url, session_recheck_seconds=0)  # sees the clinic's new locale at once
    csrf = login(browser, "ther@north.test")
    return url, browser, csrf, visit_id


def _pdf_text(data: bytes, tmp_path) -> str:
    (tmp_path / "paper.pdf").write_bytes(data)
    return subprocess.run(["pdftotext", str(tmp_path / "paper.pdf"), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (make test installs it)")
def test_a_referral_letter_writes_dates_one_way_goes_to_the_family_doctor_and_says_her(referred, tmp_path):
    url, browser, csrf, visit_id = referred
    form = browser.get(f"/visits/{visit_id}/referral-letter").text
    addressee = re.search(r'id="addressee" name="addressee" type="text" maxlength="300" value="([^"]*)"', form).group(1)
    assert addressee == "Dr Amina Rahman, Harbour Surgery, 1 Quay Road"  # not "The client's doctor"
    body = re.search(r'<textarea id="body"[^>]*>(.*?)</textarea>', form, re.S).group(1)
    assert "born 2 Mar 1979" in body and "on 5 Nov 2026" in body
    assert "Please see her within 24 hours" in body and " them " not in body
    saved = browser.post(f"/visits/{visit_id}/referral-letter", data={"csrf_token": csrf, "addressee": addressee,
                                                                      "body": body.replace("&#39;", "'")},
                         follow_redirects=False)
    letter_id = re.search(r"letter=(\d+)", saved.headers["location"]).group(1)
    text = _pdf_text(browser.get(f"/referral-letters/{letter_id}.pdf").content, tmp_path)
    assert "2 Mar 1979" in text and not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", text)  # never all numbers
    # The clinic's locale chooses the order; the month stays in words.
    admin = make_client(url)
    admin_csrf = login(admin, "admin@north.test")
    assert admin.post("/admin/clinic", data={"csrf_token": admin_csrf, "name": "North Clinic", "timezone": "UTC",
                                             "locale": "en_US", "idle_minutes": "90"}, follow_redirects=False).status_code == 303
    again = browser.get(f"/visits/{visit_id}/referral-letter").text
    assert "born Mar 2, 1979" in again


def test_letters_say_they_when_no_sex_is_recorded_and_name_the_surgical_team():
    from backcare.clinical.letters import addressee, referral_letter

    assessment = {"referral": {"urgency": "urgent", "to": "surgical_team", "reasons": [], "tell_client": None},
                  "red_flags": [], "differential": [{"name": "Lumbar radiculopathy", "probability": 0.6, "flagged": False}],
                  "nerve_roots": [],
                  "plan": {"treat": False}}
    body = referral_letter(assessment, client="Sam Lee", born="", seen_on="5 Nov 2026", therapist="T", clinic="C",
                           contact="")["body"]
    assert "Please see them within 24 hours" in body
    assert "see him" in referral_letter(assessment, client="Sam Lee", born="", seen_on="", therapist="T", clinic="C",
                                        contact="", sex="male")["body"]
    assert addressee(assessment, "Sam Lee", "Dr Rahman") == "The surgical team who operated on Sam Lee"


# --- wording (issue 18, item 9) --------------------------------------------------------------------------

def test_questionnaires_speak_to_the_client_in_the_first_person():
    from backcare.outcomes.wording import worded

    for instrument in ("rmdq", "start_back"):
        texts = [item["text"] for item in worded(instrument, None)["items"]]
        assert all(t.startswith(("I ", "My ", "In ", "It ", "Worrying", "Overall")) for t in texts), texts
    assert "I walk only short distances." in [i["text"] for i in worded("rmdq", None)["items"]]
    licensed = {"rmdq": {"items": {"q17": "Licensed text 17"}}}  # a clinic's licensed wording still comes first
    assert worded("rmdq", licensed)["items"][16]["text"] == "Licensed text 17"


@pytest.fixture
def intake_site(tmp_path):
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    records = fresh_records(url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Ivy Intake"})
    return url, records, people["north"], client_id


def test_the_intake_asks_for_pain_once_and_scores_the_scale_from_it(intake_site):
    from web_support import intake_answers

    url, records, me, client_id = intake_site
    token, _ = records.create_intake_link(me, client_id, ["nprs", "rmdq"])
    browser = make_client(url)
    form = browser.get(f"/intake/{token}").text
    assert form.count("from 0 (none) to 10") == 1 and 'name="q.nprs.pain"' not in form
    assert "I walk only short distances." in form
    answers = intake_answers()
    data = {"consent": "yes", "pain_nrs": "6", "pain_weeks": "3",
            **{f"screening.{q}": "no" for q in answers["screening"]}, "q.rmdq.q17": "yes"}
    done = browser.post(f"/intake/{token}", data=data)
    assert done.status_code == 200
    nprs = [r for r in records.episode_record(me, client_id).responses if r.instrument == "nprs"]
    assert [r.score for r in nprs] == [6.0] and nprs[0].mode == "intake"


def test_the_emergency_advice_is_said_once(intake_site):
    from backcare.clinical.knowledge.runtime import load_knowledge

    url, records, me, client_id = intake_site
    token, _ = records.create_intake_link(me, client_id, ["rmdq"])
    questions = load_knowledge().intake["screening"]
    emergency = next(q for q, entry in questions.items() if entry.get("emergency"))
    answers = {f"screening.{q}": "yes" if q == emergency else "no" for q in questions}
    page = make_client(url).post(f"/intake/{token}", data={**answers, "consent": "yes", "pain_nrs": "5"}).text
    assert "Please go to an emergency department now" in page
    assert page.count("emergency department") <= 2  # the heading and the advice, not the advice twice over


def test_the_soap_note_names_what_stands_out_and_sums_up_the_normal():
    import yaml

    from backcare.clinical.api import assess_data
    from backcare.clinical.soap import draft

    case = yaml.safe_load((Path_examples() / "acute-s1-herniation.yaml").read_text())
    case.pop("id", None)
    case["symptoms"]["no_comfortable_position"] = False
    case["neuro"]["motor"].update({m: {"left": "normal", "right": "normal"} for m in
                                   ("hip_flexion", "knee_extension", "ankle_dorsiflexion", "great_toe_extension")})
    note = draft(case, assess_data(case))
    assert "no comfortable position no" not in note["subjective"] and "Denies:" in note["subjective"]
    assert "pain in every position" in note["subjective"]
    assert "the rest normal (4 tested)" in note["objective"]
    assert "hip flexion strength left normal" not in note["objective"].lower()


def Path_examples():
    from pathlib import Path

    import backcare.clinical

    return Path(backcare.clinical.__file__).with_name("examples")


def test_a_working_differential_never_lists_a_condition_at_0_percent():
    from backcare.clinical.soap import assessment_text, percent, working_differential

    differential = [{"name": "Lumbar disc herniation", "probability": 0.97, "flagged": False},
                    {"name": "Lumbar radiculopathy", "probability": 0.025, "flagged": False},
                    {"name": "Piriformis syndrome", "probability": 0.004, "flagged": False}]
    assert [c["name"] for c in working_differential(differential)] == ["Lumbar disc herniation", "Lumbar radiculopathy"]
    assert percent(0.004) == "under 1%" and percent(0.38) == "38%"
    text = assessment_text({"referral": {"urgency": "none", "to": None}, "red_flags": [], "nerve_roots": [],
                            "differential": differential, "contraindications": []})
    assert "Piriformis" not in text and "0%" not in text


def test_the_default_handout_ticks_a_few_and_no_cold_packs_at_week_four():
    from backcare.homecare.programme import default_ticks

    engine = ["stay_active", "glute_bridge", "donkey_kick", "heat_at_home", "pain_free_rom", "core_strengthening",
              "foam_rolling", "sitting_breaks", "correct_lifting", "cold_hydrotherapy", "walking_program", "hip_flexor_stretch",
              "piriformis_stretch"]
    assert len(engine) == 13
    week_four = default_ticks(["cold_hydrotherapy", *engine[:-1]], {"history": {"duration_days": 28}})
    assert len(week_four) == 6 and "cold_hydrotherapy" not in week_four
    assert default_ticks(["cold_hydrotherapy", *engine[:-1]], {"history": {"duration_days": 3}})[0] == "cold_hydrotherapy"


def test_the_audit_log_names_people_filters_and_says_its_time_zone(tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    records = fresh_records(url)
    people = seed(records)
    anna = records.create_client(people["north"], {"name": "Anna Audit"})
    records.create_client(people["north"], {"name": "Bert Other"})
    records.create_visit(people["north"], anna, {"visit_date": date(2026, 11, 2), "case": {}})
    records.update_clinic(people["north_admin"], {"name": "North Clinic", "timezone": "Europe/London"})
    admin = make_client(url)
    login(admin, "admin@north.test")
    page = admin.get("/admin/audit").text
    assert "When (Europe/London time)" in page and ">Anna Audit</a>" in page and ">2 Nov 2026</a>" in page
    assert not re.search(r">#\d+</a>", page)
    only_anna = admin.get("/admin/audit", params={"client": "ann"}).text
    assert "Anna Audit" in only_anna and "Bert Other" not in only_anna
    therapist_id = people["north"].user_id
    visits_only = admin.get("/admin/audit", params={"action": "visit.", "user": str(therapist_id)}).text
    assert "visit.create" in visits_only and "client.create" not in visits_only


def test_the_first_visit_is_number_1_and_the_newest_the_highest(tmp_path):
    url = f"sqlite:///{tmp_path / 'timeline.db'}"
    records = fresh_records(url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Tim Line"})
    for day in (1, 8, 15):
        records.create_visit(people["north"], client_id, {"visit_date": date(2026, 10, day), "case": {}})
    browser = make_client(url)
    login(browser, "ther@north.test")
    page = browser.get(f"/clients/{client_id}").text
    numbers = re.findall(r'<li value="(\d+)"><a href="/visits/\d+">([^<]+)</a>', page)
    assert numbers == [("3", "15 Oct 2026"), ("2", "8 Oct 2026"), ("1", "1 Oct 2026")]
