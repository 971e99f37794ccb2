"""deadline alerts: planned alerts, alert plans, sweeper heartbeats

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
LIVE = sa.text("state IN ('pending', 'claimed')")


def upgrade() -> None:
    op.create_table(
        "alert_plan",
        sa.Column("incident_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped", JSON, nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_alert_plan_incident_id_incident")),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_alert_plan")),
    )
    op.create_table(
        "planned_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("regime", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.String(length=40), nullable=True),
        sa.Column("channel_ts", sa.String(length=40), nullable=True),
        sa.Column("privacy_channel_id", sa.String(length=40), nullable=True),
        sa.Column("privacy_ts", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("missed", JSON, nullable=True),
        sa.Column("snooze_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_planned_alert_incident_id_incident")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_alert")),
        sa.UniqueConstraint(
            "incident_id",
            "generation",
            "regime",
            "kind",
            "step",
            name=op.f("uq_planned_alert_incident_id_generation_regime_kind_step"),
        ),
    )
    with op.batch_alter_table("planned_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_planned_alert_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            "ix_planned_alert_ready",
            ["next_attempt_at", "incident_id"],
            unique=False,
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        )

    op.create_table(
        "sweeper_heartbeat",
        sa.Column("worker_id", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_stats", JSON, nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_sweeper_heartbeat")),
    )
    with op.batch_alter_table("sweeper_heartbeat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sweeper_heartbeat_last_run_at"), ["last_run_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sweeper_heartbeat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sweeper_heartbeat_last_run_at"))
    op.drop_table("sweeper_heartbeat")
    with op.batch_alter_table("planned_alert", schema=None) as batch_op:
        batch_op.drop_index("ix_planned_alert_ready")
        batch_op.drop_index(batch_op.f("ix_planned_alert_due_at"))
    op.drop_table("planned_alert")
    op.drop_table("alert_plan")
