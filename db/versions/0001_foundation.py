"""foundation organisation incidents timeline

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 06:16:19.714406
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("ref_year", sa.Integer(), nullable=False),
        sa.Column("ref_number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("discovered_how", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "regimes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_processor", sa.Boolean(), nullable=False),
        sa.Column("controller_name", sa.String(length=200), nullable=True),
        sa.Column("near_miss", sa.Boolean(), nullable=False),
        sa.Column("next_deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("delay_reasons", sa.Text(), nullable=True),
        sa.Column("ico_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ico_case_ref", sa.String(length=60), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_outcome", sa.String(length=60), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.Column("slack_channel_id", sa.String(length=40), nullable=True),
        sa.Column("slack_summary_ts", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timeline_count", sa.Integer(), nullable=False),
        sa.Column("timeline_head", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("ref", name=op.f("uq_incident_ref")),
        sa.UniqueConstraint("ref_year", "ref_number", name=op.f("uq_incident_ref_year_ref_number")),
        sa.UniqueConstraint("source_key", name=op.f("uq_incident_source_key")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_next_deadline_at"), ["next_deadline_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_status"), ["status"], unique=False)

    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("ico_registration", sa.String(length=40), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("dpo_name", sa.String(length=200), nullable=True),
        sa.Column("dpo_email", sa.String(length=320), nullable=True),
        sa.Column("dpo_phone", sa.String(length=40), nullable=True),
        sa.Column("dpo_address", sa.Text(), nullable=True),
        sa.Column(
            "regimes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_processor", sa.Boolean(), nullable=False),
        sa.Column(
            "data_categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "processors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    op.create_table(
        "ref_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_ref_counter")),
    )
    op.create_table(
        "timeline_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_timeline_event_incident_id_incident")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_event")),
        sa.UniqueConstraint("incident_id", "seq", name=op.f("uq_timeline_event_incident_id_seq")),
    )
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timeline_event_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeline_event_incident_id"))

    op.drop_table("timeline_event")
    op.drop_table("ref_counter")
    op.drop_table("organisation")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_status"))
        batch_op.drop_index(batch_op.f("ix_incident_next_deadline_at"))

    op.drop_table("incident")
