"""procurement: tenders list items (sealed tenders 1-50, auctions one); sealed bids price each item

Every existing tender becomes one item (the tender's title, quantity and unit); every existing
sealed bid's unit price becomes its price for that item. Auction bids keep their one unit price.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite: batch mode rebuilds a table by dropping the old one, and with foreign keys on that
    drop deletes the rows of every child table (invitations, bids, items) through ON DELETE
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


def upgrade():
    _foreign_keys(False)
    op.create_table('tender_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.CheckConstraint('position > 0', name=op.f('ck_tender_items_position_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_tender_items_quantity_positive')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_tender_items_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_items')),
    sa.UniqueConstraint('tender_id', 'position', name=op.f('uq_tender_items_tender_id_position'))
    )
    with op.batch_alter_table('tender_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_items_tender_id'), ['tender_id'], unique=False)

    op.create_table('bid_lines',
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('unit_price > 0', name=op.f('ck_bid_lines_unit_price_positive')),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_bid_lines_bid_id_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['tender_items.id'], name=op.f('fk_bid_lines_item_id_tender_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('bid_id', 'item_id', name=op.f('pk_bid_lines'))
    )
    with op.batch_alter_table('bid_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_lines_item_id'), ['item_id'], unique=False)

    # data: one item per existing tender, one line per existing sealed bid
    op.execute(
        "INSERT INTO tender_items (tender_id, position, description, quantity, unit) "
        "SELECT id, 1, title, quantity, unit FROM tenders"
    )
    op.execute(
        "INSERT INTO bid_lines (bid_id, item_id, unit_price) "
        "SELECT bids.id, tender_items.id, bids.unit_price FROM bids "
        "JOIN tenders ON tenders.id = bids.tender_id "
        "JOIN tender_items ON tender_items.tender_id = tenders.id "
        "WHERE tenders.kind = 'sealed'"
    )

    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.alter_column('unit_price', existing_type=sa.BigInteger(), nullable=True)
    op.execute(
        "UPDATE bids SET unit_price = NULL WHERE tender_id IN "
        "(SELECT id FROM tenders WHERE kind = 'sealed')"
    )

    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_tenders_quantity_positive'), type_='check')
        batch_op.drop_column('quantity')
        batch_op.drop_column('unit')
    _foreign_keys(True)


def downgrade():
    # a tender keeps its first item; a sealed bid keeps its price for that item
    _foreign_keys(False)
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit', sa.String(length=20), nullable=False, server_default='pcs'))
        batch_op.add_column(sa.Column('quantity', sa.Integer(), nullable=False, server_default='1'))
    op.execute(
        "UPDATE tenders SET "
        "quantity = (SELECT quantity FROM tender_items WHERE tender_items.tender_id = tenders.id "
        "AND tender_items.position = 1), "
        "unit = (SELECT unit FROM tender_items WHERE tender_items.tender_id = tenders.id "
        "AND tender_items.position = 1) "
        "WHERE EXISTS (SELECT 1 FROM tender_items WHERE tender_items.tender_id = tenders.id)"
    )
    op.execute(
        "UPDATE bids SET unit_price = (SELECT bid_lines.unit_price FROM bid_lines "
        "JOIN tender_items ON tender_items.id = bid_lines.item_id "
        "WHERE bid_lines.bid_id = bids.id AND tender_items.position = 1) "
        "WHERE unit_price IS NULL"
    )
    op.execute("DELETE FROM bids WHERE unit_price IS NULL")
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.alter_column('unit', server_default=None)
        batch_op.alter_column('quantity', server_default=None)
        batch_op.create_check_constraint(batch_op.f('ck_tenders_quantity_positive'), 'quantity > 0')
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.alter_column('unit_price', existing_type=sa.BigInteger(), nullable=False)

    with op.batch_alter_table('bid_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_lines_item_id'))
    op.drop_table('bid_lines')
    with op.batch_alter_table('tender_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_items_tender_id'))
    op.drop_table('tender_items')
    _foreign_keys(True)
