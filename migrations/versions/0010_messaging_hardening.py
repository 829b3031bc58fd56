"""messaging: notifications settled without e-mail are never mailed later

A notification created while its person chose "never" (or sent without e-mail) is marked
email_skipped, so a later digest does not mail it. Existing unmailed notifications of people who
chose "never" are settled that way too.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding a column needs no table rebuild on SQLite, so the cascading foreign keys of other
    # tables are never touched.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_skipped", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE notifications SET email_skipped = TRUE WHERE emailed_at IS NULL AND user_id IN "
        "(SELECT user_id FROM messaging_settings WHERE email_mode = 'never')"
    )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("email_skipped")
