"""Between visits, without the web: the programme's rules, the check-in's screening (a property:
no emergency answer is ever missed), adherence, and the records on SQLite and PostgreSQL (the
link's rules as the intake's: forged, replaced, expired, revoked, after discharge)."""
from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select, update

from backcare.clinical.engine import self_care_choices
from backcare.clinical.knowledge.runtime import load_knowledge
from backcare.homecare import (CheckIn, ProgrammeError, ProgrammeItem, Version, between, days_per_week, item_from, revise,
                               rules, screen_check_in, stepped, weeks)
from backcare.homecare.rules import RULES_FILE, parse_rules
from backcare.records import CheckInSent, FieldErrors, HomeUnavailable
from backcare.storage.models import AuditEvent, HomeLink, HomeLinkKey
from web_support import a_visit_case, fresh_records, seed

KB = load_knowledge()
SCREENING = list(KB.intake["screening"])
EMERGENCY = [q for q, spec in KB.intake["screening"].items() if spec.get("emergency")]


def check_in(yes=(), **fields) -> dict:
    return {"screening": {q: q in yes for q in SCREENING}, "pain_nrs": 4, "exercise_days": 5, **fields}


def kb_item(item_id: str, **change) -> ProgrammeItem:
    spec = KB.self_care_items[item_id]
    return item_from({"id": item_id, "title": spec["title"], "instructions": spec["instructions"], **spec["dosage"]}).model_copy(update=change)


# --- the rules and the programme ----------------------------------------------------------------

def test_the_rules_load_and_refuse_what_they_cannot_use():
    import yaml

    data = yaml.safe_load(RULES_FILE.read_text())
    assert parse_rules(data) == rules()
    for broken, expected in ((lambda d: d["link"].update(sources=["nobody_2099"]), "not in the knowledge base"),
                             (lambda d: d["days_per_week"]["patterns"].append({"pattern": "(unclosed"}), "missing \\)"),
                             (lambda d: d["progression"]["up"][0].update(step=-1), "steps up add"),
                             (lambda d: d["reminders"].update(weekday=9), "less than or equal to 6")):
        copy = yaml.safe_load(RULES_FILE.read_text())
        broken(copy)
        with pytest.raises((ValidationError, Exception), match=expected):
            parse_rules(copy)


def test_every_item_of_the_knowledge_base_has_a_plan_of_days_a_week():
    for item_id, spec in KB.self_care_items.items():  # read at run time: new items are held to it too
        assert 1 <= days_per_week(spec["dosage"]["frequency"]) <= 7, item_id
    assert days_per_week("3 times a week") == 3 and days_per_week("twice daily") == 7 and days_per_week(None) == 7


dosages = st.fixed_dictionaries({"sets": st.none() | st.integers(1, 6), "reps": st.none() | st.integers(1, 30),
                                 "hold_seconds": st.none() | st.integers(1, 90)})


@settings(max_examples=200, deadline=None)
@given(dosages, st.sampled_from(["up", "down"]), st.integers(1, 30))
def test_a_step_changes_one_number_towards_its_bound_and_stops_there(dosage, direction, steps):
    item = ProgrammeItem(id="x", title="X", instructions="", days_per_week=7, **dosage)
    bounds = {r.field: r.bound for r in getattr(rules().progression, direction)}
    for _ in range(steps):
        moved = stepped(item, direction)
        if moved is None:  # every number it has is at its bound (or it has none)
            assert all(getattr(item, f) is None or (getattr(item, f) >= b if direction == "up" else getattr(item, f) <= b)
                       for f, b in bounds.items())
            break
        changed = [f for f in ("sets", "reps", "hold_seconds") if getattr(moved, f) != getattr(item, f)]
        assert len(changed) == 1 and moved.change == direction
        assert (getattr(moved, changed[0]) > getattr(item, changed[0])) == (direction == "up")
        item = moved


def test_the_next_visit_steps_swaps_stops_and_adds_only_what_the_findings_allow():
    case = {"symptoms": {"pain_nrs": 4, "pain_sites": ["low_back"]}, "special_tests": {}, "rom": {}}
    allowed = {c["id"]: c for c in self_care_choices(case, KB) if not (c["no_treatment"] or c["ruled_out_by"] or c["aggravates"])}
    current = [kb_item("glute_bridge"), kb_item("donkey_kick"), kb_item("core_strengthening")]
    swap_to = next(i for i in allowed if i not in {c.id for c in current} and KB.self_care_items[i]["dosage"]["sets"])
    revised = revise(current, {"glute_bridge": "up", "donkey_kick": f"swap:{swap_to}", "core_strengthening": "stop"}, [], allowed)
    assert [(i.id, i.change) for i in revised] == [("glute_bridge", "up"), (swap_to, "swapped")]
    assert revised[0].reps == current[0].reps + 2 and revised[1].replaces == "donkey_kick"
    with pytest.raises(ProgrammeError) as refused:
        revise(current, {"glute_bridge": "swap:not_an_item"}, ["also_unknown"], allowed)
    assert set(refused.value.errors) == {"change.glute_bridge", "add"}


# --- the check-in's screening ---------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({q: st.booleans() for q in SCREENING}))
def test_every_emergency_answer_is_an_emergency_with_the_advice(screening):
    result = screen_check_in(screening)
    if any(screening[q] for q in EMERGENCY):
        assert result["urgency"] == "emergency" and result["advice"] == KB.intake["emergency_advice"]
    if result["urgency"] == "urgent":
        assert result["advice"] == KB.intake["urgent_advice"]
    assert result["answered_yes"] == [q for q in SCREENING if screening[q]]


# --- adherence -------------------------------------------------------------------------------------

def test_adherence_counts_planned_against_done_and_the_next_visit_reads_it():
    monday = date(2026, 3, 2)
    programme = [kb_item("glute_bridge"), kb_item("stay_active")]  # daily, and advice (not ticked)
    versions = [Version(monday, programme)]
    ticks = [(monday + timedelta(days=d), "glute_bridge") for d in (0, 1, 2, 4, 5, 7, 8, 10, 12)]
    check_ins = [CheckIn(monday, monday + timedelta(days=6), {"pain_nrs": 4, "felt": {"glute_bridge": "same"}}, "none"),
                 CheckIn(monday + timedelta(days=7), monday + timedelta(days=13), {"pain_nrs": 3, "felt": {"glute_bridge": "easier"}}, "none")]
    by_week = weeks(versions, ticks, check_ins, monday + timedelta(days=13))
    assert [(w.planned, w.done, w.percent) for w in by_week] == [(7, 5, 71), (7, 4, 57)]
    summary = between(versions, ticks, check_ins, monday, monday + timedelta(days=13), pain_at_since=5)
    assert summary.text == "did 9 of 14 planned sessions; glute bridge felt easier; pain 5 → 3"
    midweek = weeks([Version(monday + timedelta(days=3), programme)], [], [], monday + timedelta(days=6))
    assert midweek[0].planned == 4  # started on Thursday: four days of the week


# --- the records ------------------------------------------------------------------------------------

@pytest.fixture
def clinic(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Hana Home", "email": "hana@example.org"})
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": date.today(), "case": a_visit_case()})
    return records, people, client_id, visit_id


def _unusable(records, token):
    with pytest.raises(HomeUnavailable):
        records.open_home(token)
    with pytest.raises(HomeUnavailable):
        records.send_check_in(token, check_in())


def test_the_link_keeps_the_intakes_rules_and_ends_at_discharge(clinic):
    records, people, client_id, _ = clinic
    me = people["north"]
    token, expires = records.create_home_link(me, client_id)
    assert len(token) >= 43 and expires - datetime.now(timezone.utc) > timedelta(weeks=rules().link.default_weeks, hours=-1)
    with records.sessions() as db:
        stored = db.scalar(select(HomeLinkKey.token_hash))
    assert token not in stored and len(stored) == 64
    assert records.open_home(token).first_name == "Hana"
    _unusable(records, "forged" + token[6:])  # forged
    _unusable(records, "x" * 500)  # not even the shape of a token
    newer, _ = records.create_home_link(me, client_id)  # one client, one live link: the first is spent
    _unusable(records, token)
    records.revoke_home_link(me, client_id, records.home_links(me, client_id)[0].id)  # revoked
    _unusable(records, newer)
    third, _ = records.create_home_link(me, client_id)
    with records.sessions.begin() as db:
        db.execute(update(HomeLink).where(HomeLink.ended_at.is_(None)).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    _unusable(records, third)  # expired
    fourth, _ = records.create_home_link(me, client_id)
    assert records.open_home(fourth).items
    episode = records.episode_record(me, client_id).episode
    records.close_episode(me, client_id, episode.id, {"reason": "goals_met", "closed_on": date.today()})
    _unusable(records, fourth)  # after discharge
    assert [v.state(datetime.now(timezone.utc)) for v in records.home_links(me, client_id)] == [
        "ended at discharge", "replaced", "revoked", "replaced"]
    with records.sessions() as db:
        refused = list(db.scalars(select(AuditEvent.detail).where(AuditEvent.action == "homecare.refused")))
    assert {d.split(": ")[-1] for d in refused} == {"replaced", "revoked", "expired", "discharged"}
    with pytest.raises(FieldErrors):
        records.create_home_link(me, client_id)  # no open episode: a new visit starts one


def test_a_week_takes_one_check_in_and_an_emergency_is_flagged_until_acknowledged(clinic):
    records, people, client_id, _ = clinic
    me = people["north"]
    token, _ = records.create_home_link(me, client_id)
    exercise = records.open_home(token).exercises[0].id
    check_in_id, screening = records.send_check_in(token, check_in(["saddle_anaesthesia"], felt={exercise: "hurt"}))
    assert screening["urgency"] == "emergency" and screening["advice"] == KB.intake["emergency_advice"]
    with pytest.raises(CheckInSent):
        records.send_check_in(token, check_in())  # spent for this week
    assert records.open_home(token).check_in_sent_on is not None
    assert [(f.client_id, f.urgency) for f in records.flagged_check_ins(me)] == [(client_id, "emergency")]
    assert records.flagged_check_ins(people["south"]) == []
    with pytest.raises(Exception):
        records.acknowledge_check_in(people["south"], check_in_id)  # another clinic's check-in is not there
    assert records.acknowledge_check_in(people["north_admin"], check_in_id) == client_id
    assert records.flagged_check_ins(me) == []
    seen = records.home_record(me, client_id).check_ins[0]
    assert seen.acknowledged_by == "Ann Admin" and seen.answers["felt"] == {exercise: "hurt"}


def test_bad_answers_name_the_field_and_save_nothing(clinic):
    records, people, client_id, _ = clinic
    token, _ = records.create_home_link(people["north"], client_id)
    partial = check_in(pain_nrs=11, felt={"not_in_the_programme": "easier"})
    partial["screening"].pop(SCREENING[0])
    with pytest.raises(FieldErrors) as refused:
        records.send_check_in(token, partial)
    assert {"screening", "pain_nrs"} <= set(refused.value.errors)
    with pytest.raises(FieldErrors, match="not asked about"):
        records.send_check_in(token, check_in(psfs_activity="juggling", psfs_rating=3))
    with pytest.raises(FieldErrors):
        records.send_check_in(token, check_in(pain_nrs="4"))  # strict: text is not a number
    assert records.home_record(people["north"], client_id).check_ins == []


def test_ticks_are_the_programmes_exercises_once_a_day_and_the_next_visit_changes_the_programme(clinic):
    records, people, client_id, visit_id = clinic
    me = people["north"]
    token, _ = records.create_home_link(me, client_id)
    page = records.open_home(token)
    first = page.exercises[0]
    assert records.tick_exercise(token, first.id).done_today == {first.id}
    assert records.tick_exercise(token, first.id).done_today == {first.id}  # twice is once
    assert records.tick_exercise(token, first.id, done=False).done_today == frozenset()
    with pytest.raises(FieldErrors):
        records.tick_exercise(token, page.advice[0].id if page.advice else "no_such_item")
    records.tick_exercise(token, first.id)
    choices = records.programme_choices(me, visit_id)
    swap_to = next(i for i, c in choices.items() if c["sets"] and i not in {x.id for x in page.items})
    second = page.exercises[1]
    records.revise_programme(me, visit_id, {first.id: "up", second.id: f"swap:{swap_to}"}, [])
    shown = {i.id: i for i in records.open_home(token).items}  # the same link shows the new programme
    assert shown[first.id].change == "up" and second.id not in shown and shown[swap_to].replaces == second.id
    record = records.home_record(me, client_id)
    assert len(record.programmes) == 2 and record.ticks == [(record.today, first.id)]


# --- no emergency answer lost, through the records ------------------------------------------------------

@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A migrated, seeded database with one client and visit, to copy for each example."""
    import sqlite3

    path = tmp_path_factory.mktemp("homecare") / "seeded.db"
    records = fresh_records(f"sqlite:///{path}")
    people = seed(records)
    client_ids = [records.create_client(people["north"], {"name": f"Client {n}"}) for n in range(4)]
    for client_id in client_ids:
        records.create_visit(people["north"], client_id, {"visit_date": date.today(), "case": a_visit_case()})
    for sessions in (records.sessions, records.read_sessions):
        sessions.kw["bind"].dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path, people, client_ids


answers = st.fixed_dictionaries({
    "screening": st.fixed_dictionaries({q: st.booleans() for q in SCREENING}),
    "pain_nrs": st.integers(0, 10), "exercise_days": st.integers(0, 7),
    "notes": st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), answers), min_size=1, max_size=8))
def test_no_emergency_answer_is_ever_missed(template, tmp_path_factory, sent):
    """Check-ins from several clients over several weeks: every one with an emergency answer is kept,
    flagged and advised; the flagged list holds exactly those not yet acknowledged (0 missed)."""
    path, people, client_ids = template
    copy = tmp_path_factory.mktemp("missed") / "copy.db"
    shutil.copy(path, copy)
    records = fresh_records(f"sqlite:///{copy}")
    me = people["north"]
    tokens = {cid: records.create_home_link(me, cid, now=datetime.now(timezone.utc) - timedelta(weeks=6))[0] for cid in client_ids}
    expected = {}
    for who, weeks_ago, raw in sent:
        client_id = client_ids[who]
        when = datetime.now(timezone.utc) - timedelta(weeks=weeks_ago)
        try:
            check_in_id, screening = records.send_check_in(tokens[client_id], raw, now=when)
        except CheckInSent:
            continue  # that client's week was taken by an earlier example check-in
        emergency = any(raw["screening"][q] for q in EMERGENCY)
        if emergency:
            assert screening["urgency"] == "emergency" and screening["advice"] == KB.intake["emergency_advice"]
        if screening["urgency"] in ("emergency", "urgent"):
            expected[check_in_id] = screening["urgency"]
    flagged = {f.check_in_id: f.urgency for f in records.flagged_check_ins(me)}
    assert flagged == expected
    kept = {c.id: c.urgency for cid in client_ids for c in records.home_record(me, cid).check_ins}
    assert all(kept[i] == u for i, u in expected.items())
    for sessions in (records.sessions, records.read_sessions):
        sessions.kw["bind"].dispose()



def test_a_database_with_records_upgrades_to_the_home_programme(database_url):
    """A clinic database from before the home programme (revision 0007) keeps its records and gains it.

    The rows are written as that revision's schema stands (today's models have columns added since)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import MetaData, create_engine, insert

    from backcare.clinical.api import assess_data
    from backcare.clinical.caseio import parse_case
    from backcare.records import Actor
    from backcare.records.users import hash_password
    from backcare.storage import db as storage

    config = Config()
    config.set_main_option("script_location", str(Path(storage.__file__).with_name("migrations")))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "0007")
    engine = create_engine(database_url)
    old = MetaData()
    old.reflect(engine)
    now = datetime.now(timezone.utc)
    case = parse_case(a_visit_case()).findings()
    assessment = assess_data(case)
    with engine.begin() as conn:
        conn.execute(insert(old.tables["clinics"]).values(id=1, name="Old", address="", phone="", email="", website="",
                                                          timezone="UTC", consent_pack="", locale="en_GB", idle_minutes=90,
                                                          created_at=now))
        conn.execute(insert(old.tables["users"]).values(id=1, clinic_id=1, email="old@clinic.test", name="Olga Old", role="admin",
                                                        password_hash=hash_password("x" * 12), active=True,
                                                        must_change_password=False, created_at=now))
        conn.execute(insert(old.tables["clients"]).values(id=1, clinic_id=1, name="Olga Older", name_norm="olga older",
                                                          search_norm="olga older", medical={}, consent_given=True,
                                                          created_by=1, created_at=now, updated_at=now))
        conn.execute(insert(old.tables["episodes"]).values(id=1, clinic_id=1, client_id=1, started_on=date.today(),
                                                           discharge_reason="", discharge_note="", created_at=now))
        conn.execute(insert(old.tables["visits"]).values(
            id=1, clinic_id=1, client_id=1, episode_id=1, therapist_id=1, visit_date=date.today(), case=case,
            assessment=assessment, kb_version=assessment["knowledge_base"]["version"], pain_nrs=5, referral="none",
            lead_condition="x", treatment_given="", soap_subjective="", soap_objective="", soap_assessment="", soap_plan="",
            created_at=now))
    engine.dispose()
    records = fresh_records(database_url)  # upgrades to the head
    me = Actor(1, 1, "admin", "Olga Old")
    token, _ = records.create_home_link(me, 1)
    assert records.open_home(token).first_name == "Olga" and records.get_client(me, 1).name == "Olga Older"
    for sessions in (records.sessions, records.read_sessions):
        sessions.kw["bind"].dispose()
