"""intake: links a client opens without an account, and what they send

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("instruments", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_intake_links_token_hash"),
    )
    op.create_index("ix_intake_links_client", "intake_links", ["client_id"])
    op.create_table(
        "intakes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("intake_links.id"), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("case", sa.JSON(), nullable=False),
        sa.Column("urgency", sa.String(10), nullable=False),
        sa.Column("screening", sa.JSON(), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intakes_clinic_pending", "intakes", ["clinic_id", "visit_id", "urgency"])
    op.create_index("ix_intakes_client", "intakes", ["client_id", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_intakes_client", table_name="intakes")
    op.drop_index("ix_intakes_clinic_pending", table_name="intakes")
    op.drop_table("intakes")
    op.drop_index("ix_intake_links_client", table_name="intake_links")
    op.drop_table("intake_links")
