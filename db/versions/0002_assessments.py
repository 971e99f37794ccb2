"""triage assessments and overrides

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("answered_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_assessment_incident_id_incident")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint("incident_id", "version", name=op.f("uq_assessment_incident_id_version")),
    )
    with op.batch_alter_table("assessment") as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_incident_id"), ["incident_id"], unique=False)
    op.create_table(
        "assessment_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("notify_ico", sa.Boolean(), nullable=False),
        sa.Column("notify_individuals", sa.Boolean(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"], name=op.f("fk_assessment_override_assessment_id_assessment")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_assessment_override_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_override")),
    )
    with op.batch_alter_table("assessment_override") as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_override_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    op.drop_table("assessment_override")
    op.drop_table("assessment")
