"""listings: (reserved slot in the chain; filled by the change that needs it)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
