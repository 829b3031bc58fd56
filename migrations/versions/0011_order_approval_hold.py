"""procurement: orders above the spending limit wait for approval; one pending requisition each

Orders get two states the seller never sees (awaiting_approval, rejected_internally) and
requisitions a third kind (order). A partial unique index keeps one pending requisition per
purchase; duplicates left by the old race keep the oldest (the others are closed as rejected).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
ORDER_STATES = (
    "'placed','confirmed','rejected','cancelled','funded','shipped','delivered','completed',"
    "'disputed','resolved','refunded'"
)
HELD_STATES = "'awaiting_approval','rejected_internally'"


def _foreign_keys(on: bool) -> None:
    """SQLite: batch mode rebuilds a table by dropping the old one, and with foreign keys on that
    drop deletes the rows of every child table (an order's lines, events, documents) through ON
    DELETE CASCADE. The pragma works only outside a transaction, hence the autocommit block."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if on:
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by the migration: {problems[:5]}")


def _checks(order_states: str, requisition_kinds: str) -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_orders_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_orders_status"), f"status in ({order_states})"
        )
    with op.batch_alter_table("requisitions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_requisitions_kind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_requisitions_kind"), f"kind in ({requisition_kinds})"
        )


def upgrade() -> None:
    _foreign_keys(False)
    _checks(f"{HELD_STATES},{ORDER_STATES}", "'quote','tender','order'")
    _foreign_keys(True)
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
    # the old schema cannot hide an order from its seller: held orders (never sent) and their
    # requisitions are removed rather than shown to a seller who was never told of them
    op.drop_index("uq_requisitions_pending_object", table_name="requisitions")
    op.execute("DELETE FROM requisitions WHERE kind = 'order'")
    op.execute(f"DELETE FROM orders WHERE status IN ({HELD_STATES})")
    _foreign_keys(False)
    _checks(ORDER_STATES, "'quote','tender'")
    _foreign_keys(True)
