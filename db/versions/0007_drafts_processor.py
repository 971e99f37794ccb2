"""facts the drafts need (measures in place, the account for the people affected), when each remedial
action happened, and the processor path (when and how the controller was told, a contractual deadline)

Revision ID: 0007
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch_op:
        batch_op.add_column(sa.Column("measures_in_place", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("public_description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("public_consequences", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("public_measures", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("controller_told_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("controller_told_how", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("contract_hours", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fact_times", JSON, nullable=True))
    with op.batch_alter_table("remedial_action") as batch_op:
        batch_op.add_column(sa.Column("happened_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("remedial_action") as batch_op:
        batch_op.drop_column("happened_at")
    with op.batch_alter_table("incident") as batch_op:
        for column in (
            "fact_times",
            "contract_hours",
            "controller_told_how",
            "controller_told_at",
            "public_measures",
            "public_consequences",
            "public_description",
            "measures_in_place",
        ):
            batch_op.drop_column(column)
