"""orders: correcting invoices (FK series) for the part refunded when a dispute is split

Order documents gain the kind "correction" and the gross amount a correcting invoice takes off;
the invoice counters gain a series (FV invoices, FK correcting invoices), each gapless per seller
and year. Existing counters are the FV series.

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

KINDS_BEFORE = "kind in ('confirmation','proforma','invoice')"
KINDS_AFTER = "kind in ('confirmation','proforma','invoice','correction')"


def upgrade() -> None:
    with op.batch_alter_table("order_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amount", sa.BigInteger(), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_order_documents_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_order_documents_kind"), KINDS_AFTER)

    with op.batch_alter_table("invoice_counters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("series", sa.String(length=2), nullable=False, server_default="FV")
        )
        batch_op.drop_constraint(batch_op.f("pk_invoice_counters"), type_="primary")
        batch_op.create_primary_key(
            batch_op.f("pk_invoice_counters"), ["seller_company_id", "year", "series"]
        )
    with op.batch_alter_table("invoice_counters", schema=None) as batch_op:
        batch_op.alter_column("series", existing_type=sa.String(length=2), server_default=None)


def downgrade() -> None:
    # correcting invoices and their counters have no place in the older schema
    op.execute("DELETE FROM order_documents WHERE kind = 'correction'")
    op.execute("DELETE FROM invoice_counters WHERE series <> 'FV'")
    with op.batch_alter_table("invoice_counters", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("pk_invoice_counters"), type_="primary")
        batch_op.create_primary_key(
            batch_op.f("pk_invoice_counters"), ["seller_company_id", "year"]
        )
        batch_op.drop_column("series")

    with op.batch_alter_table("order_documents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_order_documents_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_order_documents_kind"), KINDS_BEFORE)
        batch_op.drop_column("amount")
