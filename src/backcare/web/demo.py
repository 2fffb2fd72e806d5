"""Demo data for `backcare serve --demo`: a clinic, two accounts and sample clients."""
from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import yaml
from sqlalchemy import select

from ..records import Actor, Records, hash_password
from ..storage.models import User

EXAMPLES = Path(__file__).resolve().parents[1] / "clinical" / "examples"
ADMIN_EMAIL, THERAPIST_EMAIL = "admin@demo.backcare", "therapist@demo.backcare"

# (name, date of birth, medical flags, [(days ago, example file or inline case)])
_CLIENTS = [
    ("Alex Moreno", date(1990, 3, 14), {"anticoagulants": False}, [(9, "acute-s1-herniation.yaml")]),
    ("Priya Shah", date(1997, 7, 2), {}, [(21, "desk-strain.yaml"), (7, {"symptoms": {"pain_nrs": 3, "pain_sites": ["low_back_right"],
                                                                     "saddle_anaesthesia": False, "bladder_dysfunction": False,
                                                                     "bowel_dysfunction": False, "progressive_weakness": False}})]),
    ("Dana Okafor", date(1979, 11, 23), {}, [(1, "cauda-equina-warning.yaml")]),
]

# The demo clients' details (letters to the family doctor are addressed by name).
_DETAILS = {
    "Alex Moreno": {"sex": "male", "occupation": "Warehouse worker", "family_doctor": "Dr Hannah Price",
                    "family_doctor_contact": "Quayside Medical Practice, 3 Dock Road, Portside · 01632 960100"},
    "Priya Shah": {"sex": "female", "occupation": "Software developer"},
    "Dana Okafor": {"sex": "female", "occupation": "Teacher", "family_doctor": "Dr Samuel Ade",
                    "family_doctor_contact": "Hillview Surgery, 12 Hill Street, Portside · 01632 960200",
                    "emergency_contact": "Chris Okafor (husband) 07700 900321", "allergies": "Penicillin"},
}

_SCREENED = {"saddle_anaesthesia": False, "bladder_dysfunction": False, "bowel_dysfunction": False, "progressive_weakness": False}


def _persistent(pain: int, days: int) -> dict:
    return {"client": {"age": 57, "sex": "female"}, "history": {"onset": "gradual", "duration_days": days,
                                                              "aggravating": ["sitting", "bending_forward"]},
            "symptoms": {"pain_nrs": pain, "pain_sites": ["low_back", "buttock_left"], **_SCREENED},
            "palpation": {"hypertonic": ["erector_spinae", "quadratus_lumborum"]}}


# A client followed over eight weeks who is not improving as most people do: the progress page's example.
# (days ago, case, [(questionnaire, answers)])
_EPISODE = ("Jordan Ellis", date(1968, 5, 9), {"cancer_history": False, "osteoporosis": False}, [
    (56, _persistent(7, 120), [
        ("start_back", {"leg_pain": 1, "shoulder_neck": 1, "short_walks": 0, "dresses_slowly": 1, "not_safe_active": 1,
                        "worrying_thoughts": 1, "never_better": 1, "not_enjoying": 0, "bothersome": 3}),
        ("odi", {"pain_intensity": 3, "personal_care": 1, "lifting": 3, "walking": 2, "sitting": 3, "standing": 2,
                 "sleeping": 2, "social_life": 2, "travelling": 2})]),
    (42, _persistent(7, 134), []),
    (28, _persistent(6, 148), [("odi", {"pain_intensity": 3, "personal_care": 1, "lifting": 3, "walking": 2, "sitting": 3,
                                        "standing": 2, "sleeping": 1, "social_life": 2, "travelling": 2})]),
    (10, _persistent(6, 166), [("odi", {"pain_intensity": 2, "personal_care": 1, "lifting": 3, "walking": 2, "sitting": 2,
                                        "standing": 2, "sleeping": 1, "social_life": 2, "travelling": 2})]),
])


def _case(source) -> dict:
    if isinstance(source, dict):
        return source
    data = yaml.safe_load((EXAMPLES / source).read_text())
    data.pop("id", None)
    return data


def _treated_sciatica(records: Records, therapist: Actor, client_id: int, visits: list[int]) -> None:
    """Alex's sciatica visit as treated: consent to treatment, written consent to the gluteal work signed on the
    tablet, the plan as given, the response, and the note signed."""
    visit_id = visits[0]
    plan = records.get_visit(therapist, visit_id).assessment["plan"]
    techniques = [t["technique"] for t in plan["techniques"]]
    records.record_consent(therapist, client_id, visit_id, {
        "scope": "treatment", "methods": ["verbal"], "techniques": techniques,
        "elements": ["nature", "benefits", "risks", "alternatives", "no_treatment", "right_to_stop"]})
    needed = [s.requirement.area for s in records_visit_areas(records, therapist, visit_id)]
    records.record_consent(therapist, client_id, visit_id, {"scope": "areas", "areas": needed, "methods": ["tablet"],
                                                            "signed_name": "Alex Moreno", "techniques": techniques})
    records.record_as_planned(therapist, visit_id)
    record = records.treatment_view(therapist, visit_id).record.model_dump()
    record["response"] |= {"pain_after": 5, "client_words": "The leg feels less tight; sitting is still sore."}
    record["response"]["retest"] |= {"before": "35", "after": "50"}
    records.save_treatment(therapist, visit_id, record)
    records.sign(therapist, visit_id)
    # Today's follow-up, not yet treated: the visit page asks for today's consent to the gluteal work.
    follow_up = _case("acute-s1-herniation.yaml")
    follow_up["symptoms"]["pain_nrs"], follow_up["history"]["duration_days"] = 5, 14
    records.create_visit(therapist, client_id, {"visit_date": date.today(), "case": follow_up, "treatment_given": ""})


def records_visit_areas(records: Records, actor: Actor, visit_id: int) -> list:
    from ..treatment import visit_status

    visit = records.get_visit(actor, visit_id)
    return visit_status(visit.assessment["plan"], None, [], records.consent_pack(actor))


def records_screening() -> list[str]:
    from ..clinical.knowledge.runtime import load_knowledge

    return list(load_knowledge().intake["screening"])


_AT_HOME = "Priya Shah"  # follows a home programme: three weeks of ticks and check-ins, changed at her second visit
# Days ago an exercise was ticked, by turns for the programme's exercises: most days, fewer in the middle week.
_TICKED = [range(1, 21), [d for d in range(1, 21) if d % 3], [d for d in range(1, 21) if d % 2 == 0 and d not in (10, 12)]]
# (days ago, pain now, exercise days, how the first exercise felt, PSFS rating)
_CHECK_INS = [(15, 5, 6, "same", 4), (8, 4, 4, "harder", 5), (1, 2, 6, "easier", 7)]


def _home_programme(records: Records, therapist: Actor, client_id: int, visit_ids: list[int]) -> None:
    """A programme from the first visit's handout, stepped up and swapped at the second, three weeks of use."""
    now = datetime.combine(date.today(), time(18), timezone.utc)
    first_day = now - timedelta(days=21)
    records.record_questionnaire(therapist, client_id, "psfs", {
        "a1": {"activity": "sitting through a work day", "rating": 4}, "a2": {"activity": "lifting my toddler", "rating": 5},
        "a3": {"activity": "running for the bus", "rating": 3}}, visit_id=visit_ids[0])
    records.start_programme(therapist, visit_ids[0], now=first_day)
    token, _ = records.create_home_link(therapist, client_id, psfs_activity="sitting through a work day", now=first_day)
    exercises = [i.id for i in records.open_home(token, now=first_day).exercises]
    for n, item in enumerate(exercises):
        for days_ago in _TICKED[n % len(_TICKED)]:
            records.tick_exercise(token, item, now=now - timedelta(days=days_ago))
    screened = {q: False for q in records_screening()}
    for days_ago, pain, days, felt, psfs in _CHECK_INS:
        when = now - timedelta(days=days_ago)
        if days_ago < 7 and len(exercises) > 1:
            # The second visit: the first exercise felt harder, so the therapist eased it and swapped the second.
            choices = records.programme_choices(therapist, visit_ids[-1])
            swap = next((c for c, item in choices.items() if c not in exercises and (item["sets"] or item["reps"])), None)
            records.revise_programme(therapist, visit_ids[-1], {exercises[0]: "down", **({exercises[1]: f"swap:{swap}"} if swap else {})},
                                     [], now=now - timedelta(days=7))
        records.send_check_in(token, {"screening": screened, "pain_nrs": pain, "exercise_days": days,
                                      "felt": {exercises[0]: felt} if exercises else {}, "psfs_activity": "sitting through a work day",
                                      "psfs_rating": psfs, "notes": "Long meetings are the worst." if days_ago == 8 else ""}, now=when)


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
    made: dict[str, tuple[int, list[int]]] = {}
    for name, born, medical, visits in _CLIENTS:
        client_id = records.create_client(therapist, {"name": name, "date_of_birth": born, "medical": medical,
                                                      "consent_given": True, "consent_date": date.today() - timedelta(days=30),
                                                      **_DETAILS.get(name, {})})
        made[name] = (client_id, [records.create_visit(therapist, client_id, {
            "visit_date": date.today() - timedelta(days=days_ago), "case": _case(source), "treatment_given": ""})
            for days_ago, source in visits])
        if name == _AT_HOME:
            _home_programme(records, therapist, client_id, made[name][1])
    _treated_sciatica(records, therapist, *made["Alex Moreno"])
    name, born, medical, visits = _EPISODE
    client_id = records.create_client(therapist, {"name": name, "date_of_birth": born, "medical": medical,
                                                  "consent_given": True, "consent_date": date.today() - timedelta(days=60)})
    for days_ago, case, questionnaires in visits:
        visit_id = records.create_visit(therapist, client_id, {"visit_date": date.today() - timedelta(days=days_ago),
                                                               "case": case, "treatment_given": ""})
        for instrument, answers in questionnaires:
            records.record_questionnaire(therapist, client_id, instrument, answers, visit_id=visit_id)
    # A new client who filled in the pre-visit intake on their phone: the client page offers to start from it.
    newcomer = records.create_client(therapist, {"name": "Noor Haddad", "date_of_birth": date(1985, 2, 17),
                                                 "email": "noor@example.org"})
    token, _expires = records.create_intake_link(therapist, newcomer, ["nprs", "odi", "start_back"])
    records.submit_intake(token, {
        "consent": True, "screening": {q: False for q in records_screening()}, "pain_nrs": 6, "pain_weeks": 3,
        "pain_sites": ["low_back", "buttock_right"], "paresthesia_sites": [], "numbness_sites": [],
        "medical": {"cancer_history": False, "osteoporosis": False, "anticoagulants": False},
        "questionnaires": {"nprs": {"pain": 6}, "odi": {"pain_intensity": 3, "personal_care": 1, "lifting": 3, "walking": 1,
                                                        "sitting": 3, "standing": 2, "sleeping": 2, "social_life": 2,
                                                        "travelling": 2},
                           "start_back": {"leg_pain": 0, "shoulder_neck": 0, "short_walks": 0, "dresses_slowly": 1,
                                          "not_safe_active": 0, "worrying_thoughts": 1, "never_better": 0, "not_enjoying": 0,
                                          "bothersome": 2}},
        "notes": "Worse after long drives."})
    records.update_clinic(admin, {"name": "Demo Clinic", "address": "12 Harbour Street, Portside", "phone": "+44 20 7946 0000",
                                  "email": "desk@demo-clinic.org", "timezone": "Europe/London"})
    return passwords
