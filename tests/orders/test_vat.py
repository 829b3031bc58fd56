"""VAT on an order: reverse charge across EU borders only between VAT-registered companies."""

from __future__ import annotations

import pytest

from marketplace.orders import tax
from tests import factories
from tests.orders import factories as f


def order_between(seller_fields: dict, buyer_fields: dict):
    seller = factories.company(name="Seller GmbH", **seller_fields)
    buyer = factories.user(factories.company(name="Buyer Sp. z o.o.", **buyer_fields))
    return f.order(buyer, f.offer(seller), quantity=20)  # 20 × 10.00 EUR net


@pytest.mark.parametrize(
    ("seller", "buyer", "reverse_charge", "vat"),
    [
        # both registered: the Polish buyer accounts for the VAT
        ({"country": "DE", "vat_id": "DE136695976"}, {"country": "PL", "vat_id": "PL5261040828"},
         True, 0),
        # the buyer has no VAT ID: a sale to a non-registered buyer is taxed in Germany (19 %)
        ({"country": "DE", "vat_id": "DE136695976"}, {"country": "PL"}, False, 3_800),
        # the seller has no VAT ID to put on a reverse-charge invoice: its domestic VAT
        ({"country": "DE"}, {"country": "PL", "vat_id": "PL5261040828"}, False, 3_800),
        # neither: domestic VAT of the seller (Czech 21 %)
        ({"country": "CZ"}, {"country": "PL"}, False, 4_200),
        # an export outside the EU carries no VAT, with or without IDs
        ({"country": "DE", "vat_id": "DE136695976"}, {"country": "NO"}, False, 0),
    ],
)  # fmt: skip
def test_reverse_charge_needs_both_vat_ids(seller, buyer, reverse_charge, vat):
    order = order_between(seller, buyer)
    assert order.reverse_charge is reverse_charge
    assert order.net_total == 20_000 and order.vat_total == vat
    assert order.total == 20_000 + vat


def test_a_blank_vat_id_is_no_vat_id():
    seller = factories.company(country="DE", vat_id="DE136695976")
    buyer = factories.company(country="PL")
    buyer.vat_id = "   "
    assert tax.is_reverse_charge(seller, buyer) is False
    assert tax.vat_rate(seller, buyer) == 1900
