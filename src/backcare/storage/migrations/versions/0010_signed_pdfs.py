"""signed_pdfs: a signed visit's PDFs as last rendered (issue 19)

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signed_pdfs", sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False), sa.Column("content_key", sa.String(64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False), sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("visit_id", "kind", name="uq_signed_pdfs_visit_kind"))
    op.create_index("ix_signed_pdfs_created_at", "signed_pdfs", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_signed_pdfs_created_at", table_name="signed_pdfs")
    op.drop_table("signed_pdfs")
