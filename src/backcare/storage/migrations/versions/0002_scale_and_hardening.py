"""scale and hardening: indexed client list and search, visit summaries, rate limits in the database

Revision ID: 0002
Revises: 0001
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _norm(text: str | None) -> str:
    # The same normalisation as backcare.records.clients.normalise (kept here so a
    # migration never changes when the application code does).
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("name_norm", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("search_norm", sa.String(500), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_visit_date", sa.Date(), nullable=True))
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("referral", sa.String(10), nullable=False, server_default="none"))
        batch.add_column(sa.Column("lead_condition", sa.String(100), nullable=False, server_default=""))
    op.create_table(
        "rate_limit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    # Fill the new columns from what is there.
    bind = op.get_bind()
    clients = sa.table("clients", sa.column("id"), sa.column("name"), sa.column("email"), sa.column("phone"),
                       sa.column("name_norm"), sa.column("search_norm"), sa.column("last_visit_date"))
    visits = sa.table("visits", sa.column("id"), sa.column("client_id"), sa.column("visit_date"),
                      sa.column("assessment", sa.JSON), sa.column("referral"), sa.column("lead_condition"))
    for row in bind.execute(sa.select(clients.c.id, clients.c.name, clients.c.email, clients.c.phone)).all():
        digits = "".join(ch for ch in row.phone or "" if ch.isdigit())
        bind.execute(clients.update().where(clients.c.id == row.id).values(
            name_norm=_norm(row.name), search_norm=" ".join(x for x in (_norm(row.name), _norm(row.email), digits) if x)))
    latest = sa.select(visits.c.client_id, sa.func.max(visits.c.visit_date).label("last")).group_by(visits.c.client_id)
    for row in bind.execute(latest).all():
        bind.execute(clients.update().where(clients.c.id == row.client_id).values(last_visit_date=row.last))
    for row in bind.execute(sa.select(visits.c.id, visits.c.assessment)).all():
        assessment = row.assessment or {}
        lead = (assessment.get("differential") or [{}])[0].get("name", "")[:100]
        bind.execute(visits.update().where(visits.c.id == row.id).values(
            referral=(assessment.get("referral") or {}).get("urgency", "none"), lead_condition=lead))

    if bind.dialect.name == "postgresql":
        # Byte order for the normalised name, so that a prefix is one index range
        # whatever the server's locale (and sorting matches SQLite's).
        op.execute('ALTER TABLE clients ALTER COLUMN name_norm TYPE varchar(200) COLLATE "C"')
    op.create_index("ix_audit_clinic_id_desc", "audit_events", ["clinic_id", "id"])
    op.create_index("ix_clients_clinic_name", "clients", ["clinic_id", "name_norm", "id"])
    op.create_index("ix_visits_client_date", "visits", ["client_id", "visit_date", "id"])
    op.create_index("ix_rate_limit_key_at", "rate_limit_events", ["key", "at"])

    if bind.dialect.name == "postgresql":
        # Substring search through a trigram index, where the server has pg_trgm
        # (Debian's PostgreSQL does; a managed service may need it enabled).
        has_trgm = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
        if has_trgm:
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            op.execute("CREATE INDEX ix_clients_search_trgm ON clients USING gin (search_norm gin_trgm_ops)")
    elif bind.dialect.name == "sqlite":
        # SQLite's FTS5 trigram tokenizer answers LIKE '%...%' from an index;
        # triggers keep it in step with the clients table.
        op.execute("CREATE VIRTUAL TABLE clients_search USING fts5(search_norm, content='clients', "
                   "content_rowid='id', tokenize='trigram')")
        op.execute("INSERT INTO clients_search(rowid, search_norm) SELECT id, search_norm FROM clients")
        op.execute("CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN "
                   "INSERT INTO clients_search(rowid, search_norm) VALUES (new.id, new.search_norm); END")
        op.execute("CREATE TRIGGER clients_search_delete AFTER DELETE ON clients BEGIN "
                   "INSERT INTO clients_search(clients_search, rowid, search_norm) VALUES ('delete', old.id, old.search_norm); END")
        op.execute("CREATE TRIGGER clients_search_update AFTER UPDATE OF search_norm ON clients BEGIN "
                   "INSERT INTO clients_search(clients_search, rowid, search_norm) VALUES ('delete', old.id, old.search_norm); "
                   "INSERT INTO clients_search(rowid, search_norm) VALUES (new.id, new.search_norm); END")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("clients_search_insert", "clients_search_delete", "clients_search_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS clients_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_clients_search_trgm")
    op.drop_index("ix_rate_limit_key_at", "rate_limit_events")
    op.drop_index("ix_visits_client_date", "visits")
    op.drop_index("ix_clients_clinic_name", "clients")
    op.drop_index("ix_audit_clinic_id_desc", "audit_events")
    op.drop_table("rate_limit_events")
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("lead_condition")
        batch.drop_column("referral")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("last_visit_date")
        batch.drop_column("search_norm")
        batch.drop_column("name_norm")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
