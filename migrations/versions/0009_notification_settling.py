"""messaging: notifications settled without e-mail; meetings remember they went into calendars

A notification created while its person chose "never" (or sent without e-mail) is marked
email_skipped, so a later digest does not mail it. Existing unmailed notifications of people who
chose "never" are settled that way too.

meetings.invited_at is set when a meeting is first accepted; from then on moves and
cancellations are sent as .ics updates. Meetings accepted so far (an accepted slot is recorded)
take their last change as that time.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite: dropping a column rebuilds the table, and with foreign keys on, dropping the old
    meetings table deletes its slots and notifications through ON DELETE CASCADE. The pragma
    works only outside a transaction, hence the autocommit block."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if on:
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by the migration: {problems[:5]}")


def upgrade() -> None:
    # Adding columns needs no table rebuild on SQLite, so no cascade can fire here.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_skipped", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE notifications SET email_skipped = TRUE WHERE emailed_at IS NULL AND user_id IN "
        "(SELECT user_id FROM messaging_settings WHERE email_mode = 'never')"
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE meetings SET invited_at = updated_at WHERE accepted_slot_id IS NOT NULL")


def downgrade() -> None:
    _foreign_keys(False)
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("invited_at")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("email_skipped")
    _foreign_keys(True)
