"""The audit log cannot be edited without trace: a hash chain per clinic, checked by `backcare audit verify`."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import select, text

from backcare.storage.models import AuditEvent
from web_support import fresh_records, login, make_client, seed


@pytest.fixture
def clinic(database_url):
    records = fresh_records(database_url)
    people = seed(records)
    for n in range(3):
        client_id = records.create_client(people["north"], {"name": f"Client {n}"})
        records.get_client(people["north"], client_id)
    return database_url, records, people


def _events(records, clinic_id):
    with records.read_sessions() as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.clinic_id == clinic_id).order_by(AuditEvent.seq)))


def _verify(url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backcare", "audit", "verify"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "BACKCARE_DATABASE_URL": url})


def test_every_event_names_the_one_before_and_the_chains_verify(clinic):
    url, records, people = clinic
    north = _events(records, people["north"].clinic_id)
    assert [e.seq for e in north] == list(range(1, len(north) + 1))
    assert all(e.prev_hash == before.hash for before, e in zip(north, north[1:]))
    done = _verify(url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("chain intact") == 2
    assert _events(records, people["north"].clinic_id)[-1].action == "audit.verify"  # the check is in the log too


@pytest.mark.parametrize("tamper, named", [
    ("UPDATE audit_events SET detail = 'nothing to see' WHERE clinic_id = :c AND seq = 3", "event #3 .* was changed"),
    ("UPDATE audit_events SET user_id = NULL WHERE clinic_id = :c AND seq = 4", "event #4 .* was changed"),
    ("DELETE FROM audit_events WHERE clinic_id = :c AND seq = 2", "event #2 is missing"),
    ("DELETE FROM audit_events WHERE clinic_id = :c AND seq = (SELECT max(seq) FROM audit_events WHERE clinic_id = :c)",
     "removed from the end"),
])
def test_an_edited_or_removed_event_is_named_as_the_first_broken_link(clinic, tamper, named):
    url, records, people = clinic
    clinic_id = people["north"].clinic_id
    with records.sessions.begin() as db:
        db.execute(text(tamper), {"c": clinic_id})
    done = _verify(url)
    assert done.returncode == 1
    import re

    north = next(line for line in done.stdout.splitlines() if line.startswith(f"clinic {clinic_id} "))
    assert "BROKEN" in north and re.search(named, north), north
    assert "chain intact" in next(line for line in done.stdout.splitlines() if line.startswith(f"clinic {people['south'].clinic_id} "))


def test_concurrent_writers_keep_one_unbroken_chain(clinic):
    url, records, people = clinic

    def work(actor):
        for n in range(15):
            records.get_client(actor, records.create_client(actor, {"name": f"Busy {n}"}))

    threads = [threading.Thread(target=work, args=(people[who],)) for who in ("north", "north_admin", "north", "south")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reports = records.verify_audit()
    assert all(r.broken is None for r in reports)
    assert reports[0].events >= 4 * 15


def test_reading_the_audit_log_is_audited(clinic):
    url, records, people = clinic
    admin = make_client(url)
    login(admin, "admin@north.test")
    assert admin.get("/admin/audit").status_code == 200
    last = _events(records, people["north"].clinic_id)[-1]
    assert last.action == "audit.read" and last.user_id == people["north_admin"].user_id


def test_the_treatment_session_consents_and_home_programme_join_the_chain_and_lists_are_one_event_each(clinic):
    """Every write and read of the tables that came with the treatment session, the client's details and the home
    programme (the client's own steps too, with no user) is an event of the same chain; a list names its clients in
    one event, and the audit page's client filter finds that event."""
    from datetime import date

    from backcare.records import AuditFilter
    from web_support import a_visit_case, home_programme

    url, records, people = clinic
    me, admin = people["north"], people["north_admin"]
    clinic_id = me.clinic_id
    seen = len(_events(records, clinic_id))
    ids = [records.create_client(me, {"name": f"Treated {n}", "occupation": "Nurse", "allergies": "Penicillin"}) for n in range(2)]
    visits = [records.create_visit(me, c, {"visit_date": date.today(), "case": a_visit_case()}) for c in ids]
    records.record_consent(me, ids[0], visits[0], {"scope": "treatment", "methods": ["verbal"], "techniques": ["swedish"],
                                                   "elements": ["nature", "benefits", "risks", "alternatives", "no_treatment",
                                                                "right_to_stop"]})
    records.record_as_planned(me, visits[0])
    records.treatment_view(me, visits[0])
    home_programme(records, me, ids[0], visits[0], emergency=True)
    records.flagged_check_ins(me)
    before_list = len(_events(records, clinic_id))
    assert {v.client_id for v in records.day_visits(me, date.today())} == set(ids)
    [listed] = _events(records, clinic_id)[before_list:]
    assert (listed.action, listed.client_id, sorted(listed.clients)) == ("client.list", None, sorted(ids))

    events = _events(records, clinic_id)[seen:]
    actions = {e.action for e in events}
    assert {"consent.record", "treatment.save", "treatment.read", "homecare.programme", "homecare.link_create", "homecare.open",
            "homecare.tick", "homecare.check_in"} <= actions, actions
    client_steps = [e for e in events if e.action in ("homecare.open", "homecare.tick", "homecare.check_in")]
    assert client_steps and all(e.user_id is None for e in client_steps)  # the client's own steps: no user signed in
    flagged = [e for e in events if e.action == "client.list" and "check-in alert" in e.detail]
    assert flagged and all(e.client_id is None and e.clients == [ids[0]] for e in flagged)
    assert all(r.broken is None for r in records.verify_audit())
    # "Who saw this client?": the filtered log shows the list that named them, not only events about them alone.
    page = records.audit_log(admin, where=AuditFilter(client_ids=(ids[1],)))
    assert listed.id in {e.id for e in page.events}
    assert all(e.client_id == ids[1] or ids[1] in (e.clients or []) for e in page.events)


def test_a_transactions_events_join_the_chain_only_as_it_commits(clinic):
    """The chain's head is taken last: a save still at work does not hold up another save of the same clinic (on
    PostgreSQL, where writers run side by side), and events of a savepoint rolled back are not chained."""
    from backcare.records.chain import append_event

    url, records, people = clinic
    clinic_id, before = people["north"].clinic_id, len(_events(records, people["north"].clinic_id))
    with records.sessions.begin() as slow:
        append_event(slow, clinic_id, None, "test.slow")
        if slow.get_bind().dialect.name == "postgresql":  # another save commits meanwhile, without waiting for `slow`
            quick = threading.Thread(target=records.record_event, args=(people["north"], "test.quick"))
            quick.start()
            quick.join(timeout=10)
            assert not quick.is_alive(), "a save waited for the chain's head held by a transaction still at work"
        savepoint = slow.begin_nested()
        append_event(slow, clinic_id, None, "test.undone")
        savepoint.rollback()
        append_event(slow, clinic_id, None, "test.kept")
    with records.sessions() as reused:  # a session rolled back and used again: the undone events stay undone
        append_event(reused, clinic_id, None, "test.rolled_back")
        reused.rollback()
        append_event(reused, clinic_id, None, "test.after")
        reused.commit()
    actions = [e.action for e in _events(records, clinic_id)[before:]]
    assert actions == (["test.quick"] if url.startswith("postgresql") else []) + ["test.slow", "test.kept", "test.after"]
    assert all(r.broken is None for r in records.verify_audit())
