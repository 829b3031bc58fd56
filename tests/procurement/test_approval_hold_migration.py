"""Migration 0011 keeps every order with its lines through the rebuilt check constraint, leaves one
pending requisition per purchase, and on the way back removes held orders the seller never saw."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace.accounts.models import User
from marketplace.companies.models import Company
from marketplace.core.extensions import db
from marketplace.orders.models import Order, OrderEvent, OrderLine
from marketplace.procurement.models import Requisition
from tests.procurement.test_tender_items_migration import MIGRATIONS, _rows, scratch_app  # noqa: F401


def _insert(conn, model, **values) -> int:
    return conn.execute(
        sa.insert(model.__table__).values(**values).returning(model.__table__.c.id)
    ).scalar_one()


def _order(conn, buyer: int, seller: int, status: str) -> int:
    order = _insert(conn, Order, buyer_company_id=buyer, seller_company_id=seller, status=status,
                    currency="EUR", net_total=1000, vat_total=230, total=1230)  # fmt: skip
    _insert(conn, OrderLine, order_id=order, title="Flange", unit="pcs", quantity=1,
            unit_price=1000, net_amount=1000, vat_amount=230)  # fmt: skip
    _insert(conn, OrderEvent, order_id=order, status=status)
    return order


def _requisition(conn, company: int, requester: int, kind: str, object_id: int) -> int:
    return _insert(conn, Requisition, company_id=company, requester_id=requester, kind=kind,
                   object_id=object_id, title="T-000001", amount=1000, currency="EUR",
                   status="pending")  # fmt: skip


def test_orders_keep_their_lines_and_duplicate_requisitions_are_closed(scratch_app):  # noqa: F811
    with scratch_app.app_context():
        upgrade(directory=MIGRATIONS, revision="0010")
        with db.engine.begin() as conn:
            buyer, seller = (
                _insert(conn, Company, name=name, slug=name.lower(), country="PL")
                for name in ("Warta", "Odra")
            )
            person = _insert(conn, User, email="b@warta.example", password_hash="x",
                             full_name="Buyer", company_id=buyer, role="buyer")  # fmt: skip
            placed = _order(conn, buyer, seller, "placed")
            first = _requisition(conn, buyer, person, "tender", 7)
            second = _requisition(conn, buyer, person, "tender", 7)

        upgrade(directory=MIGRATIONS)
        with db.engine.begin() as conn:
            assert _rows(conn, "SELECT order_id FROM order_lines") == [(placed,)]
            assert _rows(conn, "SELECT order_id FROM order_events") == [(placed,)]
            assert _rows(conn, "SELECT id, status FROM requisitions ORDER BY id") == [
                (first, "pending"), (second, "rejected")
            ]  # fmt: skip
            with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
                _requisition(conn, buyer, person, "tender", 7)
            held = _order(conn, buyer, seller, "awaiting_approval")
            _requisition(conn, buyer, person, "order", held)

        downgrade(directory=MIGRATIONS, revision="0010")
        with db.engine.connect() as conn:
            assert _rows(conn, "SELECT id FROM orders") == [(placed,)]
            assert _rows(conn, "SELECT order_id FROM order_lines") == [(placed,)]
            assert _rows(conn, "SELECT kind FROM requisitions") == [("tender",), ("tender",)]
