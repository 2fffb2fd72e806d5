"""The client's details (sex, address, family doctor, emergency contact, occupation, medications,
allergies), discharged clients in lists, and the database upgrade that brings them, on SQLite and
PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, text

from backcare.clinical.vocabulary import vocabulary
from backcare.records import FieldErrors
from web_support import csrf_of, fresh_records, login, make_client, seed

DETAILS = {"sex": "female", "address": "4 Mill Lane, Portside", "occupation": "Nurse", "family_doctor": "Dr Amina Rahman",
           "family_doctor_contact": "Harbour Surgery, 1 Quay Road · 01632 960123", "emergency_contact": "Sam (partner) 07700 900456",
           "medications": "Naproxen 250 mg twice daily", "allergies": "Penicillin"}


@pytest.fixture
def clinic(database_url):
    records = fresh_records(database_url)
    return records, seed(records)


def test_details_are_kept_and_checked(clinic):
    records, people = clinic
    me = people["north"]
    client_id = records.create_client(me, {"name": "Dee Details", **DETAILS})
    client = records.get_client(me, client_id)
    assert {k: getattr(client, k) for k in DETAILS} == DETAILS
    with pytest.raises(FieldErrors) as bad:
        records.update_client(me, client_id, {"name": "Dee Details", "sex": "robot", "allergies": "x" * 1001})
    assert set(bad.value.errors) == {"sex", "allergies"}


def test_the_visit_form_starts_with_the_sex_recorded_in_the_details(clinic, database_url):
    records, people = clinic
    client_id = records.create_client(people["north"], {"name": "Dee Details", **DETAILS})
    browser = make_client(database_url)
    login(browser, "ther@north.test")
    form = browser.get(f"/clients/{client_id}/visits/new").text
    assert 'name="client.sex" value="female"  checked' in form or 'name="client.sex" value="female" checked' in form


def test_the_client_form_takes_every_detail(clinic, database_url):
    records, people = clinic
    browser = make_client(database_url)
    csrf = login(browser, "ther@north.test")
    response = browser.post("/clients/new", data={"name": "Fay Form", "csrf_token": csrf, **DETAILS}, follow_redirects=False)
    assert response.status_code == 303
    page = browser.get(response.headers["location"]).text
    for value in ("Dr Amina Rahman", "Harbour Surgery", "Penicillin", "Naproxen", "Nurse", "Sam (partner)"):
        assert value in page
    refused = browser.post("/clients/new", data={"name": "Fay Form", "csrf_token": csrf, "occupation": "x" * 201})
    assert refused.status_code == 422 and 'id="occupation-error"' in refused.text


def test_medical_history_asked_at_a_visit_reaches_the_client_record(clinic, database_url):
    """'Medical history: none of these' at three visits still left '13 not asked' (issue 18, item 5)."""
    records, people = clinic
    me = people["north"]
    client_id = records.create_client(me, {"name": "Mo Medical", "medical": {"osteoporosis": True}})
    none_of_these = {flag: False for flag in vocabulary().medical_history if flag != "osteoporosis"}
    records.create_visit(me, client_id, {"visit_date": date.today(), "case": {"medical": {**none_of_these, "osteoporosis": True}}})
    medical = records.get_client(me, client_id).medical
    assert medical == {**none_of_these, "osteoporosis": True}
    browser = make_client(database_url)
    login(browser, "ther@north.test")
    page = browser.get(f"/clients/{client_id}").text
    assert "not asked" not in page.split("Medical history</strong>")[1].split("</div>")[0]


def test_discharged_clients_are_marked_and_filtered(clinic, database_url):
    records, people = clinic
    me = people["north"]
    kept = records.create_client(me, {"name": "Ann In Care"})
    gone = records.create_client(me, {"name": "Bob Discharged"})
    for client_id in (kept, gone):
        records.create_visit(me, client_id, {"visit_date": date.today(), "case": {}})
    episode = records.episode_record(me, gone).episode
    records.close_episode(me, gone, episode.id, {"reason": "goals_met", "closed_on": date.today()})
    names = lambda status: [r.name for r in records.list_clients(me, status=status).rows]  # noqa: E731
    assert names("all") == ["Ann In Care", "Bob Discharged"]
    assert names("current") == ["Ann In Care"] and names("discharged") == ["Bob Discharged"]
    assert [r.name for r in records.list_clients(me, "bob", status="current").rows] == []
    browser = make_client(database_url)
    login(browser, "ther@north.test")
    listing = browser.get("/clients").text
    assert "discharged" in listing.split("Bob Discharged")[1].split("</li>")[0]
    assert "Bob Discharged" not in browser.get("/clients?status=current").text


def test_an_older_database_with_data_upgrades(database_url):
    """From the intake's migration (0005) to this one: the clinic gets its settings' defaults and a client
    whose only episode was closed is marked discharged."""
    from alembic import command
    from alembic.config import Config

    from backcare.storage import db

    config = Config()
    config.set_main_option("script_location", str(db.Path(db.__file__).with_name("migrations")))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    db.make_engine(database_url).dispose()
    command.upgrade(config, "0005")
    engine = create_engine(database_url)
    with engine.begin() as c:
        c.execute(text("INSERT INTO clinics (id, name, address, phone, email, website, timezone, created_at) "
                       "VALUES (1, 'Old Clinic', '', '', '', '', 'UTC', CURRENT_TIMESTAMP)"))
        c.execute(text("INSERT INTO users (id, clinic_id, email, name, role, password_hash, active, must_change_password, created_at) "
                       "VALUES (1, 1, 'a@old.test', 'Al', 'admin', 'x', true, false, CURRENT_TIMESTAMP)"))
        for cid, name in ((1, 'Closed Carl'), (2, 'Open Olga')):
            c.execute(text("INSERT INTO clients (id, clinic_id, name, name_norm, search_norm, medical, consent_given, "
                           "created_by, created_at, updated_at) VALUES (:id, 1, :n, :n, :n, '{}', false, 1, "
                           "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"id": cid, "n": name})
        c.execute(text("INSERT INTO episodes (id, clinic_id, client_id, started_on, closed_on, discharge_reason, discharge_note, "
                       "created_at) VALUES (1, 1, 1, '2026-01-05', '2026-02-01', 'goals_met', '', CURRENT_TIMESTAMP), "
                       "(2, 1, 2, '2026-01-05', NULL, '', '', CURRENT_TIMESTAMP)"))
    db.upgrade(database_url)
    with engine.connect() as c:
        assert c.execute(text("SELECT locale, idle_minutes FROM clinics")).one() == ("en_GB", 90)
        rows = dict(c.execute(text("SELECT name, discharged_on FROM clients ORDER BY id")).all())
    engine.dispose()
    assert str(rows["Closed Carl"])[:10] == "2026-02-01" and rows["Open Olga"] is None
