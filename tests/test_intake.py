"""The client's pre-visit intake: tokens, the neutral page, limits, the screening, and what
reaches the therapist."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from backcare.clinical.knowledge.runtime import load_knowledge
from backcare.records import IntakeUnavailable
from backcare.storage.models import AuditEvent, IntakeLink
from web_support import fresh_records, login, make_client, seed
from web_support import intake_answers as answers

SCREENING = list(load_knowledge().intake["screening"])


def form(**screening_yes) -> dict:
    data = {"consent": "yes", "pain_nrs": "6", "pain_weeks": "3", "pain_sites": ["low_back", "buttock_left"],
            "medical.cancer_history": "no", "medical.osteoporosis": "unsure", "q.nprs.pain": "6", "notes": "Worse after gardening."}
    for q in SCREENING:
        data[f"screening.{q}"] = "yes" if q in screening_yes else "no"
    return data


@pytest.fixture
def clinic(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Ines Intake"})
    return records, people, client_id


def test_a_token_is_random_hashed_single_use_and_expires(clinic):
    records, people, client_id = clinic
    token, expires = records.create_intake_link(people["north"], client_id, ["nprs"])
    assert len(token) >= 43  # 32 random bytes: 256 bits
    assert expires - datetime.now(timezone.utc) > timedelta(days=6, hours=23)
    with records.sessions() as db:
        stored = db.scalar(select(IntakeLink.token_hash))
    assert token not in stored and len(stored) == 64
    assert records.open_intake(token).first_name == "Ines"
    screening = records.submit_intake(token, answers())
    assert screening["urgency"] in ("none", "routine")
    with pytest.raises(IntakeUnavailable):
        records.submit_intake(token, answers())  # spent
    with pytest.raises(IntakeUnavailable):
        records.open_intake(token)
    late, _ = records.create_intake_link(people["north"], client_id, [])
    with records.sessions.begin() as db:
        db.execute(update(IntakeLink).where(IntakeLink.spent_at.is_(None))
                   .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    with pytest.raises(IntakeUnavailable):
        records.open_intake(late)
    with pytest.raises(IntakeUnavailable):
        records.open_intake("forged" + token[6:])
    with records.sessions() as db:
        actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.client_id == client_id)))
    assert {"intake.link_create", "intake.open", "intake.submit", "intake.refused"} <= set(actions)


def test_an_emergency_answer_is_screened_flagged_and_taken_up_by_a_visit(clinic):
    records, people, client_id = clinic
    me = people["north"]
    token, _ = records.create_intake_link(me, client_id, ["nprs", "odi"])
    screening = records.submit_intake(token, answers(bladder_dysfunction=True))
    assert screening["urgency"] == "emergency" and "emergency department" in screening["advice"]
    flagged = records.flagged_intakes(me)
    assert [(f.client_id, f.urgency) for f in flagged] == [(client_id, "emergency")]
    assert records.flagged_intakes(people["south"]) == []
    intake = records.intakes(me, client_id)[0]
    assert intake.case["symptoms"]["bladder_dysfunction"] is True and intake.case["history"]["duration_days"] == 21
    record = records.episode_record(me, client_id)
    assert [(r.instrument, r.mode, r.complete) for r in record.responses] == [("nprs", "intake", True), ("odi", "intake", False)]
    visit_id = records.create_visit(me, client_id, {"visit_date": datetime.now().date(), "case": intake.case}, intake_id=intake.id)
    assert records.intake(me, intake.id).visit_id == visit_id
    assert records.flagged_intakes(me) == []
    assert records.get_client(me, client_id).consent_given  # the client's consent, taken up with the intake


# --- over HTTP ------------------------------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    records = fresh_records(url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Ivo Intake", "email": "ivo@example.org"})
    return {"url": url, "records": records, "people": people, "client_id": client_id}


def _link(site, **settings) -> tuple[object, str]:
    therapist = make_client(site["url"], **settings)
    csrf = login(therapist, "ther@north.test")
    page = therapist.post(f"/clients/{site['client_id']}/intake", data={"csrf_token": csrf, "instrument": ["nprs"], "days": "7"})
    assert page.status_code == 200 and "<svg" in page.text  # the QR code
    return therapist, re.search(r'value="http://127\.0\.0\.1(/intake/[^"]+)"', page.text).group(1)


def test_spent_expired_and_forged_links_answer_the_same_page(site):
    therapist, path = _link(site)
    visitor = make_client(site["url"])
    assert visitor.post(path, data=form()).status_code == 200
    spent = visitor.get(path)
    _, other = _link(site)
    with site["records"].sessions.begin() as db:
        db.execute(update(IntakeLink).where(IntakeLink.spent_at.is_(None))
                   .values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    expired = visitor.get(other)
    forged = visitor.get("/intake/" + "A" * 43)
    pages = {(r.status_code, re.sub(r'content="[^"]*"', "", r.text)) for r in (spent, expired, forged)}
    assert len(pages) == 1 and spent.status_code == 404 and "cannot be used" in spent.text
    assert "Ivo" not in forged.text


def test_the_page_shows_only_the_first_name_and_the_emergency_advice_at_once(site):
    _, path = _link(site)
    visitor = make_client(site["url"])
    page = visitor.get(path).text
    assert "Hello Ivo" in page and "Intake" not in page and "ivo@example.org" not in page
    assert 'href="/clients' not in page  # no way into the record
    assert load_knowledge().intake["emergency_advice"][:40] in page  # shown by the page script when an answer points to it
    done = visitor.post(path, data=form(saddle_anaesthesia="yes"))
    assert "Please go to an emergency department now" in done.text
    therapist = make_client(site["url"])
    login(therapist, "ther@north.test")
    listing = therapist.get("/clients").text
    assert "Needs your attention" in listing and "EMERGENCY" in listing and "Ivo Intake" in listing
    client_page = therapist.get(f"/clients/{site['client_id']}").text
    assert "Pre-visit intake, sent by the client" in client_page and "Worse after gardening." in client_page


def test_bad_answers_are_named_and_nothing_is_spent(site):
    _, path = _link(site)
    visitor = make_client(site["url"])
    partial = form()
    partial.pop("screening.bowel_dysfunction")
    partial["pain_nrs"] = "12"
    answer = visitor.post(path, data=partial)
    assert answer.status_code == 422
    assert "Please answer every question in this part" in answer.text and "Choose a number from 0 to 10" in answer.text
    assert visitor.post(path, data=form()).status_code == 200  # the link still works


def test_a_burst_of_submissions_hits_the_rate_limit(site):
    visitor = make_client(site["url"], peer="203.0.113.9")
    statuses = [visitor.post("/intake/" + "B" * 43, data=form()).status_code for _ in range(12)]
    assert statuses[:10] == [404] * 10 and statuses[10:] == [429, 429]
    elsewhere = make_client(site["url"], peer="203.0.113.10")
    assert elsewhere.post("/intake/" + "B" * 43, data=form()).status_code == 404


def test_an_oversized_submission_is_refused_unread(site):
    _, path = _link(site)
    visitor = make_client(site["url"])
    answer = visitor.post(path, data={**form(), "notes": "x" * 70_000})
    assert answer.status_code == 413
    assert visitor.post(path, data=form()).status_code == 200


def test_the_answers_fill_the_next_visit_as_client_reported(site):
    _, path = _link(site)
    make_client(site["url"]).post(path, data=form())
    therapist = make_client(site["url"])
    login(therapist, "ther@north.test")
    client_page = therapist.get(f"/clients/{site['client_id']}").text
    start = re.search(r'href="(/clients/\d+/visits/new\?intake=\d+)"', client_page).group(1)
    visit_form = therapist.get(start).text
    carried = re.search(r'name="carried_unconfirmed" id="carried_unconfirmed" value="([^"]*)"', visit_form).group(1).split()
    assert set(carried) == {"screening", "history", "pain-map"}
    assert visit_form.count("Reported by the client before the visit") >= 3
    assert re.search(r'name="symptoms\.\w+" value="no"[^>]*checked', visit_form)  # the client's screening answers fill the form
    assert 'name="intake_id" value=' in visit_form


def test_the_link_goes_by_email_when_the_clinic_has_a_mail_server(site, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append((host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append("starttls")

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    therapist = make_client(site["url"], smtp_host="mail.example.org", smtp_user="desk", smtp_password="x", smtp_from="desk@example.org")
    csrf = login(therapist, "ther@north.test")
    page = therapist.post(f"/clients/{site['client_id']}/intake", data={"csrf_token": csrf, "instrument": ["nprs"], "days": "3",
                                                                        "send_email": "yes"})
    assert "Sent by e-mail to ivo@example.org" in page.text
    message = sent[-1]
    assert message["To"] == "ivo@example.org" and "/intake/" in message.get_content() and "emergency department" in message.get_content()
