"""register facts the ICO expects as their own columns: cause category, staff training, reasons for not
telling people, why each remedial action was taken, and the advice received

Revision ID: 0010
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch_op:
        batch_op.add_column(sa.Column("cause_category", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("staff_training", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reasons_not_told", sa.Text(), nullable=True))
    with op.batch_alter_table("remedial_action") as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
    op.create_table(
        "advice_received",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("adviser", sa.String(length=200), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_advice_received_incident_id", "advice_received", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_advice_received_incident_id", table_name="advice_received")
    op.drop_table("advice_received")
    with op.batch_alter_table("remedial_action") as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("incident") as batch_op:
        batch_op.drop_column("reasons_not_told")
        batch_op.drop_column("staff_training")
        batch_op.drop_column("cause_category")
