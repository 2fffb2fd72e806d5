"""Backups of the clinic's database and restoring them (`backcare db backup` / `db restore`).

SQLite: SQLite's online backup API copies the database in one step from a
consistent snapshot while the server keeps writing (WAL readers never block
writers), including the rows still in the write-ahead log that a file copy
misses. PostgreSQL: pg_dump's custom format, and pg_restore back, in one
transaction. A backup is written beside its destination, checked (reopened,
PRAGMA integrity_check; pg_restore --list), made readable by its owner only and
only then renamed into place: a backup killed half-way leaves no half file.
"""
from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """What went wrong, in words for the person running the command."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str  # sqlite | postgresql
    detail: str


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(parsed.database)


def _private(path: Path) -> None:
    os.chmod(path, 0o600)


def check_sqlite_file(path: Path) -> str:
    """Reopen a SQLite file read-only and check it whole; returns its schema revision."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be opened: {exc}") from None
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"{path} failed SQLite's integrity check: {verdict}")
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a backcare database: {exc}") from None
    finally:
        connection.close()
    if revision is None:
        raise BackupError(f"{path} is not a backcare database (no schema revision)")
    return revision[0]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(url: str, destination: Path) -> BackupResult:
    """Back the database at `url` up to `destination` (replaced only by a checked backup)."""
    destination = destination.resolve()
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        source = sqlite_path(url)
        if source is not None:
            result = _backup_sqlite(source, partial)
        else:
            result = _backup_postgresql(url, partial)
        _private(partial)
        _fsync(partial)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(destination, result[0], result[1])


def _backup_sqlite(source: Path, partial: Path) -> tuple[str, str]:
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
    live = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        live.execute("PRAGMA busy_timeout=30000")
        # One step: the whole copy comes from one read snapshot, so writers carry on and it never restarts.
        live.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
    except sqlite3.Error as exc:
        raise BackupError(f"the backup failed: {exc}") from None
    finally:
        copy.close()
        live.close()
    revision = check_sqlite_file(partial)
    return "sqlite", f"SQLite database at schema {revision}, integrity check ok"


def _postgres_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise BackupError(f"{name} is not installed. Install the PostgreSQL client (Debian: apt-get install postgresql-client) "
                          f"or run it yourself; see README, 'Backups'.")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password (which goes in the environment, not the process list)."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[:500]}")
    return done.stdout


def _backup_postgresql(url: str, partial: Path) -> tuple[str, str]:
    target, env = _libpq(url)
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
    _run([_postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), target], env)
    listing = _run([_postgres_tool("pg_restore"), "--list", str(partial)], env)
    if "alembic_version" not in listing:
        raise BackupError("pg_dump wrote an archive without backcare's tables")
    return "postgresql", f"pg_dump archive of {listing.count(' TABLE DATA ')} tables, pg_restore reads it back"


def database_in_use(url: str) -> bool:
    """True when the target already holds a backcare database (restoring over it needs --force)."""
    path = sqlite_path(url)
    if path is not None:
        return path.exists() and path.stat().st_size > 0
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def restore(url: str, backup_file: Path, force: bool = False) -> str:
    """Replace the database at `url` with a backup, checked before and after; returns what was restored."""
    if not backup_file.is_file():
        raise BackupError(f"there is no backup at {backup_file}")
    if database_in_use(url) and not force:
        raise BackupError("the database already holds records; stop the server and add --force to replace them with the backup")
    path = sqlite_path(url)
    if path is not None:
        revision = check_sqlite_file(backup_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        stored, live = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True), sqlite3.connect(path, timeout=30)
        try:
            # Through SQLite, not a file copy: the live file's write-ahead log stays consistent with it.
            stored.backup(live, pages=-1)
        except sqlite3.Error as exc:
            raise BackupError(f"the restore failed: {exc}") from None
        finally:
            live.close()
            stored.close()
        check_sqlite_file(path)
        return f"SQLite database at schema {revision}"
    target, env = _libpq(url)
    _run([_postgres_tool("pg_restore"), "--list", str(backup_file)], env)
    _run([_postgres_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          "--dbname", target, str(backup_file)], env)
    return "PostgreSQL database from a pg_dump archive"
