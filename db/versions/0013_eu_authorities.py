"""EU GDPR beside UK GDPR: the organisation's EU position and each incident's EEA countries and reports

Revision ID: 0013
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch_op:
        batch_op.add_column(sa.Column("eu_gdpr", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("eu_main_establishment", sa.String(2), nullable=True))
        batch_op.add_column(sa.Column("eu_representative", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("eu_de_authority", sa.String(200), nullable=True))
    with op.batch_alter_table("incident") as batch_op:
        batch_op.add_column(sa.Column("eu_countries", JSON, nullable=True))
        batch_op.add_column(sa.Column("eu_basis", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("eu_reports", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch_op:
        batch_op.drop_column("eu_reports")
        batch_op.drop_column("eu_basis")
        batch_op.drop_column("eu_countries")
    with op.batch_alter_table("organisation") as batch_op:
        batch_op.drop_column("eu_de_authority")
        batch_op.drop_column("eu_representative")
        batch_op.drop_column("eu_main_establishment")
        batch_op.drop_column("eu_gdpr")
