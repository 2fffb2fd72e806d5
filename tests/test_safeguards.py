"""The lower findings, each held by a test: no health data in logs, errors in words when the disk is full or the
database read-only, private database files, security headers, names without hidden characters, CSV without
formulas, and a refused intake link that answers alike whether it ever existed."""
from __future__ import annotations

import csv
import io
import logging
import os
import stat
import subprocess
import sys

import pytest
from sqlalchemy import event

from backcare.records import FieldErrors
from backcare.records.tables import csv_text
from backcare.web.app import create_app
from backcare.web.settings import Settings
from test_limits import live
from web_support import a_visit_case, fresh_records, intake_answers, login, make_client, seed

NOTE = "Client disclosed a private family matter 7f3a"


@pytest.fixture
def site(tmp_path):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    records = fresh_records(url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Jo Client"})
    visit_id = records.create_visit(people["north"], client_id, {"visit_date": "2026-01-05", "case": a_visit_case()})
    return {"url": url, "records": records, "people": people, "client_id": client_id, "visit_id": visit_id}


def _broken_storage(app, pragma: str) -> None:
    """Every new connection of the app refuses to write as a full disk or a read-only file would."""
    @event.listens_for(app.state.engine, "connect")
    def _limit(dbapi_connection, _record):
        dbapi_connection.execute(pragma)

    app.state.engine.dispose()


@pytest.mark.parametrize("pragma, status, words", [
    ("PRAGMA max_page_count = 1", 503, "disk is full"),   # the database cannot grow: SQLite's "database or disk is full"
    ("PRAGMA query_only = ON", 503, "read-only"),          # SQLite's "attempt to write a readonly database"
])
def test_a_full_disk_or_read_only_database_answers_in_words_and_logs_no_note_text(site, caplog, pragma, status, words):
    app = create_app(Settings(database_url=site["url"], secure_cookies=False))
    browser = make_client(site["url"], app=app)
    csrf = login(browser, "ther@north.test")
    _broken_storage(app, pragma)
    with caplog.at_level(logging.DEBUG):
        with live(app) as base:
            import httpx

            answer = httpx.put(f"{base}/api/visits/{site['visit_id']}/soap", json={"subjective": NOTE * 200},
                               cookies=dict(browser.cookies), headers={"X-CSRF-Token": csrf}, timeout=30)
            page = httpx.post(f"{base}/visits/{site['visit_id']}/soap", data={"csrf_token": csrf, "subjective": NOTE},
                              cookies=dict(browser.cookies), timeout=30)
    assert answer.status_code == status and words in answer.json()["detail"]
    assert page.status_code == status and "<html" in page.text and words in page.text
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "OperationalError" in logged and NOTE not in logged


def test_a_folder_the_database_cannot_be_made_in_is_named_without_a_traceback(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = subprocess.run([sys.executable, "-m", "backcare", "serve", "--port", "1"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "BACKCARE_DATABASE_URL": f"sqlite:///{blocker / 'clinic.db'}"})
    assert done.returncode == 2 and "cannot open or update the database" in done.stderr and "Traceback" not in done.stderr


def test_database_files_are_readable_by_their_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        records = fresh_records(f"sqlite:///{tmp_path / 'new' / 'clinic.db'}")
        seed(records)
    finally:
        os.umask(old)
    files = [p for p in (tmp_path / "new").iterdir()]
    assert {p.name for p in files} >= {"clinic.db", "clinic.db-wal", "clinic.db-shm"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


def test_pages_and_the_api_docs_carry_hsts_permissions_policy_and_a_csp(site):
    browser = make_client(site["url"])
    for path in ("/login", "/api/docs", "/api/openapi.json"):
        headers = browser.get(path).headers
        assert headers["strict-transport-security"].startswith("max-age=31536000")
        assert "camera=()" in headers["permissions-policy"] and "geolocation=()" in headers["permissions-policy"]
        csp = headers["content-security-policy"]
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
        script = csp.split("script-src", 1)[1].split(";", 1)[0]
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    docs = browser.get("/api/docs").headers["content-security-policy"]
    assert "'sha256-" in docs  # the one inline script that starts Swagger UI, allowed by its hash alone


@pytest.mark.parametrize("name", ["Ann\u202eelbA", "Ann\u200bAble", "Ann\u0007Able", "Ann\u2066Able\u2069", "\ufeffAnn",
                                  "Ann\u200d"])
def test_names_with_hidden_or_direction_changing_characters_are_refused(site, name):
    records, people = site["records"], site["people"]
    with pytest.raises(FieldErrors) as refused:
        records.create_client(people["north"], {"name": name})
    assert "invisible" in refused.value.errors["name"]
    with pytest.raises(FieldErrors):
        records.add_user(people["north_admin"], "new@north.test", name, "correct horse battery", "therapist")


def test_names_that_need_a_joiner_are_kept(site):
    records, people = site["records"], site["people"]
    client_id = records.create_client(people["north"], {"name": "\u0645\u06cc\u200c\u0631\u0648\u062f Zoë O'Neill-Ångström"})
    assert "\u200c" in records.get_client(people["north"], client_id).name


@pytest.mark.parametrize("typed", [";=HYPERLINK(\"http://x\")", "Ann\t=1+1", "x;@SUM(1,2)", "=cmd|' /C calc'!A0",
                                   " +1", "a,-2+3"])
def test_no_part_of_a_csv_cell_starts_a_formula_whatever_the_separator(typed):
    text = csv_text("clients.csv", [{"client_id": 1, "name": typed, "date_of_birth": "", "phone": "", "email": "",
                                     "consent_given": True, "consent_date": "", "visits": 0, "first_visit": "", "last_visit": ""}])
    cell = next(csv.DictReader(io.StringIO(text)))["name"]
    assert cell.replace("'", "") == typed.replace("'", "")  # the text itself is kept
    for separator in (",", ";", "\t", "|"):
        for part in cell.split(separator):
            assert not part.lstrip(" ").startswith(("=", "+", "-", "@")), (separator, part)
    assert text.splitlines()[1].startswith('"1","')  # every cell quoted


def test_a_refused_intake_link_answers_with_the_same_work_whether_it_ever_existed(site):
    """Nothing is written before the answer for a made-up token or a spent one: the statements run until
    the page starts are the same kinds, in the same number, so the time they take tells nothing."""
    records, people = site["records"], site["people"]
    spent, _ = records.create_intake_link(people["north"], site["client_id"], ["nprs"])
    records.submit_intake(spent, intake_answers())
    app = create_app(Settings(database_url=site["url"], secure_cookies=False))
    seen: list[str] = []
    answered = []

    @event.listens_for(app.state.engine, "before_cursor_execute")
    def _record(conn, cursor, statement, *args):
        if not answered:
            seen.append(statement.split()[0].upper())

    async def until_answer(scope, receive, send):
        async def marking(message):
            if message["type"] == "http.response.start":
                answered.append(True)
            await send(message)
        await inner(scope, receive, marking)

    inner = app
    browser = make_client(site["url"], app=until_answer)
    kinds = {}
    for label, token in (("made up", "A" * 43), ("spent", spent)):
        seen.clear()
        answered.clear()
        assert browser.get(f"/intake/{token}").status_code == 404
        kinds[label] = list(seen)
    assert kinds["made up"] == kinds["spent"] and kinds["spent"]
    from sqlalchemy import select

    from backcare.storage.models import AuditEvent

    with records.read_sessions() as db:  # the spent link's refusal is still in the clinic's log, written after the answer
        assert db.scalars(select(AuditEvent).where(AuditEvent.action == "intake.refused")).first() is not None
