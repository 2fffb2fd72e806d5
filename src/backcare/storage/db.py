"""Database engine and sessions. SQLite by default (WAL, foreign keys on); any
SQLAlchemy URL through BACKCARE_DATABASE_URL (PostgreSQL for larger clinics)."""
from __future__ import annotations

import os
from pathlib import Path

import orjson

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from .writelock import QueuedConnection, queue_for

DEFAULT_SQLITE = Path("instance") / "backcare.db"


def database_url() -> str:
    return os.environ.get("BACKCARE_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"


def private_file(path: Path) -> None:
    """The database file (and its folder, when new) readable by its owner only: it holds health records.

    SQLite gives its -wal and -shm files the main file's mode, so they follow."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if part.exists() and part.stat().st_mode & 0o077 and part.stat().st_uid == os.geteuid():
            part.chmod(0o600)


def _json_text(value) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns (findings, assessments, answers) through orjson: several times faster than the json module
# both ways, which a whole clinic's export or import feels.
JSON = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:":
            private_file(Path(path))
        # A pool as large as the server's thread pool, so no request waits for a connection.
        engine = create_engine(url, connect_args={"check_same_thread": False, "factory": QueuedConnection},
                               pool_size=20, max_overflow=20, **JSON)
        queue = queue_for(str(Path(path).resolve())) if path and path != ":memory:" else None

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - exercised by every test
            # backcare opens its own transactions (below), not the sqlite3 module.
            dbapi_connection.isolation_level = None
            dbapi_connection.write_queue = queue
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Each commit is on disk before it returns (see README, Storage): a power cut loses nothing acknowledged.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection) -> None:  # pragma: no cover - exercised by every test
            # A writer waits its turn in the process's queue, then takes SQLite's write
            # lock when it starts (BEGIN IMMEDIATE); a deferred reader that later wants
            # to write could fail at once with "database is locked". Read-only work stays deferred.
            if connection.get_execution_options().get("backcare_read_only"):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.connection.dbapi_connection.begin_write()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=20, **JSON)


def make_sessionmaker(engine: Engine, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for writes, or (read_only) for work that only reads, such as checking a session."""
    bind = engine.execution_options(backcare_read_only=True) if read_only else engine
    return sessionmaker(bind, expire_on_commit=False)


def _alembic_config(url: str | None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply the Alembic migrations up to `revision` (`backcare db upgrade`: all of them)."""
    from alembic import command

    make_engine(url).dispose()  # creates the SQLite folder if needed
    command.upgrade(_alembic_config(url), revision)


def downgrade(url: str | None, revision: str) -> None:
    """Undo migrations down to `revision` (for going back to an older release)."""
    from alembic import command

    command.downgrade(_alembic_config(url), revision)
