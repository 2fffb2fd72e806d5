"""Rows written a batch at a time, with their new ids (records.importing).

On PostgreSQL a batch goes in with COPY, its ids taken from the table's
sequence first. An INSERT of many rows with RETURNING is one statement with a
placeholder per value (thousands for a batch of visits): psycopg parses it
anew each time (it keeps only short statements) and so does the server, which
costs the import more than the rows themselves. COPY sends the values alone,
converted as an INSERT converts them (the column types' own bind processing,
such as JSON), and fires the same constraints and triggers. Elsewhere (SQLite),
INSERT ... RETURNING.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, text


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` (each with the same keys) into `table`; their ids, in order."""
    if not rows:
        return []
    if conn.dialect.name != "postgresql":
        return list(conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows).scalars())
    columns = list(rows[0])
    for column in table.columns:
        # COPY gives a missing column NULL, where an INSERT would give SQLAlchemy's default: none may be missing then.
        if column.name != "id" and column.name not in rows[0] and (column.default is not None or column.server_default is not None):
            raise ValueError(f"{table.name}.{column.name} has a default: give it in every row")
    convert = [table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for name in columns]
    ids = list(conn.execute(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                            {"table": table.name, "n": len(rows)}).scalars())
    names = ", ".join(conn.dialect.identifier_preparer.quote(name) for name in ["id", *columns])
    with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY {conn.dialect.identifier_preparer.quote(table.name)} ({names}) FROM STDIN") as copy:
            for row_id, row in zip(ids, rows):
                copy.write_row([row_id, *(value if to_db is None else to_db(value)
                                          for to_db, value in zip(convert, (row[name] for name in columns)))])
    return ids
