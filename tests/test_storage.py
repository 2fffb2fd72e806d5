"""The records service against a real, migrated SQLite database."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, text

from backcare.records import FieldErrors, Forbidden, Locked, NotFound
from backcare.storage.models import AuditEvent, Client, Visit
from web_support import PASSWORD, a_visit_case, fresh_records, seed


@pytest.fixture
def records(database_url):
    """The same tests against SQLite (the default) and a real PostgreSQL."""
    return fresh_records(database_url)


@pytest.fixture
def people(records):
    return seed(records)


def count(records, model, **where) -> int:
    with records.sessions() as db:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.scalar(query)


def test_migrations_create_every_table_with_sqlite_safety_pragmas(records):
    with records.sessions() as db:
        tables = set(inspect(db.get_bind()).get_table_names())
        assert {"clinics", "users", "clients", "visits", "amendments", "audit_events", "login_sessions", "alembic_version"} <= tables
        if db.get_bind().dialect.name == "sqlite":
            assert db.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert db.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_foreign_keys_are_enforced(records, people):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), records.sessions.begin() as db:
        db.add(Client(clinic_id=999, name="orphan", created_by=people["north"].user_id, medical={}))


def test_passwords_are_argon2_hashes_and_authenticate(records, people):
    assert records.authenticate("ther@north.test", PASSWORD).user_id == people["north"].user_id
    assert records.authenticate("ther@north.test", "wrong password") is None
    assert records.authenticate("nobody@north.test", PASSWORD) is None
    with records.sessions() as db:
        stored = db.execute(text("select password_hash from users where email='ther@north.test'")).scalar()
    assert stored.startswith("$argon2") and PASSWORD not in stored


def test_a_visit_stores_findings_assessment_and_knowledge_base_version(records, people):
    north = people["north"]
    client_id = records.create_client(north, {"name": "Jo Client", "date_of_birth": date(1980, 1, 2),
                                              "consent_given": True, "consent_date": date.today()})
    visit_id = records.create_visit(north, client_id, {"visit_date": date.today(), "case": a_visit_case()})
    visit = records.get_visit(north, visit_id)
    assert visit.case["symptoms"]["pain_sites"] == ["low_back"] and visit.pain_nrs == 5
    assert visit.assessment["referral"]["urgency"] == "none"
    assert visit.kb_version == visit.assessment["knowledge_base"]["version"]
    assert "Pain 5/10" in visit.soap_subjective and visit.soap_plan


def test_another_clinic_never_finds_the_record(records, people):
    client_id = records.create_client(people["north"], {"name": "Jo Client"})
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": date.today(), "case": {}})
    south = people["south"]
    with pytest.raises(NotFound):
        records.get_client(south, client_id)
    with pytest.raises(NotFound):
        records.get_visit(south, visit_id)
    with pytest.raises(NotFound):
        records.create_visit(south, client_id, {"visit_date": date.today(), "case": {}})
    assert records.list_clients(south).rows == []


def test_every_read_and_write_is_audited(records, people):
    north = people["north"]
    client_id = records.create_client(north, {"name": "Jo Client"})
    records.get_client(north, client_id)
    visit_id = records.create_visit(north, client_id, {"visit_date": date.today(), "case": {}})
    records.get_visit(north, visit_id)
    actions = [e.action for e in reversed(records.audit_log(people["north_admin"]).events)]
    assert actions[-4:] == ["client.create", "client.read", "visit.create", "visit.read"]
    with pytest.raises(Forbidden):
        records.audit_log(north)


def test_an_invalid_save_changes_nothing(records, people):
    north = people["north"]
    client_id = records.create_client(north, {"name": "Jo Client"})
    before = (count(records, Visit), count(records, AuditEvent))
    with pytest.raises(FieldErrors) as info:
        records.create_visit(north, client_id, {"visit_date": date.today(),
                                                "case": {"special_tests": {"slr": {"left": "positve"}}}})
    assert info.value.errors == {"special_tests.slr.left": "'positve' is not one of: positive, negative"}
    with pytest.raises(FieldErrors) as info:
        records.create_visit(north, client_id, {"visit_date": date.today() + timedelta(days=3), "case": {}})
    assert "visit_date" in info.value.errors
    with pytest.raises(FieldErrors) as info:
        records.update_client(north, client_id, {"name": "", "consent_given": True})
    assert set(info.value.errors) == {"name", "consent_date"}
    assert (count(records, Visit), count(records, AuditEvent)) == before
    assert records.get_client(north, client_id).name == "Jo Client"


def test_a_signed_note_is_locked_and_takes_amendments(records, people):
    north = people["north"]
    client_id = records.create_client(north, {"name": "Jo Client"})
    visit_id = records.create_visit(north, client_id, {"visit_date": date.today(), "case": a_visit_case()})
    records.save_soap(north, visit_id, {"subjective": "S", "objective": "O", "assessment": "A", "plan": "P"})
    records.sign(north, visit_id)
    with pytest.raises(Locked):
        records.save_soap(north, visit_id, {"subjective": "changed"})
    with pytest.raises(Locked):
        records.sign(north, visit_id)
    records.amend(north, visit_id, "Pain was 6/10, not 5/10.")
    visit = records.get_visit(north, visit_id)
    assert visit.soap_subjective == "S" and [a.text for a in visit.amendments] == ["Pain was 6/10, not 5/10."]


def test_only_the_treating_therapist_signs(records, people):
    client_id = records.create_client(people["north"], {"name": "Jo"})
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": date.today(), "case": {}})
    with pytest.raises(Forbidden):
        records.sign(people["north_admin"], visit_id)


def test_admins_manage_users_and_deactivated_users_cannot_log_in(records, people):
    admin = people["north_admin"]
    with pytest.raises(FieldErrors):
        records.add_user(admin, "ther@north.test", "Dup", PASSWORD, "therapist")
    with pytest.raises(FieldErrors):
        records.add_user(admin, "short@north.test", "Short", "short", "therapist")
    with pytest.raises(Forbidden):
        records.add_user(people["north"], "x@north.test", "X", PASSWORD, "therapist")
    records.set_user_active(admin, people["north"].user_id, False)
    assert records.authenticate("ther@north.test", PASSWORD) is None


def test_client_search_matches_name_email_and_phone(records, people):
    north = people["north"]
    records.create_client(north, {"name": "Maria Lopez", "email": "maria@example.org"})
    records.create_client(north, {"name": "Ken Ito", "phone": "+44 7700 900123"})
    assert [r.name for r in records.list_clients(north, "lop").rows] == ["Maria Lopez"]
    assert [r.name for r in records.list_clients(north, "7700").rows] == ["Ken Ito"]
    assert [r.name for r in records.list_clients(north, "MARIA@").rows] == ["Maria Lopez"]
    assert len(records.list_clients(north).rows) == 2 == count(records, Client)


_CLINICS = itertools.count()
_SEARCH_NAMES = st.lists(st.text(alphabet="abmr ", min_size=1, max_size=7).map(lambda t: "x" + t), max_size=14)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(names=_SEARCH_NAMES, term=st.sampled_from(["ab", "bar", "mar", "xab", "a b"]), size=st.integers(1, 4),
       foreign=st.booleans())
def test_paging_through_a_search_shows_every_match_once_in_its_order(records, names, term, size, foreign):
    """Whatever the names and the page size: every client whose name contains the term (from three
    letters; from the start below that) appears exactly once, those starting with it first by name,
    then the others newest first, and never a client of another clinic."""
    from backcare.records import normalise

    n = records  # one fresh clinic per example
    tag = next(_CLINICS)
    me = n.create_clinic_with_admin(f"Clinic {tag}", f"admin{tag}@search.test", "Sam Search", PASSWORD)
    ids = {n.create_client(me, {"name": name}): name for name in names}
    if foreign:
        other = n.create_clinic_with_admin(f"Other {tag}", f"other{tag}@search.test", "Ola Other", PASSWORD)
        n.create_client(other, {"name": names[0] if names else "x mar"})
    seen, after = [], None
    while True:
        page = n.list_clients(me, term, after=after, limit=size)
        assert len(page.rows) <= size
        seen += [row.id for row in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    key = {i: normalise(name) for i, name in ids.items()}
    starts = sorted((i for i in ids if key[i].startswith(term)), key=lambda i: (key[i], i))
    contains = sorted((i for i in ids if term in key[i] and i not in starts), reverse=True) if len(term) >= 3 else []
    assert seen == starts + contains


def test_search_pages_through_names_that_start_with_the_term_then_those_that_contain_it(records, people):
    north = people["north"]
    for name in ["Zed Mar", "Omar Ek", "Mark Dunn", "Tamara Fox", "Marco Bell", "Mara Cole", "Bo Other"]:
        records.create_client(north, {"name": name})
    seen, after = [], None
    while True:
        page = records.list_clients(north, "Mar", after=after, limit=2)
        seen += [row.name for row in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    # Names that start with the term in name order; then those that contain it, newest client first.
    assert seen == ["Mara Cole", "Marco Bell", "Mark Dunn", "Tamara Fox", "Omar Ek", "Zed Mar"]
    assert [r.name for r in records.list_clients(north, "ma", limit=10).rows] == ["Mara Cole", "Marco Bell", "Mark Dunn"]
