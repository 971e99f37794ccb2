"""notice drafts, remedial actions, and the incident facts the ICO form and register need

Revision ID: 0005
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch_op:
        batch_op.add_column(sa.Column("likely_consequences", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("staff_involved", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cyber_incident", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("others_told", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("individuals_told_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("individuals_told_how", sa.Text(), nullable=True))
    op.create_table(
        "notice_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("assessment_version", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("unknowns", JSON, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("template_source", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_notice_draft_incident_id_incident")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_draft")),
        sa.UniqueConstraint("incident_id", "kind", "version", name=op.f("uq_notice_draft_incident_id_kind_version")),
    )
    with op.batch_alter_table("notice_draft") as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_draft_incident_id"), ["incident_id"], unique=False)
    op.create_table(
        "remedial_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("planned", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_remedial_action_incident_id_incident")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remedial_action")),
    )
    with op.batch_alter_table("remedial_action") as batch_op:
        batch_op.create_index(batch_op.f("ix_remedial_action_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    op.drop_table("remedial_action")
    op.drop_table("notice_draft")
    with op.batch_alter_table("incident") as batch_op:
        for column in (
            "individuals_told_how",
            "individuals_told_at",
            "others_told",
            "cyber_incident",
            "staff_involved",
            "likely_consequences",
        ):
            batch_op.drop_column(column)
