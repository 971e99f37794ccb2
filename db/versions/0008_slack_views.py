"""slack views: each place in Slack that shows an incident (and each privacy-team App Home), and the
last timeline event it showed

Revision ID: 0008
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_view",
        sa.Column("incident_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel_id", sa.String(length=40), nullable=True),
        sa.Column("ts", sa.String(length=40), nullable=True),
        sa.Column("shown_seq", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("refresh_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("busy_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_slack_view_incident_id_incident")),
        sa.PrimaryKeyConstraint("incident_id", "kind", name=op.f("pk_slack_view")),
    )
    with op.batch_alter_table("slack_view", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_view_refresh_at"), ["refresh_at"], unique=False)

    op.create_table(
        "slack_home_view",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("team_id", sa.String(length=40), nullable=True),
        sa.Column("shown_events", sa.Integer(), nullable=False),
        sa.Column("refresh_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("busy_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_slack_home_view")),
    )
    with op.batch_alter_table("slack_home_view", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_home_view_opened_at"), ["opened_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_home_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_home_view_opened_at"))
    op.drop_table("slack_home_view")
    with op.batch_alter_table("slack_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_view_refresh_at"))
    op.drop_table("slack_view")
