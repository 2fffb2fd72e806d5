"""homecare: the home programme, its link and keys, ticks, weekly check-ins, reminders, job locks

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(name: str, target: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=nullable)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "home_programmes", _id(), _fk("clinic_id", "clinics.id"), _fk("client_id", "clients.id"),
        _fk("episode_id", "episodes.id"), _fk("visit_id", "visits.id", nullable=True),
        sa.Column("items", sa.JSON(), nullable=False), sa.Column("kb_version", sa.String(40), nullable=False),
        _fk("created_by", "users.id"), _when("created_at"), sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_home_programmes_episode", "home_programmes", ["episode_id", "id"])
    op.create_table(
        "home_links", _id(), _fk("clinic_id", "clinics.id"), _fk("client_id", "clients.id"), _fk("episode_id", "episodes.id"),
        sa.Column("psfs_activity", sa.String(200), nullable=True), _fk("created_by", "users.id"), _when("created_at"),
        _when("expires_at"), _when("ended_at", nullable=True), _fk("ended_by", "users.id", nullable=True),
        sa.Column("end_reason", sa.String(20), nullable=False), sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_home_links_client", "home_links", ["client_id"])
    op.create_table(
        "home_link_keys", _id(), _fk("link_id", "home_links.id"), sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(10), nullable=False), _when("created_at"), sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_home_link_keys_token_hash"))
    op.create_table(
        "exercise_ticks", _id(), _fk("clinic_id", "clinics.id"), _fk("client_id", "clients.id"), _fk("episode_id", "episodes.id"),
        sa.Column("item", sa.String(60), nullable=False), sa.Column("done_on", sa.Date(), nullable=False), _when("created_at"),
        sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("client_id", "item", "done_on", name="uq_exercise_ticks_day"))
    op.create_index("ix_exercise_ticks_episode", "exercise_ticks", ["episode_id", "done_on"])
    op.create_table(
        "check_ins", _id(), _fk("clinic_id", "clinics.id"), _fk("client_id", "clients.id"), _fk("episode_id", "episodes.id"),
        _fk("link_id", "home_links.id", nullable=True), sa.Column("week_of", sa.Date(), nullable=False), _when("submitted_at"),
        sa.Column("answers", sa.JSON(), nullable=False), sa.Column("urgency", sa.String(10), nullable=False),
        sa.Column("screening", sa.JSON(), nullable=False), _when("acknowledged_at", nullable=True),
        _fk("acknowledged_by", "users.id", nullable=True), _when("clinic_alerted_at", nullable=True),
        sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("client_id", "week_of", name="uq_check_ins_week"))
    op.create_index("ix_check_ins_clinic_flagged", "check_ins", ["clinic_id", "acknowledged_at", "urgency"])
    op.create_index("ix_check_ins_episode", "check_ins", ["episode_id", "week_of"])
    op.create_table(
        "check_in_reminders", _id(), _fk("clinic_id", "clinics.id"), _fk("client_id", "clients.id"),
        _fk("link_id", "home_links.id"), sa.Column("week_of", sa.Date(), nullable=False), _when("sent_at"),
        sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("link_id", "week_of", name="uq_check_in_reminders_week"))
    op.create_table(
        "job_locks", sa.Column("name", sa.String(40), nullable=False), sa.Column("holder", sa.String(100), nullable=False),
        _when("held_until", nullable=True), sa.PrimaryKeyConstraint("name"))


def downgrade() -> None:
    op.drop_table("job_locks")
    op.drop_table("check_in_reminders")
    op.drop_index("ix_check_ins_episode", table_name="check_ins")
    op.drop_index("ix_check_ins_clinic_flagged", table_name="check_ins")
    op.drop_table("check_ins")
    op.drop_index("ix_exercise_ticks_episode", table_name="exercise_ticks")
    op.drop_table("exercise_ticks")
    op.drop_table("home_link_keys")
    op.drop_index("ix_home_links_client", table_name="home_links")
    op.drop_table("home_links")
    op.drop_index("ix_home_programmes_episode", table_name="home_programmes")
    op.drop_table("home_programmes")
