"""Alembic environment: migrations run against the URL set by backcare.storage.db.upgrade.

On SQLite, changing a column or a foreign key copies the table (Alembic's batch
mode): with foreign keys enforced, dropping the old copy of a table that other
rows point at fails. Migrations therefore run with foreign keys off, as SQLite's
own documentation prescribes for such changes, and every reference is checked
(PRAGMA foreign_key_check) before the transaction commits: a migration that
breaks a reference rolls back whole.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import text

from backcare.storage.db import make_engine
from backcare.storage.models import Base

config = context.config
target_metadata = Base.metadata


class BrokenReferences(RuntimeError):
    """A migration left rows pointing at rows that do not exist."""


def _check_references(connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        first = broken[0]
        raise BrokenReferences(f"{len(broken)} rows point at missing rows after the migration; first: table {first[0]}, "
                               f"row {first[1]}, referring to {first[2]}. Nothing was changed.")


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Outside any transaction (inside one, SQLite ignores the pragma); this
            # connection is thrown away with the engine below.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Several app servers may start at once: one migrates, the others
                # wait here and then find the schema current. (SQLite serialises
                # writers already: BEGIN IMMEDIATE.)
                connection.execute(text("SELECT pg_advisory_xact_lock(7384012)"))
            context.run_migrations()
            if sqlite:
                _check_references(connection)
    engine.dispose()


run_migrations_online()
