"""search: changes the outbox shipped are kept a while, so a reindex replays those made during it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_shipped",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("shipped_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind in ('offer','company')", name=op.f("ck_search_shipped_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_shipped")),
    )
    with op.batch_alter_table("search_shipped", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_shipped_shipped_at"), ["shipped_at"])


def downgrade() -> None:
    with op.batch_alter_table("search_shipped", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_shipped_shipped_at"))
    op.drop_table("search_shipped")
