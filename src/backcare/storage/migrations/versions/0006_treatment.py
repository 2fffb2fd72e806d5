"""treatment: the treatment as given at each visit, consents, and the clinic's consent pack

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
# The lead chains this after the 0005 of whichever branch merges first.
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.add_column(sa.Column("consent_pack", sa.String(20), nullable=False, server_default=""))
    op.create_table(
        "treatment_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("given", sa.JSON(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("after_effects", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_id", name="uq_treatment_records_visit_id"),
    )
    op.create_index("ix_treatment_records_client", "treatment_records", ["client_id"])
    op.create_table(
        "treatment_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id"), nullable=True),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("pack", sa.String(20), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("elements", sa.JSON(), nullable=False),
        sa.Column("methods", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("techniques", sa.JSON(), nullable=False),
        sa.Column("signed_name", sa.String(200), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("witness", sa.String(200), nullable=False),
        sa.Column("taken_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_note", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_treatment_consents_client", "treatment_consents", ["client_id", "scope", "given_at"])
    op.create_index("ix_treatment_consents_visit", "treatment_consents", ["visit_id"])


def downgrade() -> None:
    op.drop_index("ix_treatment_consents_visit", table_name="treatment_consents")
    op.drop_index("ix_treatment_consents_client", table_name="treatment_consents")
    op.drop_table("treatment_consents")
    op.drop_index("ix_treatment_records_client", table_name="treatment_records")
    op.drop_table("treatment_records")
    with op.batch_alter_table("clinics") as batch:
        batch.drop_column("consent_pack")
