"""Demo data for `backcare serve --demo`: a clinic, two accounts and sample clients."""
from __future__ import annotations

import secrets
from datetime import date, timedelta
from pathlib import Path

import yaml
from sqlalchemy import select

from .records import Actor, Records, hash_password
from .storage.models import User

EXAMPLES = Path(__file__).resolve().parent / "examples"
ADMIN_EMAIL, THERAPIST_EMAIL = "admin@demo.backcare", "therapist@demo.backcare"

# (name, date of birth, medical flags, [(days ago, example file or inline case)])
_CLIENTS = [
    ("Alex Moreno", date(1990, 3, 14), {"anticoagulants": False}, [(9, "acute-s1-herniation.yaml")]),
    ("Priya Shah", date(1997, 7, 2), {}, [(21, "desk-strain.yaml"), (7, {"symptoms": {"pain_nrs": 2, "pain_sites": ["low_back_right"],
                                                                     "saddle_anaesthesia": False, "bladder_dysfunction": False,
                                                                     "bowel_dysfunction": False, "progressive_weakness": False}})]),
    ("Dana Okafor", date(1979, 11, 23), {}, [(1, "cauda-equina-warning.yaml")]),
]


def _case(source) -> dict:
    if isinstance(source, dict):
        return source
    data = yaml.safe_load((EXAMPLES / source).read_text())
    data.pop("id", None)
    return data


def create_demo(records: Records) -> dict[str, str]:
    """Create the demo clinic (or reset its passwords); return the credentials to print."""
    passwords = {ADMIN_EMAIL: secrets.token_urlsafe(9), THERAPIST_EMAIL: secrets.token_urlsafe(9)}
    with records.sessions.begin() as db:
        existing = {u.email: u for u in db.scalars(select(User).where(User.email.in_(list(passwords))))}
        if existing:
            for email, user in existing.items():
                user.password_hash = hash_password(passwords[email])
            return passwords
    admin = records.create_clinic_with_admin("Demo Clinic", ADMIN_EMAIL, "Morgan Lee", passwords[ADMIN_EMAIL])
    therapist_id = records.add_user(admin, THERAPIST_EMAIL, "Sam Rivera", passwords[THERAPIST_EMAIL], "therapist")
    therapist = Actor(therapist_id, admin.clinic_id, "therapist", "Sam Rivera")
    for name, born, medical, visits in _CLIENTS:
        client_id = records.create_client(therapist, {"name": name, "date_of_birth": born, "medical": medical,
                                                      "consent_given": True, "consent_date": date.today() - timedelta(days=30)})
        for days_ago, source in visits:
            records.create_visit(therapist, client_id, {"visit_date": date.today() - timedelta(days=days_ago),
                                                        "case": _case(source), "treatment_given": ""})
    return passwords
