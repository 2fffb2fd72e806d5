"""Alembic environment: migrations run against the URL set by backcare.storage.db.upgrade."""
from __future__ import annotations

from alembic import context
from sqlalchemy import text

from backcare.storage.db import make_engine
from backcare.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Several app servers may start at once: one migrates, the others
                # wait here and then find the schema current. (SQLite serialises
                # writers already: BEGIN IMMEDIATE.)
                connection.execute(text("SELECT pg_advisory_xact_lock(7384012)"))
            context.run_migrations()
    engine.dispose()


run_migrations_online()
