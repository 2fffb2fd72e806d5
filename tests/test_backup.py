"""`backcare db backup` and `db restore`, run as an administrator runs them, while therapists write."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from migration_support import snapshot
from web_support import fresh_records, seed


def backcare(*args: str, db_url: str, **popen) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backcare", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "BACKCARE_DATABASE_URL": db_url}, **popen)


def _another_database(url: str, tmp_path: Path, postgres) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    from postgres_support import new_database

    return new_database(postgres)


def test_a_backup_taken_while_therapists_write_holds_every_acknowledged_row_and_restores(database_url, tmp_path, postgres):
    records = fresh_records(database_url)
    people = seed(records)
    acknowledged: list[int] = []
    stop = threading.Event()

    def therapist(actor, n):
        i = 0
        while not stop.is_set():
            acknowledged.append(records.create_client(actor, {"name": f"Client {n}-{i}"}))
            i += 1

    writers = [threading.Thread(target=therapist, args=(people[who], n)) for n, who in enumerate(("north", "south"))]
    for w in writers:
        w.start()
    time.sleep(0.5)
    before = list(acknowledged)
    done = backcare("db", "backup", str(tmp_path / "nightly.backup"), db_url=database_url)
    stop.set()
    for w in writers:
        w.join()
    assert done.returncode == 0, done.stderr
    assert "integrity check ok" in done.stdout or "pg_restore reads it back" in done.stdout
    assert stat.S_IMODE((tmp_path / "nightly.backup").stat().st_mode) == 0o600
    assert len(before) > 5

    target = _another_database(database_url, tmp_path, postgres)
    restored = backcare("db", "restore", str(tmp_path / "nightly.backup"), db_url=target)
    assert restored.returncode == 0, restored.stderr
    rows = snapshot(target)
    assert set(before) <= set(rows["clients"])  # nothing acknowledged before the backup is missing
    created = {e["client_id"] for e in rows["audit_events"].values() if e["action"] == "client.create"}
    assert created == set(rows["clients"])  # a consistent snapshot: each client with the audit of its own transaction


def test_a_sqlite_backup_holds_the_rows_still_in_the_write_ahead_log(tmp_path):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    records = fresh_records(url)
    admin = seed(records)["north_admin"]
    writer = sqlite3.connect(tmp_path / "clinic.db")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # as on a busy server: recent rows live in the -wal file
    for n in range(50):
        records.create_client(admin, {"name": f"Client {n}"})
    shutil.copy(tmp_path / "clinic.db", tmp_path / "copied.db")  # what a plain file copy gets
    copied = sqlite3.connect(tmp_path / "copied.db").execute("SELECT count(*) FROM clients").fetchone()[0]
    done = backcare("db", "backup", str(tmp_path / "b.db"), db_url=url)
    assert done.returncode == 0, done.stderr
    kept = sqlite3.connect(tmp_path / "b.db").execute("SELECT count(*) FROM clients").fetchone()[0]
    writer.close()
    assert copied < 50 and kept == 50


def test_restore_refuses_to_replace_a_live_database_without_force_and_refuses_a_broken_backup(tmp_path):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    records = fresh_records(url)
    admin = seed(records)["north_admin"]
    records.create_client(admin, {"name": "Kept Client"})
    assert backcare("db", "backup", str(tmp_path / "b.db"), db_url=url).returncode == 0
    records.create_client(admin, {"name": "After The Backup"})

    refused = backcare("db", "restore", str(tmp_path / "b.db"), db_url=url)
    assert refused.returncode == 2 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    names = lambda: {r["name"] for r in snapshot(url)["clients"].values()}  # noqa: E731
    assert "After The Backup" in names()

    (tmp_path / "broken.db").write_bytes((tmp_path / "b.db").read_bytes()[:5000])
    broken = backcare("db", "restore", str(tmp_path / "broken.db"), "--force", db_url=url)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr and "After The Backup" in names()

    forced = backcare("db", "restore", str(tmp_path / "b.db"), "--force", db_url=url)
    assert forced.returncode == 0, forced.stderr
    assert "Kept Client" in names() and "After The Backup" not in names()
    with create_engine(url).connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_a_backup_killed_half_way_leaves_the_last_good_backup_and_the_live_database_whole(tmp_path):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    records = fresh_records(url)
    admin = seed(records)["north_admin"]
    with records.sessions.begin() as db:  # a few megabytes, so the copy takes a moment
        db.execute(text("CREATE TABLE ballast (x BLOB)"))
        db.execute(text("INSERT INTO ballast VALUES (randomblob(1000000))"), [{}] * 40)
    records.create_client(admin, {"name": "Before"})
    assert backcare("db", "backup", str(tmp_path / "b.db"), db_url=url).returncode == 0
    good = (tmp_path / "b.db").read_bytes()
    for delay in (0.3, 0.6, 0.9):
        process = subprocess.Popen([sys.executable, "-m", "backcare", "db", "backup", str(tmp_path / "b.db")],
                                   env={**os.environ, "BACKCARE_DATABASE_URL": url})
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = (tmp_path / "b.db").read_bytes()
        # Either the old backup, untouched, or a whole new one that passes the check.
        assert now == good or sqlite3.connect(tmp_path / "b.db").execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with create_engine(url).connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert connection.execute(text("SELECT count(*) FROM clients")).scalar() == 1


def test_backup_names_a_missing_folder_and_a_missing_pg_dump_in_words(tmp_path, monkeypatch):
    from backcare.storage.backup import BackupError, backup

    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    fresh_records(url)
    missing = backcare("db", "backup", str(tmp_path / "no" / "such" / "b.db"), db_url=url)
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    with pytest.raises(BackupError, match="pg_dump is not installed.*README"):
        backup("postgresql+psycopg://u:secret@127.0.0.1:1/x", tmp_path / "pg.backup")
    assert not (tmp_path / "pg.backup").exists()
