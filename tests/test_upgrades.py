"""Upgrades never strand a clinic: a populated database of any earlier revision, on SQLite and
PostgreSQL, upgrades to today's schema keeping every row and every value, and goes back down."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from backcare.storage.db import _alembic_config, downgrade, upgrade
from web_support import fresh_records
from migration_support import fill, kept, load_release, snapshot


def earlier_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config("sqlite://"))
    head = script.get_current_head()
    return sorted(r.revision for r in script.walk_revisions() if r.revision != head)


def _references_and_pages_sound(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()


@pytest.mark.parametrize("revision", earlier_revisions())
def test_a_populated_database_upgrades_from_every_earlier_revision_keeping_every_row(database_url, revision):
    upgrade(database_url, revision)
    fill(database_url)
    before = snapshot(database_url)
    upgrade(database_url)
    after = snapshot(database_url)
    assert kept(before, after) == []
    assert {t: len(rows) for t, rows in before.items()} == {t: len(after[t]) for t in before}
    _references_and_pages_sound(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        # The data migrations filled what they add: every visit in an episode, every client searchable.
        if revision < "0004":
            assert connection.execute(text("SELECT count(*) FROM visits WHERE episode_id IS NULL")).scalar() == 0
        if revision < "0007":  # a client whose episodes are all closed is marked discharged
            assert connection.execute(text(
                "SELECT count(*) FROM clients c WHERE c.discharged_on IS NULL AND EXISTS (SELECT 1 FROM episodes e "
                "WHERE e.client_id = c.id) AND NOT EXISTS (SELECT 1 FROM episodes e WHERE e.client_id = c.id "
                "AND e.closed_on IS NULL)")).scalar() == 0
        # Every client has its own identifier (0009), kept apart within its clinic.
        assert connection.execute(text("SELECT count(*) FROM clients WHERE identifier = ''")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM clients WHERE name_norm = ''")).scalar() == 0
    engine.dispose()
    # The events written before the audit chain existed (before 0009) are chained, in order, and verify; from 0009
    # on, fill() writes rows as raw SQL beside the chain, which no migration is there to chain.
    if revision >= "0009":
        return
    assert [(r.events, r.broken) for r in fresh_records(database_url).verify_audit() if r.events] == [
        (sum(1 for e in before["audit_events"].values() if e["clinic_id"] == r_id), None)
        for r_id in sorted({e["clinic_id"] for e in before["audit_events"].values()})]


def test_a_populated_database_goes_back_down_to_the_release_before_outcomes(database_url):
    upgrade(database_url)
    fill(database_url)
    before = snapshot(database_url)
    # One step down, to before the records law (0008): the treatment session, the client's details and settings and the
    # home programme keep every row; only what 0009 added goes.
    downgrade(database_url, "0008")
    at_0008 = snapshot(database_url)
    assert kept(at_0008, before) == []
    assert {"treatment_records", "treatment_consents", "home_programmes", "home_links", "exercise_ticks", "check_ins"} <= set(at_0008)
    assert all(len(at_0008[t]) == len(before[t]) for t in at_0008)
    assert not {"record_requests", "record_corrections", "destroyed_records", "breaches", "audit_heads"} & set(at_0008)
    _references_and_pages_sound(database_url)
    downgrade(database_url, "0003")
    after = snapshot(database_url)
    assert kept(after, before) == []  # every row and value still there is as it was
    assert all(len(after[t]) == len(before[t]) for t in after)
    _references_and_pages_sound(database_url)
    upgrade(database_url)  # and up again
    _references_and_pages_sound(database_url)


def test_the_release_before_outcomes_upgrades_and_serves_every_record(database_url, tmp_path):
    """The database that release wrote (not one built here), upgraded by today's code: every row kept, every page served."""
    from backcare.records import hash_password
    from web_support import PASSWORD, login, make_client

    load_release(database_url, tmp_path)
    before = snapshot(database_url)
    upgrade(database_url)
    assert kept(before, snapshot(database_url)) == []
    _references_and_pages_sound(database_url)
    assert all(r.broken is None for r in fresh_records(database_url).verify_audit())
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET password_hash = :h"), {"h": hash_password(PASSWORD)})
        therapist = connection.execute(text("SELECT email FROM users WHERE role = 'therapist'")).scalar()
        admin = connection.execute(text("SELECT email FROM users WHERE role = 'admin'")).scalar()
    engine.dispose()
    browser = make_client(database_url)
    login(browser, therapist)
    for client_id in before["clients"]:
        for page in (f"/clients/{client_id}", f"/clients/{client_id}/progress", f"/api/clients/{client_id}/fhir"):
            assert browser.get(page).status_code == 200, page
    for visit_id in before["visits"]:
        assert browser.get(f"/visits/{visit_id}").status_code == 200, visit_id
    # The search index still follows the clients table: an old client and a new one are both found.
    records = fresh_records(database_url)
    actor = records.authenticate(therapist, PASSWORD)
    records.create_client(actor, {"name": "Nadia Newcomer-Ångström"})
    found = {row.name for row in records.list_clients(actor, "ngstr").rows}
    assert found == {"Zoë Ångström-Nuñez", "Nadia Newcomer-Ångström"}
    amended = next(iter(before["amendments"].values()))
    assert "pain eased after two days" in browser.get(f"/visits/{amended['visit_id']}").text
    admin_browser = make_client(database_url)
    login(admin_browser, admin)
    assert admin_browser.get("/admin/export/fhir-ndjson.zip").status_code == 200
