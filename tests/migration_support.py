"""Databases at an older revision, full of rows, for the upgrade tests.

`fill` reads the schema as it is at that revision (never today's models) and
writes a few rows into every table, each column given a value of its type and
every reference pointing at a real row, so that a migration copying or changing
a table has data to keep. `snapshot` reads every row back, raw, for comparing.
"""
from __future__ import annotations

import gzip
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, MetaData, String, Text, create_engine, text

# Tables the migrations themselves keep (SQLite's full-text index of client names and its shadow tables).
SKIP = ("alembic_version", "clients_search", "sqlite_")

# An assessment shaped like the engine's, so data migrations that read one (0002) have something to read.
ASSESSMENT = {"referral": {"urgency": "urgent", "reasons": ["night pain"]},
              "differential": [{"name": "Lumbar muscle strain", "probability": 0.6}], "red_flags": []}


def _tables(connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(connection)
    for name in [n for n in metadata.tables if n.startswith(SKIP)]:
        metadata.remove(metadata.tables[name])
    return metadata


def _value(table: str, column, row: int, ids: dict[str, list[Any]]) -> Any:
    foreign = next(iter(column.foreign_keys), None)
    if foreign is not None:
        target = ids[foreign.column.table.name]
        return target[row % len(target)]
    kind = column.type
    if isinstance(kind, JSON):
        return ASSESSMENT if column.name == "assessment" else {"row": row, "text": f"{table} é {row}"}
    if isinstance(kind, Boolean):
        return row % 2 == 0
    if isinstance(kind, DateTime):
        return datetime(2021, 3, 1, 9, 30, tzinfo=timezone.utc) + timedelta(days=row, minutes=row)
    if isinstance(kind, Date):
        return date(2021, 3, 1) + timedelta(days=row * 7)
    if isinstance(kind, Float):
        return row + 0.5
    if isinstance(kind, Integer):
        return row + 1
    if isinstance(kind, (String, Text)):
        value = f"{column.name} {table} {row} Zoë"
        if column.name == "email":
            value = f"person{row}.{table}@example.org"
        length = getattr(kind, "length", None)
        return value[-length:] if length else value
    if isinstance(kind, LargeBinary):
        return b"%PDF-1.7 " + f"{table} {row}".encode()
    raise TypeError(f"no sample value for {table}.{column.name} ({kind!r})")


def fill(url: str, rows: int = 3) -> None:
    """`rows` rows in every table of the database as it stands."""
    engine = create_engine(url)
    with engine.begin() as connection:
        metadata = _tables(connection)
        ids: dict[str, list[Any]] = {}
        for table in metadata.sorted_tables:
            key = list(table.primary_key.columns)
            made = []
            for row in range(rows):
                generated = len(key) == 1 and isinstance(key[0].type, Integer) and not key[0].foreign_keys
                values = {c.name: _value(table.name, c, row, ids) for c in table.columns if not (generated and c is key[0])}
                result = connection.execute(table.insert().values(**values))
                made.append(result.inserted_primary_key[0] if key[0].name not in values else values[key[0].name])
            ids[table.name] = made
    engine.dispose()


def snapshot(url: str) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of every table, raw as the driver gives it, by primary key."""
    engine = create_engine(url)
    out: dict[str, dict[Any, dict[str, Any]]] = {}
    with engine.connect() as connection:
        metadata = _tables(connection)
        for table in metadata.sorted_tables:
            key = list(table.primary_key.columns)[0].name
            out[table.name] = {row[key]: dict(row) for row in connection.execute(text(f'SELECT * FROM "{table.name}"')).mappings()}
    engine.dispose()
    return out


def kept(before: dict, after: dict) -> list[str]:
    """Each row or value of `before` that `after` lost or changed (columns a migration added are not compared)."""
    lost = []
    for table, rows in before.items():
        if table not in after:
            lost.append(f"table {table} is gone")
            continue
        for key, row in rows.items():
            now = after[table].get(key)
            if now is None:
                lost.append(f"{table} {key} is gone")
                continue
            lost += [f"{table} {key}.{column}: {value!r} became {now.get(column)!r}" for column, value in row.items()
                     if now.get(column) != value]
    return lost


RELEASE = Path(__file__).with_name("data") / "release-0003.db.gz"


def load_release(url: str, workdir: Path) -> None:
    """The database the release before outcomes (schema 0003) wrote, at `url` (see data/README.md).

    SQLite gets the release's own file; PostgreSQL gets the schema of 0003 and
    every row of that file copied in.
    """
    source = workdir / "release.db"
    source.write_bytes(gzip.decompress(RELEASE.read_bytes()))
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).write_bytes(source.read_bytes())
        return
    from backcare.storage.db import upgrade

    upgrade(url, "0003")
    reader, writer = create_engine(f"sqlite:///{source}"), create_engine(url)
    with reader.connect() as old, writer.begin() as new:
        tables = _tables(old)
        for table in tables.sorted_tables:
            rows = [dict(r) for r in old.execute(table.select()).mappings()]
            if rows:
                new.execute(table.insert(), rows)
            new.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                             f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table.name}\"), false)")
                        if "id" in table.columns else text("SELECT 1"))
    reader.dispose()
    writer.dispose()
