"""payments: money moves after the commit, through instructions a job executes

Payout instructions become payment instructions of every kind (capture, cancel, refund,
transfer beside the operator's wires), with an attempt number (part of the provider's
idempotency key), a claim lease, the provider's last error, the movement they wait for, and two
more states (failed, cancelled). Journal transactions name the provider movement they wait for
and, for a reversal, the transaction they take back.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite: batch mode rebuilds a table by dropping the old one, and with foreign keys on that
    drop deletes the rows of child tables (a transaction's journal entries) through ON DELETE
    CASCADE. The pragma works only outside a transaction, hence the autocommit block."""
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
    _foreign_keys(False)
    with op.batch_alter_table("payout_instructions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("after_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("attempt", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("last_error", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_payout_instructions_after_id_payout_instructions"),
            "payout_instructions",
            ["after_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_constraint(batch_op.f("ck_payout_instructions_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_payout_instructions_status"),
            "status in ('pending','executed','failed','cancelled')",
        )
    with op.batch_alter_table("payout_instructions", schema=None) as batch_op:
        batch_op.alter_column("attempt", server_default=None)
        batch_op.alter_column("last_error", server_default=None)
    with op.batch_alter_table("journal_transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("instruction_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_journal_transactions_instruction_id"), ["instruction_id"]
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_journal_transactions_reverses_id"), ["reverses_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_journal_transactions_instruction_id_payout_instructions"),
            "payout_instructions",
            ["instruction_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_journal_transactions_reverses_id_journal_transactions"),
            "journal_transactions",
            ["reverses_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    _foreign_keys(True)


def downgrade() -> None:
    # the old schema knows only pending and executed wires: refused and cancelled movements are
    # kept as executed ones would not be true, so they go (with the reversal links)
    _foreign_keys(False)
    with op.batch_alter_table("journal_transactions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_journal_transactions_reverses_id_journal_transactions"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_journal_transactions_instruction_id_payout_instructions"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("uq_journal_transactions_reverses_id"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_journal_transactions_instruction_id"))
        batch_op.drop_column("reverses_id")
        batch_op.drop_column("instruction_id")
    op.execute("DELETE FROM payout_instructions WHERE status IN ('failed','cancelled')")
    with op.batch_alter_table("payout_instructions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_payout_instructions_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_payout_instructions_status"), "status in ('pending','executed')"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_payout_instructions_after_id_payout_instructions"),
            type_="foreignkey",
        )
        batch_op.drop_column("last_error")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("attempt")
        batch_op.drop_column("after_id")
    _foreign_keys(True)
