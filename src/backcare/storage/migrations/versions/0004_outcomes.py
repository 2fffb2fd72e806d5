"""outcomes: episodes of care, questionnaire responses, referral letters, client mode and PINs

Revision ID: 0004
Revises: 0003
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("discharge_reason", sa.String(40), nullable=False, server_default=""),
        sa.Column("discharge_note", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_episodes_client", "episodes", ["client_id", "started_on"])
    op.create_table(
        "questionnaire_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("episode_id", sa.Integer(), sa.ForeignKey("episodes.id"), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id"), nullable=True),
        sa.Column("instrument", sa.String(20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("entered_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("kb_version", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_questionnaires_client", "questionnaire_responses", ["client_id", "instrument", "answered_on"])
    op.create_table(
        "referral_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("addressee", sa.String(300), nullable=False),
        sa.Column("urgency", sa.String(10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_referral_letters_visit", "referral_letters", ["visit_id"])
    # SQLite adds a foreign key only by copying the table (batch); the visits table has no triggers to lose.
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("episode_id", sa.Integer(), sa.ForeignKey("episodes.id", name="fk_visits_episode_id"),
                                   nullable=True))
    op.create_index("ix_visits_episode", "visits", ["episode_id", "visit_date"])
    op.add_column("login_sessions", sa.Column("client_mode", sa.JSON(), nullable=True))
    op.add_column("users", sa.Column("pin_hash", sa.String(200), nullable=True))

    # Every client with visits gets one open episode holding them all.
    bind = op.get_bind()
    visits = sa.table("visits", sa.column("id"), sa.column("client_id"), sa.column("clinic_id"), sa.column("visit_date"),
                      sa.column("episode_id"))
    episodes = sa.table("episodes", sa.column("id"), sa.column("clinic_id"), sa.column("client_id"), sa.column("started_on"),
                        sa.column("created_at"))
    first = (sa.select(visits.c.client_id, visits.c.clinic_id, sa.func.min(visits.c.visit_date).label("first"))
             .group_by(visits.c.client_id, visits.c.clinic_id))
    now = datetime.now(timezone.utc)
    for row in bind.execute(first).all():
        episode_id = bind.execute(episodes.insert().values(clinic_id=row.clinic_id, client_id=row.client_id,
                                                           started_on=row.first, created_at=now)
                                  .returning(episodes.c.id)).scalar_one()
        bind.execute(visits.update().where(visits.c.client_id == row.client_id).values(episode_id=episode_id))


def downgrade() -> None:
    op.drop_column("users", "pin_hash")
    op.drop_column("login_sessions", "client_mode")
    op.drop_index("ix_visits_episode", table_name="visits")
    with op.batch_alter_table("visits") as batch:
        batch.drop_constraint("fk_visits_episode_id", type_="foreignkey")
        batch.drop_column("episode_id")
    op.drop_index("ix_referral_letters_visit", table_name="referral_letters")
    op.drop_table("referral_letters")
    op.drop_index("ix_questionnaires_client", table_name="questionnaire_responses")
    op.drop_table("questionnaire_responses")
    op.drop_index("ix_episodes_client", table_name="episodes")
    op.drop_table("episodes")
