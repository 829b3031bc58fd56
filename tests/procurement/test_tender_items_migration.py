"""The migration to tenders with items keeps every existing tender and bid as it was: a tender of
one item becomes a tender with that one item, a sealed bid's unit price becomes its price for it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace.app import create_app
from marketplace.companies.models import Company
from marketplace.core.config import normalize_database_url
from marketplace.core.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
SCHEMA = "tender_items_migration"


@pytest.fixture
def scratch_app(tmp_path):
    """An app on an empty database of its own (SQLite file, or a PostgreSQL schema of its own)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        engine = sa.create_engine(normalize_database_url(base))
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
        url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{SCHEMA}"
    else:
        url = f"sqlite:///{tmp_path / 'migration.db'}"
    scratch = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": url,
         "SECRET_KEY": "test-secret", "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL_URL": ""}
    )  # fmt: skip
    yield scratch
    with scratch.app_context():
        db.engine.dispose()
    if base:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        engine.dispose()


def _rows(conn, sql: str) -> list[tuple]:
    return [tuple(row) for row in conn.execute(sa.text(sql))]


def test_an_existing_single_item_tender_and_its_bids_come_through_the_upgrade(scratch_app):
    moment = dt.datetime(2026, 11, 20, 10, 0)
    with scratch_app.app_context():
        upgrade(directory=MIGRATIONS, revision="0006")
        with db.engine.begin() as conn:
            buyer, odra, elbe = (
                conn.execute(
                    sa.insert(Company.__table__)
                    .values(name=name, slug=name.lower(), country="PL")
                    .returning(Company.__table__.c.id)
                ).scalar_one()
                for name in ("Warta", "Odra", "Elbe")
            )
            insert_tender = sa.text(
                "INSERT INTO tenders (kind, buyer_company_id, title, description, quantity, unit, "
                "currency, required_documents, opens_at, closes_at, invited_only, status, "
                "weight_price, weight_lead_time, weight_rating, custom_criteria, "
                "extension_minutes, show_best_price, version, cancel_reason, created_at) "
                "VALUES (:kind, :buyer, :title, '', :quantity, :unit, 'EUR', '[]', :at, :closes, "
                "true, 'published', 100, 0, 0, '[]', 2, false, 0, '', :at) RETURNING id"
            )
            common = {"buyer": buyer, "at": moment, "closes": moment + dt.timedelta(days=9)}
            sealed = conn.execute(insert_tender, common | {
                "kind": "sealed", "title": "Pallet racking", "quantity": 100, "unit": "pcs"},
            ).scalar_one()  # fmt: skip
            auction = conn.execute(insert_tender, common | {
                "kind": "reverse_auction", "title": "Copper cable", "quantity": 10, "unit": "km"},
            ).scalar_one()  # fmt: skip
            insert_bid = sa.text(
                "INSERT INTO bids (tender_id, supplier_company_id, unit_price, lead_time_days, "
                "note, documents, custom_marks, breakdown, submitted_at) "
                "VALUES (:tender, :supplier, :price, 5, '', '[]', '{}', '{}', :at)"
            )
            for tender, supplier, price in (
                (sealed, odra, 1000), (sealed, elbe, 900), (auction, odra, 95000)
            ):  # fmt: skip
                conn.execute(
                    insert_bid,
                    {"tender": tender, "supplier": supplier, "price": price, "at": moment},
                )

        upgrade(directory=MIGRATIONS)

        with db.engine.connect() as conn:
            items = _rows(conn, "SELECT tender_id, position, description, quantity, unit "
                                "FROM tender_items ORDER BY tender_id")  # fmt: skip
            assert items == [
                (sealed, 1, "Pallet racking", 100, "pcs"),
                (auction, 1, "Copper cable", 10, "km"),
            ]
            lines = _rows(conn, "SELECT bids.supplier_company_id, tender_items.description, "
                                "bid_lines.unit_price FROM bid_lines "
                                "JOIN bids ON bids.id = bid_lines.bid_id "
                                "JOIN tender_items ON tender_items.id = bid_lines.item_id "
                                "ORDER BY bid_lines.unit_price")  # fmt: skip
            assert lines == [(elbe, "Pallet racking", 900), (odra, "Pallet racking", 1000)]
            # the auction's bid keeps its one unit price; sealed bids now hold theirs per item
            assert _rows(conn, "SELECT tender_id, unit_price FROM bids ORDER BY id") == [
                (sealed, None), (sealed, None), (auction, 95000)
            ]  # fmt: skip
            columns = {c["name"] for c in sa.inspect(conn).get_columns("tenders")}
            assert "quantity" not in columns and "unit" not in columns

        # and back: each tender keeps its first item, each sealed bid its price for it
        downgrade(directory=MIGRATIONS, revision="0006")
        with db.engine.connect() as conn:
            assert _rows(conn, "SELECT id, quantity, unit FROM tenders ORDER BY id") == [
                (sealed, 100, "pcs"), (auction, 10, "km")
            ]  # fmt: skip
            assert _rows(conn, "SELECT unit_price FROM bids ORDER BY id") == [
                (1000,),
                (900,),
                (95000,),
            ]
