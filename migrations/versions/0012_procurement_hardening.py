"""procurement: one pending requisition per purchase (partial unique index)

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

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    # duplicates left by the old race: keep the oldest pending requisition of each purchase
    op.execute(
        "UPDATE requisitions SET status = 'rejected', "
        "comment = 'Duplicate of an earlier requisition for the same purchase.' "
        "WHERE status = 'pending' AND id > (SELECT MIN(r.id) FROM requisitions r "
        "WHERE r.status = 'pending' AND r.kind = requisitions.kind "
        "AND r.object_id = requisitions.object_id)"
    )
    op.create_index(
        "uq_requisitions_pending_object",
        "requisitions",
        ["kind", "object_id"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("uq_requisitions_pending_object", table_name="requisitions")
