"""search: outbox of changes waiting for the index, currency rates for price filters

Revision ID: 0004
Revises: 0002
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Units of each currency per 1 EUR, times 1,000,000 (operators update the table; no floats).
RATES = {"EUR": 1_000_000, "PLN": 4_300_000, "USD": 1_080_000, "GBP": 850_000, "CZK": 25_200_000,
         "CHF": 960_000, "SEK": 11_500_000, "CNY": 7_800_000, "UAH": 44_500_000,
         "TRY": 35_000_000, "HUF": 395_000_000, "RON": 4_970_000, "DKK": 7_460_000,
         "NOK": 11_700_000}  # fmt: skip


def upgrade():
    rates = op.create_table(
        "search_currency_rates",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("per_eur", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("per_eur > 0", name=op.f("ck_search_currency_rates_per_eur_positive")),
        sa.PrimaryKeyConstraint("currency", name=op.f("pk_search_currency_rates")),
    )
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind in ('offer','company')", name=op.f("ck_search_outbox_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.bulk_insert(
        rates, [{"currency": c, "per_eur": r, "updated_at": now} for c, r in RATES.items()]
    )


def downgrade():
    op.drop_table("search_outbox")
    op.drop_table("search_currency_rates")
