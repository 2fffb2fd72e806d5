"""records for years: the audit log as a hash chain per clinic, list reads summarised; client identifiers and imported visits

Revision ID: 0009
Revises: 0008
"""
import hashlib
import json
import uuid
from datetime import timezone

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _event_hash(prev_hash, clinic_id, seq, at, user_id, action, client_id, visit_id, detail, clients):
    # A copy of backcare.records.chain.event_hash as it was when this migration was written:
    # the events chained here must verify with that function.
    at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    fields = [clinic_id, seq, at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), user_id, action, client_id, visit_id, detail, clients]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def _chain_existing_events(bind) -> None:
    events = sa.table("audit_events", sa.column("id"), sa.column("clinic_id"), sa.column("at", sa.DateTime(timezone=True)),
                      sa.column("user_id"), sa.column("action"), sa.column("client_id"), sa.column("visit_id"),
                      sa.column("detail"), sa.column("seq"), sa.column("prev_hash"), sa.column("hash"))
    heads = sa.table("audit_heads", sa.column("clinic_id"), sa.column("seq"), sa.column("hash"))
    for (clinic_id,) in bind.execute(sa.text("SELECT id FROM clinics ORDER BY id")).all():
        seq, prev, after = 0, GENESIS, 0
        while True:
            rows = bind.execute(sa.select(events).where(events.c.clinic_id == clinic_id, events.c.id > after)
                                .order_by(events.c.id).limit(5000)).all()
            if not rows:
                break
            updates = []
            for row in rows:
                seq += 1
                digest = _event_hash(prev, clinic_id, seq, row.at, row.user_id, row.action, row.client_id, row.visit_id,
                                     row.detail or "", None)
                updates.append({"row_id": row.id, "seq": seq, "prev_hash": prev, "hash": digest})
                prev = digest
            bind.execute(events.update().where(events.c.id == sa.bindparam("row_id"))
                         .values(seq=sa.bindparam("seq"), prev_hash=sa.bindparam("prev_hash"), hash=sa.bindparam("hash")),
                         updates)
            after = rows[-1].id
        bind.execute(heads.insert().values(clinic_id=clinic_id, seq=seq, hash=prev))
    # Events of no clinic cannot be chained; there should be none (clinic_id is required).


def _audit_references(bind) -> list[str]:
    """The names of audit_events' foreign keys to clients and visits (unnamed in 0001, so named by the database)."""
    return [fk["name"] for fk in sa.inspect(bind).get_foreign_keys("audit_events")
            if fk["referred_table"] in ("clients", "visits")]


def _identify_clients(bind) -> None:
    clients = sa.table("clients", sa.column("id"), sa.column("identifier"))
    ids = [row.id for row in bind.execute(sa.select(clients.c.id)).all()]
    for start in range(0, len(ids), 5000):
        bind.execute(clients.update().where(clients.c.id == sa.bindparam("row_id")).values(identifier=sa.bindparam("value")),
                     [{"row_id": i, "value": str(uuid.uuid4())} for i in ids[start:start + 5000]])


def upgrade() -> None:
    bind = op.get_bind()
    # Added in place (no table copy on SQLite, which would drop the search index's triggers), then filled.
    op.add_column("clients", sa.Column("identifier", sa.String(64), nullable=False, server_default=""))
    _identify_clients(bind)
    op.create_index("uq_clients_clinic_identifier", "clients", ["clinic_id", "identifier"], unique=True)
    op.add_column("visits", sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("login_sessions", sa.Column("unlock_attempts", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_allowed", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "known_devices",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", "user_id"),
    )
    op.create_index("ix_known_devices_user_id", "known_devices", ["user_id"])
    _records_law()
    op.create_table(
        "audit_heads",
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("clinic_id"),
    )
    op.add_column("audit_events", sa.Column("clients", sa.JSON(), nullable=True))
    op.add_column("audit_events", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("audit_events", sa.Column("hash", sa.String(64), nullable=True))
    _chain_existing_events(bind)
    # The log outlives the records it names (a record destroyed after its retention): plain ids, no references.
    if bind.dialect.name == "sqlite":
        convention = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
        references = [fk for fk in sa.inspect(bind).get_foreign_keys("audit_events") if fk["referred_table"] in ("clients", "visits")]
        with op.batch_alter_table("audit_events", naming_convention=convention) as batch:
            for fk in references:
                # 0001 left them unnamed (the convention names them); a downgrade names them.
                batch.drop_constraint(fk["name"] or f"fk_audit_events_{fk['constrained_columns'][0]}_{fk['referred_table']}",
                                      type_="foreignkey")
            for column in ("seq", "prev_hash", "hash"):
                batch.alter_column(column, nullable=False)
            batch.create_unique_constraint("uq_audit_events_clinic_seq", ["clinic_id", "seq"])
    else:
        for name in _audit_references(bind):
            op.drop_constraint(name, "audit_events", type_="foreignkey")
        for column in ("seq", "prev_hash", "hash"):
            op.alter_column("audit_events", column, nullable=False)
        op.create_unique_constraint("uq_audit_events_clinic_seq", "audit_events", ["clinic_id", "seq"])


def _records_law() -> None:
    op.add_column("clinics", sa.Column("jurisdiction", sa.String(20), nullable=False, server_default="CA-ON"))
    op.create_table(
        "record_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("closed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_record_requests_client_id", "record_requests", ["client_id"])
    op.create_table(
        "record_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id"), nullable=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("record_requests.id"), nullable=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("part", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_record_corrections_client_id", "record_corrections", ["client_id"])
    op.create_table(
        "destroyed_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("former_client_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("first_entry", sa.Date(), nullable=False),
        sa.Column("last_entry", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("kept_until", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(300), nullable=False),
        sa.Column("approved_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_destroyed_records_clinic_id", "destroyed_records", ["clinic_id"])
    op.create_table(
        "breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("discovered_on", sa.Date(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("clients_affected", sa.Integer(), nullable=False),
        sa.Column("containment", sa.Text(), nullable=False),
        sa.Column("clients_notified_on", sa.Date(), nullable=True),
        sa.Column("regulator_notified_on", sa.Date(), nullable=True),
        sa.Column("college_notified_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_breaches_clinic_id", "breaches", ["clinic_id"])


def downgrade() -> None:
    for table in ("breaches", "destroyed_records", "record_corrections", "record_requests"):
        for index in sa.inspect(op.get_bind()).get_indexes(table):
            op.drop_index(index["name"], table_name=table)
        op.drop_table(table)
    op.execute("ALTER TABLE clinics DROP COLUMN jurisdiction")
    # Events naming records destroyed since cannot point at them any more.
    op.execute("UPDATE audit_events SET client_id = NULL WHERE client_id NOT IN (SELECT id FROM clients)")
    op.execute("UPDATE audit_events SET visit_id = NULL WHERE visit_id NOT IN (SELECT id FROM visits)")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint("uq_audit_events_clinic_seq", type_="unique")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
        batch.drop_column("clients")
        batch.create_foreign_key("audit_events_client_id_fkey", "clients", ["client_id"], ["id"])
        batch.create_foreign_key("audit_events_visit_id_fkey", "visits", ["visit_id"], ["id"])
    op.drop_table("audit_heads")
    op.drop_index("ix_known_devices_user_id", table_name="known_devices")
    op.drop_table("known_devices")
    op.drop_table("login_throttle")
    op.execute("ALTER TABLE login_sessions DROP COLUMN unlock_attempts")
    op.drop_index("uq_clients_clinic_identifier", table_name="clients")
    # SQLite drops a plain column in place (3.35+): copying clients would lose the search index's triggers.
    op.execute("ALTER TABLE visits DROP COLUMN imported_at")
    op.execute("ALTER TABLE clients DROP COLUMN identifier")
