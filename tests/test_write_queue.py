"""SQLite writers take turns (issue 19, item 2): in a queue within a process, through a file lock
between processes, so none of them ever meets SQLite's busy lock and sleeps in its retries."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select

from backcare.records import Records
from backcare.storage.db import make_engine, make_sessionmaker
from backcare.storage.models import AuditEvent
from backcare.storage.writelock import WriteQueue
from web_support import fresh_records, seed


def test_the_queue_serves_writers_in_the_order_they_came():
    queue, order, started = WriteQueue(), [], []
    queue.acquire()

    def writer(i: int) -> None:
        started.append(i)
        queue.acquire()
        order.append(i)
        queue.release()

    threads = []
    for i in range(6):
        threads.append(threading.Thread(target=writer, args=(i,)))
        threads[-1].start()
        while len(started) <= i or len(queue._waiting) <= i:  # wait until it is in the queue
            time.sleep(0.001)
    queue.release()
    for t in threads:
        t.join(timeout=10)
    assert order == list(range(6))


def test_a_writer_that_waits_too_long_gets_database_is_locked_and_leaves_the_queue():
    queue = WriteQueue()
    queue.acquire()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        queue.acquire(timeout=0.05)
    assert not queue._waiting
    queue.release()
    queue.acquire(timeout=0.05)  # free again


def _impatient(url: str) -> Records:
    """Records on an engine whose SQLite gives up at once when the database is busy (no retries at all)."""
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _no_waiting(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    return Records(make_sessionmaker(engine), make_sessionmaker(engine, read_only=True))


WRITER = """
import sys
sys.path.insert(0, "tests")
from test_write_queue import _impatient
from backcare.records import Actor
records = _impatient(sys.argv[1])
me = Actor(int(sys.argv[2]), int(sys.argv[3]), "therapist", "Tom Therapist")
records.list_clients(me)  # connected and warm
print("ready", flush=True)
sys.stdin.readline()  # both processes start writing together
for i in range(60):
    records.create_client(me, {"name": f"Client {sys.argv[4]}-{i}"})
"""


def test_writers_in_threads_and_processes_never_meet_sqlites_busy_lock(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    me = seed(fresh_records(url))["north"]
    records = _impatient(url)
    # Another process writes at the same time as eight threads of this one.
    other = subprocess.Popen([sys.executable, "-c", WRITER, url, str(me.user_id), str(me.clinic_id), "other"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert other.stdout.readline().strip() == "ready", other.stderr.read()
    records.list_clients(me)
    other.stdin.write("go\n")
    other.stdin.flush()
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda i: records.create_client(me, {"name": f"Client {i}"}), range(80)))
    assert other.wait(timeout=120) == 0, other.stderr.read()
    assert len(set(ids)) == 80
    with records.sessions() as db:
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "client.create")) == 140


def test_a_save_through_the_api_is_one_write_transaction_with_its_read_back_audited_in_it(database_url):
    from datetime import date

    from web_support import PASSWORD, a_visit_case, make_client

    records = fresh_records(database_url)
    people = seed(records)
    client_id = records.create_client(people["north"], {"name": "Una Once"})
    browser = make_client(database_url)
    login = browser.post("/api/login", json={"email": "ther@north.test", "password": PASSWORD})
    browser.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    writes: list[str] = []

    @event.listens_for(browser.app.state.engine, "begin")
    def _count(connection) -> None:
        if not connection.get_execution_options().get("backcare_read_only"):
            writes.append("begin")

    saved = browser.post(f"/api/clients/{client_id}/visits", json={"visit_date": date.today().isoformat(), "case": a_visit_case()})
    assert saved.status_code == 201 and saved.json()["therapist"] == "Tom Therapist" and saved.json()["amendments"] == []
    signed = browser.post(f"/api/visits/{saved.json()['id']}/sign")
    assert signed.status_code == 200 and signed.json()["signed_at"]
    assert writes == ["begin", "begin"]  # one write transaction for each save, its reading audited inside it
    # The answers are built from what was written, without VisitOut; they still have its shape, and equal a fresh read.
    from backcare.web.api import VisitOut

    for answer in (saved, signed):
        assert VisitOut.model_validate_json(answer.content).model_dump(mode="json") == answer.json()
    assert signed.json()["signed_at"].endswith("Z")
    with records.sessions() as db:
        actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.visit_id == saved.json()["id"])
                                  .order_by(AuditEvent.id)))
    assert actions == ["visit.create", "visit.read", "soap.sign", "visit.read"]
    assert browser.get(f"/api/visits/{saved.json()['id']}").json() == signed.json()
