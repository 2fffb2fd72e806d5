"""`backcare db upgrade` and `backcare user create --admin`, as a user runs them."""
from __future__ import annotations

import os
import subprocess
import sys

from backcare.records import Records
from backcare.storage.db import make_engine, make_sessionmaker


def backcare(*args: str, db_url: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backcare", *args], input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "BACKCARE_DATABASE_URL": db_url})


def test_db_upgrade_creates_the_database_and_hides_passwords(tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'clinic.db'}"
    proc = backcare("db", "upgrade", db_url=url)
    assert proc.returncode == 0, proc.stderr
    assert "database is up to date" in proc.stdout and (tmp_path / "sub" / "clinic.db").exists()
    assert backcare("db", "upgrade", db_url=url).returncode == 0  # idempotent


def test_user_create_admin_bootstraps_a_clinic(tmp_path):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    proc = backcare("user", "create", "--admin", "--email", "Boss@Clinic.org", "--name", "Pat Boss", "--clinic", "Back Clinic",
                    db_url=url, stdin="a long enough password\n")
    assert proc.returncode == 0, proc.stderr
    assert "created admin Boss@Clinic.org" in proc.stdout
    actor = Records(make_sessionmaker(make_engine(url))).authenticate("boss@clinic.org", "a long enough password")
    assert actor is not None and actor.is_admin


def test_user_create_reports_bad_input_without_a_traceback(tmp_path):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    short = backcare("user", "create", "--admin", "--email", "a@b.org", "--name", "A", db_url=url, stdin="short\n")
    assert short.returncode == 2 and "user create: password: Use at least 10 characters" in short.stderr
    assert "Traceback" not in short.stderr
    backcare("user", "create", "--admin", "--email", "a@b.org", "--name", "A", db_url=url, stdin="long password 1\n")
    again = backcare("user", "create", "--admin", "--email", "a@b.org", "--name", "A", db_url=url, stdin="long password 1\n")
    assert again.returncode == 2 and "This email already has an account" in again.stderr
    with make_engine(url).connect() as conn:  # the refused second clinic left nothing behind
        assert conn.exec_driver_sql("select count(*) from clinics").scalar() == 1
