"""client details, clinic settings, intake acknowledgement and revocation, discharged clients, audit filters

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column (no batch copy): a batch copy would rewrite whole tables of clinical records.
    op.add_column("clinics", sa.Column("locale", sa.String(20), nullable=False, server_default="en_GB"))
    op.add_column("clinics", sa.Column("idle_minutes", sa.Integer(), nullable=False, server_default="90"))
    for name, kind in (("sex", sa.String(10)), ("address", sa.String(300)), ("family_doctor", sa.String(200)),
                       ("family_doctor_contact", sa.String(300)), ("emergency_contact", sa.String(300)),
                       ("occupation", sa.String(200)), ("medications", sa.Text()), ("allergies", sa.Text())):
        op.add_column("clients", sa.Column(name, kind, nullable=True))
    op.add_column("clients", sa.Column("discharged_on", sa.Date(), nullable=True))
    op.add_column("intakes", sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("intakes", sa.Column("acknowledged_by", sa.Integer(), nullable=True))
    op.add_column("intakes", sa.Column("acknowledgement", sa.Text(), nullable=True))
    op.add_column("intake_links", sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    # A client discharged since their last episode closed: kept on the client row, so the list filters by an index.
    op.execute("""UPDATE clients SET discharged_on = (
        SELECT e.closed_on FROM episodes e WHERE e.client_id = clients.id
        AND NOT EXISTS (SELECT 1 FROM episodes o WHERE o.client_id = e.client_id AND o.closed_on IS NULL)
        ORDER BY e.closed_on DESC LIMIT 1)""")
    op.create_index("ix_clients_clinic_discharged", "clients", ["clinic_id", "discharged_on", "name_norm", "id"])
    # The audit log narrowed to one person or one client stays an index range at a million events.
    op.create_index("ix_audit_clinic_client", "audit_events", ["clinic_id", "client_id", "id"])
    op.create_index("ix_audit_clinic_user", "audit_events", ["clinic_id", "user_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_clinic_user", table_name="audit_events")
    op.drop_index("ix_audit_clinic_client", table_name="audit_events")
    op.drop_index("ix_clients_clinic_discharged", table_name="clients")
    with op.batch_alter_table("intake_links") as batch:
        batch.drop_column("revoked_at")
    with op.batch_alter_table("intakes") as batch:
        for name in ("acknowledgement", "acknowledged_by", "acknowledged_at"):
            batch.drop_column(name)
    with op.batch_alter_table("clients") as batch:
        for name in ("discharged_on", "allergies", "medications", "occupation", "emergency_contact", "family_doctor_contact",
                     "family_doctor", "address", "sex"):
            batch.drop_column(name)
    with op.batch_alter_table("clinics") as batch:
        batch.drop_column("idle_minutes")
        batch.drop_column("locale")
