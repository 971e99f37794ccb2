"""keyed timeline hashes, incident seals and the register seal

Revision ID: 0012
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("timeline_event") as batch_op:
        batch_op.add_column(sa.Column("hash_scheme", sa.Integer(), nullable=True))
    with op.batch_alter_table("incident") as batch_op:
        batch_op.add_column(sa.Column("seal", sa.String(length=64), nullable=True))
    register_seal = op.create_table(
        "register_seal",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("state_digest", sa.String(length=64), nullable=True),
        sa.Column("key_check", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_seal")),
    )
    # An empty register starts sealed. A database with incidents gets its row when its first incident
    # is sealed (bot/store/sealing.py): until then its incidents are checked by the unkeyed chain only.
    if op.get_bind().execute(sa.text("SELECT COUNT(*) FROM incident")).scalar() == 0:
        op.execute(
            register_seal.insert().values(
                id=1, digest="0" * 64, state_digest="0" * 64, updated_at=sa.func.current_timestamp()
            )
        )


def downgrade() -> None:
    op.drop_table("register_seal")
    with op.batch_alter_table("incident") as batch_op:
        batch_op.drop_column("seal")
    with op.batch_alter_table("timeline_event") as batch_op:
        batch_op.drop_column("hash_scheme")
