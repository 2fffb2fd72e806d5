"""The Today page, an emergency intake dealt with without a visit, intake links withdrawn, a follow-up
started from the last visit in one action, and client mode running several questionnaires in one hand-over."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from web_support import a_visit_case, csrf_of, fresh_records, intake_answers, login, make_client, seed


@pytest.fixture
def site(tmp_path):
    url = f"sqlite:///{tmp_path / 'today.db'}"
    records = fresh_records(url)
    people = seed(records)
    me = people["north"]
    seen = records.create_client(me, {"name": "Sol Seen"})  # no consent on record
    records.create_visit(me, seen, {"visit_date": date.today(), "case": a_visit_case()})
    urgent = records.create_client(me, {"name": "Una Urgent", "consent_given": True, "consent_date": date.today()})
    token, _ = records.create_intake_link(me, urgent, ["nprs"])
    records.submit_intake(token, intake_answers(bladder_dysfunction=True))
    browser = make_client(url)
    csrf = login(browser, "ther@north.test")
    return {"url": url, "records": records, "me": me, "seen": seen, "urgent": urgent, "browser": browser, "csrf": csrf}


def test_today_is_the_first_page_and_lists_the_days_work(site):
    browser = site["browser"]
    assert browser.get("/", follow_redirects=False).headers["location"] == "/today"
    page = browser.get("/today").text
    assert "Visits today" in page and "Sol Seen" in page
    assert "Needs your attention now" in page and "Una Urgent" in page and "EMERGENCY" in page
    consent = page.split('id="consent-title"')[1]
    assert "Sol Seen" in consent and "Una Urgent" not in consent
    # Another clinic's therapist sees none of it.
    other = make_client(site["url"])
    login(other, "ther@south.test")
    assert "Sol Seen" not in other.get("/today").text


def test_an_emergency_intake_is_acknowledged_without_a_visit(site):
    browser, csrf, records = site["browser"], site["csrf"], site["records"]
    intake_id = records.waiting_intakes(site["me"])[0].intake_id
    empty = browser.post(f"/intakes/{intake_id}/acknowledge", data={"csrf_token": csrf, "acknowledgement": " "})
    assert "Say what you did" in empty.text
    done = browser.post(f"/intakes/{intake_id}/acknowledge", data={
        "csrf_token": csrf, "acknowledgement": "Phoned at 10:20: told to go to the emergency department now."})
    assert "Dealt with" in done.text and "told to go to the emergency department" in done.text
    assert "Needs your attention now" not in browser.get("/today").text
    assert "Needs your attention" not in browser.get("/clients").text
    assert records.flagged_intakes(site["me"]) == []


def test_an_intake_link_can_be_withdrawn_and_then_opens_no_more(site):
    browser, csrf, records = site["browser"], site["csrf"], site["records"]
    token, _ = records.create_intake_link(site["me"], site["seen"], ["nprs"])
    link_id = records.intake_links(site["me"], site["seen"])[0].id
    assert browser.get(f"/intake/{token}").status_code == 200
    response = browser.post(f"/intake-links/{link_id}/revoke", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert "withdrawn" in browser.get(f"/clients/{site['seen']}/intake").text
    assert browser.get(f"/intake/{token}").status_code == 404  # the same page as any link that cannot be used
    other = make_client(site["url"])
    other_csrf = login(other, "ther@south.test")
    assert other.post(f"/intake-links/{link_id}/revoke", data={"csrf_token": other_csrf}).status_code == 404


def test_a_follow_up_starts_from_the_last_visit_in_one_action(site):
    browser, records, me = site["browser"], site["records"], site["me"]
    client_id = records.create_client(me, {"name": "Flo Follow"})
    records.create_visit(me, client_id, {"visit_date": date.today() - timedelta(days=7), "case": {
        **a_visit_case(), "special_tests": {"slr": {"left": "positive", "right": "negative"}},
        "palpation": {"hypertonic": ["piriformis"]}}})
    listing = browser.get("/clients?q=flo").text
    assert f'href="/clients/{client_id}/visits/new?from=last"' in listing
    form = browser.get(f"/clients/{client_id}/visits/new?from=last").text
    carried = re.search(r'name="carried_unconfirmed" id="carried_unconfirmed" value="([^"]*)"', form).group(1).split()
    assert {"pain-map", "tests", "palpation"} <= set(carried) and "screening" not in carried
    assert re.search(r'name="special_tests.slr.left" value="positive"\s+checked', form)
    # The screening is asked afresh: no answer is carried into it.
    assert not re.search(r'name="symptoms.saddle_anaesthesia" value="no"[^>]*checked', form)


def test_client_mode_runs_several_questionnaires_in_one_hand_over(site):
    browser, csrf, records, me = site["browser"], site["csrf"], site["records"], site["me"]
    client_id = site["seen"]
    started = browser.post(f"/clients/{client_id}/questionnaires/client-mode",
                           data={"csrf_token": csrf, "instrument": ["nprs", "rmdq"]})
    assert "Questionnaire 1 of 2" in started.text
    csrf = csrf_of(started.text)
    second = browser.post("/client-mode", data={"csrf_token": csrf, "a.pain": "4"})
    assert "Questionnaire 2 of 2" in second.text and ("Roland" in second.text or "RMDQ" in second.text)
    done = browser.post("/client-mode", data={"csrf_token": csrf_of(second.text), "a.walk_slowly": "yes"})
    assert "Thank you" in done.text
    answered = {r.instrument: r.mode for r in records.episode_record(me, client_id).responses}
    assert answered == {"nprs": "client", "rmdq": "client"}


def test_today_shows_a_check_in_that_points_to_a_referral_and_a_consent_due_again(site):
    """The first page after signing in hides no alarm from between visits, and says whose consent is due again."""
    from datetime import datetime, timezone

    from sqlalchemy import update

    from backcare.clinical.knowledge.runtime import load_knowledge
    from backcare.storage.models import TreatmentConsent

    browser, csrf, records, me = site["browser"], site["csrf"], site["records"], site["me"]
    token, _ = records.create_home_link(me, site["seen"])
    screening = {q: q == "saddle_anaesthesia" for q in load_knowledge().intake["screening"]}
    records.send_check_in(token, {"screening": screening, "pain_nrs": 6, "exercise_days": 1})
    visit_id = records.timeline(me, site["seen"]).entries[-1].id
    records.record_consent(me, site["seen"], visit_id, {"scope": "treatment", "methods": ["verbal"], "techniques": ["swedish"],
                                                         "elements": ["nature", "benefits", "risks", "alternatives",
                                                                      "no_treatment", "right_to_stop"]})
    page = browser.get("/today").text
    alert = page.split("weekly check-in points to a referral")[1].split("</div>")[0]
    assert "Sol Seen" in alert and "EMERGENCY" in alert
    assert "due again" not in page  # given today
    with records.sessions() as db, db.begin():
        db.execute(update(TreatmentConsent).values(given_at=datetime(2024, 1, 2, tzinfo=timezone.utc)))
    consent = browser.get("/today").text.split('id="consent-title"')[1]
    assert "Sol Seen" in consent and "informed consent due again (given more than 365 days ago)" in consent
    check_in_id = records.flagged_check_ins(me)[0].check_in_id
    done = browser.post(f"/check-ins/{check_in_id}/acknowledge", data={"csrf_token": csrf, "back": "/today"},
                        follow_redirects=False)
    assert done.headers["location"] == "/today"
    assert "weekly check-in points to a referral" not in browser.get("/today").text
