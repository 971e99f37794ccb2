"""incident roles: the incident lead and the DPO owner

Revision ID: 0009
Revises: 0001
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("lead_user_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("dpo_owner_user_id", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("dpo_owner_user_id")
        batch.drop_column("lead_user_id")
