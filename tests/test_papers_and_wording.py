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
                  "red_flags": [], "differential": [{"name": "Lumbar radiculopathy", "flagged": False}], "nerve_roots": [],
                  "plan": {"treat": False}}
    body = referral_letter(assessment, client="Sam Lee", born="", seen_on="5 Nov 2026", therapist="T", clinic="C",
                           contact="")["body"]
    assert "Please see them within 24 hours" in body
    assert "see him" in referral_letter(assessment, client="Sam Lee", born="", seen_on="", therapist="T", clinic="C",
                                        contact="", sex="male")["body"]
    assert addressee(assessment, "Sam Lee", "Dr Rahman") == "The surgical team who operated on Sam Lee"
