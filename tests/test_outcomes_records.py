"""Outcomes in the records (SQLite and PostgreSQL) and over HTTP: episodes, questionnaires,
referral letters, client mode, the progress page, the reports and the API."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from backcare.records import FieldErrors, NotFound
from backcare.storage.models import AuditEvent
from web_support import TODAY, a_visit_case, csrf_of, fresh_records, login, make_client, seed

ODI = {"pain_intensity": 3, "personal_care": 1, "lifting": 3, "walking": 2, "sitting": 3, "standing": 2, "sleeping": 2,
       "social_life": 2, "travelling": 2}
HIGH_RISK = {"leg_pain": 1, "shoulder_neck": 1, "short_walks": 0, "dresses_slowly": 1, "not_safe_active": 1,
             "worrying_thoughts": 1, "never_better": 1, "not_enjoying": 0, "bothersome": 3}
EMERGENCY = {"symptoms": {"saddle_anaesthesia": True, "pain_sites": ["low_back"]}}


@pytest.fixture
def clinic(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Eve Episode"})
    return records, people, client_id


def _visit(records, actor, client_id, days_ago: int, pain: int, case: dict | None = None) -> int:
    case = case or {**a_visit_case(), "history": {"duration_days": 20}}
    case = {**case, "symptoms": {**case.get("symptoms", {}), "pain_nrs": pain}}
    return records.create_visit(actor, client_id, {"visit_date": date.today() - timedelta(days=days_ago), "case": case})


def test_visits_and_questionnaires_share_an_episode_until_discharge(clinic):
    records, people, client_id = clinic
    me = people["north"]
    first = _visit(records, me, client_id, 50, 8)
    records.record_questionnaire(me, client_id, "odi", ODI, visit_id=first)
    _visit(records, me, client_id, 10, 7)
    record = records.episode_record(me, client_id)
    assert [v.pain_nrs for v in record.visits] == [8, 7] and record.responses[0].score == 44.4
    assert record.episode.started_on == date.today() - timedelta(days=50) and record.episode.open
    records.close_episode(me, client_id, record.episode.id, {"reason": "plateau", "note": "advised to keep walking",
                                                             "closed_on": TODAY})
    with pytest.raises(FieldErrors):
        records.close_episode(me, client_id, record.episode.id, {"reason": "plateau", "closed_on": TODAY})
    _visit(records, me, client_id, 0, 4)  # a new episode begins
    newest = records.episode_record(me, client_id)
    assert newest.episode.id != record.episode.id and len(newest.visits) == 1 and len(newest.episodes) == 2
    older = records.episode_record(me, client_id, record.episode.id)
    assert older.episode.discharge_reason == "plateau" and older.episode.closed_by == "Tom Therapist"
    with pytest.raises(NotFound):
        records.episode_record(people["south"], client_id)
    with pytest.raises(FieldErrors) as bad:
        records.record_questionnaire(me, client_id, "odi", {"lifting": 9})
    assert bad.value.errors == {"lifting": "Choose one of the answers"}


def test_a_referral_letter_is_kept_as_written_and_audited(clinic):
    records, people, client_id = clinic
    me = people["north"]
    routine = _visit(records, me, client_id, 1, 3)
    with pytest.raises(FieldErrors):
        records.save_referral_letter(me, routine, {"addressee": "Dr Who", "body": "x"})
    urgent = records.create_visit(me, client_id, {"visit_date": TODAY, "case": EMERGENCY})
    letter_id = records.save_referral_letter(me, urgent, {"addressee": "Dr Rao, Harbour Surgery", "body": "Please see today."})
    letter = records.referral_letter(me, letter_id)
    assert (letter.urgency, letter.body, letter.author) == ("emergency", "Please see today.", "Tom Therapist")
    with pytest.raises(NotFound):
        records.referral_letter(people["south"], letter_id)
    with records.sessions() as db:
        actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.visit_id == urgent)))
    assert "referral_letter.create" in actions and "referral_letter.read" in actions


def test_a_pin_is_digits_and_ends_client_mode(clinic):
    records, people, _ = clinic
    me = people["north"]
    with pytest.raises(FieldErrors) as wrong_password:
        records.set_pin(me, "not my password", "4826")
    assert "pin_password" in wrong_password.value.errors
    for weak in ("12a4", "123", "1111", "1234"):
        with pytest.raises(FieldErrors):
            records.set_pin(me, "correct horse battery", weak)
    records.set_pin(me, "correct horse battery", "4826")
    assert records.check_pin_or_password(me, "4826") and records.check_pin_or_password(me, "correct horse battery")
    assert not records.check_pin_or_password(me, "4827")


# --- over HTTP --------------------------------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    records = fresh_records(url)
    people = seed(records)
    me = people["north"]
    client_id = records.create_client(me, {"name": "Olly Outcome", "date_of_birth": date(1970, 1, 2)})
    visits = [_visit(records, me, client_id, days, pain) for days, pain in ((56, 7), (28, 7), (3, 6))]
    records.record_questionnaire(me, client_id, "odi", ODI, visit_id=visits[0])
    records.record_questionnaire(me, client_id, "start_back", HIGH_RISK, visit_id=visits[0])
    records.record_questionnaire(me, client_id, "odi", {**ODI, "lifting": 1, "sitting": 1}, visit_id=visits[2])
    return {"url": url, "records": records, "people": people, "client_id": client_id, "visits": visits}


def test_the_progress_page_shows_verdicts_the_course_and_the_risk(site):
    browser = make_client(site["url"])
    login(browser, "ther@north.test")
    page = browser.get(f"/clients/{site['client_id']}/progress").text
    assert page.count('class="progress-chart"') == 2  # pain and ODI
    assert "no meaningful change" in page and "meaningful improvement" in page  # pain 7 -> 6; ODI 44 -> 35.6
    assert "Not on track" in page and "consider referral" in page
    assert "Menezes Costa" in page and "acute low back pain" in page
    assert "high risk" in page and "Suggest involving the client" in page
    assert "Understanding your pain" in page  # what the high-risk group adds to the home plan
    # The visit page carries the same risk group into the plan and the handout.
    visit = browser.get(f"/visits/{site['visits'][2]}").text
    assert "Stratified care" in visit and "high risk" in visit
    assert 'data-id="pain_education"' in visit


def test_the_reports_read_back_as_text(site, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler-utils (make test installs it)")
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    client = site["client_id"]

    def text(path: str) -> str:
        response = browser.get(path)
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf", path
        (tmp_path / "out.pdf").write_bytes(response.content)
        return subprocess.run(["pdftotext", str(tmp_path / "out.pdf"), "-"], capture_output=True, text=True, check=True).stdout

    report = text(f"/clients/{client}/progress.pdf")
    assert "Progress report" in report and "Olly Outcome" in report and "Oswestry" in report and "High risk" in report
    assert "Findings then and now" in report or "Working assessment" in report
    episode = site["records"].episode_record(site["people"]["north"], client).episode.id
    closed = browser.post(f"/clients/{client}/episodes/{episode}/close",
                          data={"csrf_token": csrf, "reason": "referred", "note": "Sent to the GP for review.", "closed_on": TODAY})
    assert closed.status_code == 200 and "Episode closed" in closed.text
    discharge = text(f"/clients/{client}/episodes/{episode}/discharge.pdf")
    assert "Discharge summary" in discharge and "Referred on" in discharge and "Sent to the GP for review." in discharge

    urgent = site["records"].create_visit(site["people"]["north"], client, {"visit_date": TODAY, "case": EMERGENCY})
    form = browser.get(f"/visits/{urgent}/referral-letter").text
    body = re.search(r'<textarea id="body"[^>]*>(.*?)</textarea>', form, re.S).group(1)
    assert "EMERGENCY" in body and "saddle anaesthesia" in body and "Tom Therapist" in body
    saved = browser.post(f"/visits/{urgent}/referral-letter", data={"csrf_token": csrf, "addressee": "Dr Rao",
                                                                 "body": "Edited by me before printing.\nPlease see today."})
    assert saved.status_code == 200 and "Referral letter saved" in saved.text
    letter = re.search(r'href="(/referral-letters/\d+\.pdf)"', saved.text).group(1)
    printed = text(letter)
    assert "Edited by me before printing." in printed and "Dr Rao" in printed and "EMERGENCY" in printed
    assert browser.get(f"/visits/{site['visits'][0]}/referral-letter").status_code == 404  # no referral advised


def test_client_mode_shows_one_questionnaire_until_the_therapist_unlocks(site):
    records, me = site["records"], site["people"]["north"]
    records.set_pin(me, "correct horse battery", "4826")
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    started = browser.post(f"/clients/{site['client_id']}/questionnaires/client-mode",
                           data={"csrf_token": csrf, "instrument": "rmdq"}, follow_redirects=False)
    assert started.headers["location"] == "/client-mode"
    page = browser.get("/client-mode").text
    assert "Hello Olly" in page and "Outcome" not in page and 'href="/clients"' not in page
    for elsewhere in (f"/clients/{site['client_id']}", "/clients", f"/visits/{site['visits'][0]}", "/admin/audit"):
        answer = browser.get(elsewhere, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/client-mode", elsewhere
    assert browser.get("/api/me").status_code == 403
    csrf = csrf_of(page)
    done = browser.post("/client-mode", data={"csrf_token": csrf, "a.q01": "yes", "a.q13": "yes"})
    assert "Thank you, Olly" in done.text
    wrong = browser.post("/client-mode/unlock", data={"csrf_token": csrf, "secret": "0000"})
    assert wrong.status_code == 401 and "4 tries left" in wrong.text
    back = browser.post("/client-mode/unlock", data={"csrf_token": csrf, "secret": "4826"}, follow_redirects=False)
    assert back.headers["location"].startswith(f"/clients/{site['client_id']}/progress")
    progress = browser.get(back.headers["location"]).text
    assert "the client, on the tablet" in progress and "Olly Outcome" in progress


def test_five_wrong_pins_end_the_session(site):
    browser = make_client(site["url"])
    csrf = login(browser, "ther@north.test")
    browser.post(f"/clients/{site['client_id']}/questionnaires/client-mode", data={"csrf_token": csrf, "instrument": "nprs"})
    csrf = csrf_of(browser.get("/client-mode").text)
    for _ in range(4):
        assert browser.post("/client-mode/unlock", data={"csrf_token": csrf, "secret": "9999"}).status_code == 401
    last = browser.post("/client-mode/unlock", data={"csrf_token": csrf, "secret": "9999"}, follow_redirects=False)
    assert last.headers["location"] == "/login"
    assert browser.get(f"/clients/{site['client_id']}", follow_redirects=False).headers["location"].startswith("/login")


def test_the_api_records_and_reports_progress(site):
    browser = make_client(site["url"])
    me = browser.post("/api/login", json={"email": "ther@north.test", "password": "correct horse battery"}).json()
    headers = {"X-CSRF-Token": me["csrf_token"]}
    instruments = browser.get("/api/instruments").json()
    assert {i["id"] for i in instruments} == {"nprs", "odi", "rmdq", "psfs", "start_back"}
    scored = browser.post(f"/api/clients/{site['client_id']}/questionnaires",
                          json={"instrument": "nprs", "answers": {"pain": 3}}, headers=headers)
    assert scored.status_code == 201 and scored.json()["score"] == 3
    bad = browser.post(f"/api/clients/{site['client_id']}/questionnaires", json={"instrument": "odi", "answers": {"lifting": 7}},
                       headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"] == {"lifting": "Choose one of the answers"}
    progress = browser.get(f"/api/clients/{site['client_id']}/progress").json()
    pain = next(m for m in progress["measures"] if m["instrument"] == "nprs")
    assert pain["points"][-1]["value"] == 3 and pain["verdict"] == "improved" and pain["on_track"] is True
    assert progress["risk_group"] == "high"
    urgent = site["records"].create_visit(site["people"]["north"], site["client_id"], {"visit_date": TODAY, "case": EMERGENCY})
    letter = browser.post(f"/api/visits/{urgent}/referral-letters", json={"addressee": "Dr Rao"}, headers=headers)
    assert letter.status_code == 201 and "EMERGENCY" in letter.json()["body"]
    assert browser.get(f"/api/referral-letters/{letter.json()['id']}").json()["addressee"] == "Dr Rao"
