"""Helpers for storage and web tests: a fresh migrated database per test, logins."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from fastapi.testclient import TestClient

from backcare.clinical.knowledge.runtime import load_knowledge
from backcare.records import Actor, FieldErrors, Records
from backcare.storage.db import make_engine, make_sessionmaker, upgrade
from backcare.web.app import create_app
from backcare.web.settings import Settings

PASSWORD = "correct horse battery"


def fresh_records(url: str) -> Records:
    upgrade(url)
    engine = make_engine(url)
    return Records(make_sessionmaker(engine), make_sessionmaker(engine, read_only=True))


def seed(records: Records) -> dict[str, Actor]:
    """Two clinics, each with an admin and a therapist, and one client in the first."""
    a_admin = records.create_clinic_with_admin("North Clinic", "admin@north.test", "Ann Admin", PASSWORD)
    a_ther = records.add_user(a_admin, "ther@north.test", "Tom Therapist", PASSWORD, "therapist")
    b_admin = records.create_clinic_with_admin("South Clinic", "admin@south.test", "Bea Admin", PASSWORD)
    b_ther = records.add_user(b_admin, "ther@south.test", "Sid Therapist", PASSWORD, "therapist")
    return {"north_admin": a_admin, "north": Actor(a_ther, a_admin.clinic_id, "therapist", "Tom Therapist"),
            "south_admin": b_admin, "south": Actor(b_ther, b_admin.clinic_id, "therapist", "Sid Therapist")}


def a_visit_case() -> dict:
    return {"client": {"age": 40}, "symptoms": {"pain_nrs": 5, "pain_sites": ["low_back"], "saddle_anaesthesia": False,
                                                 "bladder_dysfunction": False, "bowel_dysfunction": False,
                                                 "progressive_weakness": False}}


def intake_answers(**screening_yes) -> dict:
    """A client's intake as the form sends it, with a yes to the screening questions named."""
    from backcare.clinical.knowledge.runtime import load_knowledge

    return {"consent": True, "screening": {q: q in screening_yes for q in load_knowledge().intake["screening"]},
            "pain_nrs": 6, "pain_weeks": 3, "pain_sites": ["low_back", "buttock_left"], "medical": {"cancer_history": False},
            "questionnaires": {"nprs": {"pain": 6}}}


def make_client(url: str, peer: str = "testclient", app=None, **settings) -> TestClient:
    """A browser-like client of an app on the database (a fresh one unless given; a fresh app
    is like another worker); `peer` is the address it connects from."""
    app = app or create_app(Settings(database_url=url, secure_cookies=False, **settings))
    return TestClient(app, base_url="http://127.0.0.1", client=(peer, 50000), raise_server_exceptions=False)


def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token, "next": "/clients"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/clients").text)


def csrf_of(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', html).group(1)


TODAY = date.today().isoformat()


def home_programme(records, me, client_id, visit_id, emergency: bool) -> None:
    """A programme from the visit, three weeks of ticks, a check-in with the PSFS activity, and one (perhaps) an emergency."""
    now = datetime.now(timezone.utc)
    records.start_programme(me, visit_id, now=now - timedelta(days=19))
    activity = (records.psfs_activities(me, client_id) or [None])[0]
    token, _ = records.create_home_link(me, client_id, psfs_activity=activity, now=now - timedelta(days=19))
    exercises = records.open_home(token, now=now).exercises
    if not exercises:
        raise FieldErrors({"programme": "advice only: nothing to tick"})
    exercise = exercises[0].id
    for days in (18, 17, 10):
        records.tick_exercise(token, exercise, now=now - timedelta(days=days))
    screening = {q: False for q in load_knowledge().intake["screening"]}
    records.send_check_in(token, {"screening": screening, "pain_nrs": 5, "exercise_days": 4, "felt": {exercise: "easier"},
                                  **({"psfs_activity": activity, "psfs_rating": 6} if activity else {}), "notes": "Better mornings."},
                          now=now - timedelta(days=14))
    records.send_check_in(token, {"screening": {**screening, "bladder_dysfunction": emergency}, "pain_nrs": 3, "exercise_days": 2},
                          now=now)
