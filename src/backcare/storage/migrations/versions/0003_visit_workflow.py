"""visit workflow: autosaved drafts, clinic contact details and time zone, handout choice, form details

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column (no batch copy): on SQLite a batch copy of a table would
    # drop the triggers that keep the clients' search index current.
    op.add_column("clinics", sa.Column("address", sa.String(300), nullable=False, server_default=""))
    op.add_column("clinics", sa.Column("phone", sa.String(50), nullable=False, server_default=""))
    op.add_column("clinics", sa.Column("email", sa.String(254), nullable=False, server_default=""))
    op.add_column("clinics", sa.Column("website", sa.String(200), nullable=False, server_default=""))
    op.add_column("clinics", sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"))
    op.add_column("visits", sa.Column("handout_items", sa.JSON(), nullable=True))
    op.add_column("visits", sa.Column("details", sa.JSON(), nullable=True))
    op.add_column("visits", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "visit_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("therapist_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id"), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        # "" for a new visit, else the visit id: NULLs would never collide in the unique key.
        sa.Column("target", sa.String(20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audited_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("therapist_id", "client_id", "kind", "target", name="uq_visit_drafts_owner_target"),
    )
    op.create_index("ix_visit_drafts_client", "visit_drafts", ["client_id", "therapist_id"])


def downgrade() -> None:
    op.drop_index("ix_visit_drafts_client", table_name="visit_drafts")
    op.drop_table("visit_drafts")
    for column in ("updated_at", "details", "handout_items"):
        op.drop_column("visits", column)
    for column in ("timezone", "website", "email", "phone", "address"):
        op.drop_column("clinics", column)
