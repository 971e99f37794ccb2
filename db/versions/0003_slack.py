"""slack face bookkeeping: seen event ids and incident setup progress

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_event_seen",
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_slack_event_seen")),
    )
    with op.batch_alter_table("slack_event_seen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_event_seen_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "slack_setup",
        sa.Column("incident_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reporter", sa.String(length=40), nullable=False),
        sa.Column("origin_channel", sa.String(length=40), nullable=True),
        sa.Column("channel_name", sa.String(length=80), nullable=True),
        sa.Column("reporter_invited", sa.Boolean(), nullable=False),
        sa.Column("team_invited", sa.Boolean(), nullable=False),
        sa.Column("summary_pinned", sa.Boolean(), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("failed_step", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_slack_setup_incident_id_incident")),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_slack_setup")),
    )


def downgrade() -> None:
    op.drop_table("slack_setup")
    with op.batch_alter_table("slack_event_seen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_event_seen_seen_at"))
    op.drop_table("slack_event_seen")
