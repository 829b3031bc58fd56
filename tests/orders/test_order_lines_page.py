"""The order form with several lines: a buyer adds more offers of the same seller, sees each
line's tier price and the total, and places one order; a bad line is named and nothing is written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from listings.models import OfferStatus
from marketplace.core.extensions import db
from marketplace.orders.models import Order
from tests.orders import factories as f

FORM = {"quantity": "20", "name": "Goods in", "street": "Magazynowa 1", "postal_code": "60-001",
        "city": "Poznań", "country": "PL"}  # fmt: skip


@pytest.fixture
def dn80(company_b):
    return f.offer(company_b, title="Steel flange DN80", tiers=((5, 2_000), (50, 1_800)), moq=5)


def count_orders() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Order)).scalar_one()


def two_lines(first, second, **extra) -> dict:
    return FORM | {"offer_id": first.id, "lines-0-offer_id": second.id} | extra


def test_form_offers_only_the_sellers_public_offers_in_the_orders_currency(
    client_a, company_b, third_party, offer_b, dn80
):
    f.offer(company_b, title="Gasket in zloty", currency="PLN")
    f.offer(company_b, title="Draft valve", status=OfferStatus.DRAFT)
    f.offer(third_party.company, title="Foreign pump")
    page = client_a.get(f"/orders/new?offer_id={offer_b.id}")
    added = client_a.post("/orders/new", data=FORM | {"offer_id": offer_b.id, "add_line": "1"})
    assert page.status_code == 200 and "Add line" in page.text
    assert "only this seller's offers in EUR" in page.text
    assert added.status_code == 200 and 'name="lines-0-offer_id"' in added.text
    assert f'<option value="{dn80.id}">Steel flange DN80</option>' in added.text
    for hidden in ("Gasket in zloty", "Draft valve", "Foreign pump"):
        assert hidden not in added.text
    assert f'<option value="{offer_b.id}"' not in added.text
    assert count_orders() == 0


def test_recalculate_shows_each_lines_tier_price_moq_and_the_total(client_a, offer_b, dn80):
    answer = client_a.post(
        "/orders/new",
        data=two_lines(offer_b, dn80, quantity="100", **{"lines-0-quantity": "60"})
        | {"recalculate": "1"},
    )
    assert answer.status_code == 200
    # 100 DN50 at the 100+ tier (9.00) and 60 DN80 at the 50+ tier (18.00); reverse charge.
    assert "€9.00" in answer.text and "€900.00" in answer.text
    assert "€18.00" in answer.text and "€1,080.00" in answer.text
    assert "5 pcs" in answer.text  # DN80's minimum order
    assert "€1,980.00" in answer.text and "reverse charge" in answer.text
    assert count_orders() == 0


def test_buyer_places_a_two_line_order_from_the_page(client_a, owner_a, offer_b, dn80):
    answer = client_a.post(
        "/orders/new", data=two_lines(offer_b, dn80, quantity="100", **{"lines-0-quantity": "20"})
    )
    assert answer.status_code == 302
    order = db.session.execute(sa.select(Order)).scalar_one()
    lines = {line.offer_id: line for line in order.lines}
    assert (lines[offer_b.id].quantity, lines[offer_b.id].unit_price) == (100, 900)
    assert (lines[dn80.id].quantity, lines[dn80.id].unit_price) == (20, 2_000)
    assert order.total_money == f.eur(90_000 + 40_000)
    assert order.buyer_company_id == owner_a.company_id
    page = client_a.get(answer.location)
    assert "Steel flange DN50" in page.text and "Steel flange DN80" in page.text


def test_removing_a_line_keeps_the_others(client_a, offer_b, dn80, company_b):
    dn100 = f.offer(company_b, title="Steel flange DN100")
    data = two_lines(offer_b, dn80, **{"lines-0-quantity": "20"}) | {
        "lines-1-offer_id": dn100.id,
        "lines-1-quantity": "10",
        "remove_line": "0",
    }
    answer = client_a.post("/orders/new", data=data)
    assert answer.status_code == 200 and count_orders() == 0
    assert answer.text.count("Remove line") == 1
    assert f'<option selected value="{dn100.id}">' in answer.text
    assert f'<option selected value="{dn80.id}">' not in answer.text


def test_single_offer_order_has_no_extra_lines(client_a, offer_b):
    answer = client_a.post("/orders/new", data=FORM | {"offer_id": offer_b.id})
    assert answer.status_code == 302
    order = db.session.execute(sa.select(Order)).scalar_one()
    assert [(line.quantity, line.unit_price) for line in order.lines] == [(20, 1_000)]


def _other_seller_offer(third_party, company_b):
    return f.offer(third_party.company, title="Foreign pump").id


def _unknown(third_party, company_b):
    return 987_654


def _draft(third_party, company_b):
    return f.offer(company_b, title="Draft valve", status=OfferStatus.DRAFT).id


def _zloty(third_party, company_b):
    return f.offer(company_b, title="Gasket in zloty", currency="PLN").id


@pytest.mark.parametrize(
    ("make_offer", "message"),
    [
        (_unknown, "No such offer."),
        (_draft, "No such offer."),
        (_other_seller_offer, "All lines of an order must come from one seller."),
        (_zloty, "All lines of an order must be in one currency (EUR)."),
    ],
    ids=["unknown", "unpublished", "other seller", "other currency"],
)
@pytest.mark.parametrize("button", ["place", "recalculate"])
def test_a_bad_offer_on_a_line_is_named_and_nothing_is_written(
    client_a, offer_b, third_party, company_b, make_offer, message, button
):
    data = FORM | {"offer_id": offer_b.id, "lines-0-offer_id": make_offer(third_party, company_b),
                   "lines-0-quantity": "20"}  # fmt: skip
    if button == "recalculate":
        data["recalculate"] = "1"
    answer = client_a.post("/orders/new", data=data)
    assert answer.status_code == 422
    assert f"Line 2 · Offer: {message}" in answer.text
    assert 'id="lines-0-offer_id-error"' in answer.text  # beside the line's offer select
    assert count_orders() == 0


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("3", "The minimum order is 5 pcs."),
        ("41", "Only 40 pcs are available."),
        ("", "This field is required."),
        ("many", "Not a valid integer value."),
    ],
)
def test_a_bad_quantity_on_a_line_is_named_and_nothing_is_written(
    client_a, company_b, offer_b, quantity, message
):
    scarce = f.offer(company_b, title="Steel flange DN80", moq=5, available_quantity=40)
    answer = client_a.post(
        "/orders/new", data=two_lines(offer_b, scarce, **{"lines-0-quantity": quantity})
    )
    assert answer.status_code == 422
    assert f"Line 2 · Quantity: {message}" in answer.text
    assert 'id="lines-0-quantity-error"' in answer.text
    assert count_orders() == 0


def test_the_first_line_above_the_stock_is_named(client_a, company_b):
    scarce = f.offer(company_b, available_quantity=15)
    answer = client_a.post("/orders/new", data=FORM | {"offer_id": scarce.id})
    assert answer.status_code == 422
    assert "Line 1 · Quantity: Only 15 pcs are available." in answer.text
    assert count_orders() == 0


def test_an_offer_twice_is_refused_on_the_repeated_line(client_a, offer_b, dn80):
    data = two_lines(offer_b, dn80, **{"lines-0-quantity": "20"}) | {
        "lines-1-offer_id": offer_b.id,
        "lines-1-quantity": "30",
        "lines-2-offer_id": dn80.id,
        "lines-2-quantity": "10",
    }
    answer = client_a.post("/orders/new", data=data)
    assert answer.status_code == 422
    assert "Line 3 · Offer: This offer is already on line 1; change the quantity there." in (
        answer.text
    )
    assert "Line 4 · Offer: This offer is already on line 2" in answer.text
    assert count_orders() == 0


def test_a_line_without_an_offer_asks_to_choose_or_remove_it(client_a, offer_b):
    answer = client_a.post(
        "/orders/new",
        data=FORM | {"offer_id": offer_b.id, "lines-0-offer_id": "", "lines-0-quantity": "5"},
    )
    assert answer.status_code == 422
    assert "Line 2 · Offer: Choose an offer or remove this line." in answer.text
    assert count_orders() == 0


def test_one_bad_line_and_a_bad_address_are_shown_together(client_a, offer_b, dn80):
    answer = client_a.post(
        "/orders/new", data=two_lines(offer_b, dn80, street="", **{"lines-0-quantity": "1"})
    )
    assert answer.status_code == 422
    assert "Line 2 · Quantity: The minimum order is 5 pcs." in answer.text
    assert "This field is required." in answer.text
    assert count_orders() == 0


def test_live_prices_answer_as_json_and_place_nothing(client_a, offer_b, dn80):
    data = two_lines(offer_b, dn80, quantity="100", **{"lines-0-quantity": "60"})
    answer = client_a.post("/orders/new/prices", data=data)
    assert answer.status_code == 200
    assert answer.json["lines"][1] == {"moq": "5 pcs", "unit_price": "€18.00", "net": "€1,080.00"}
    assert answer.json["total"] == "€1,980.00" and answer.json["complete"] is True
    short = client_a.post("/orders/new/prices", data=data | {"lines-0-quantity": "1"})
    assert short.json["lines"][1]["unit_price"] is None and short.json["total"] is None
    assert client_a.post("/orders/new/prices", data={"offer_id": "999999"}).status_code == 404
    not_an_id = client_a.post("/orders/new/prices", data={"offer_id": "0"})
    assert not_an_id.status_code == 422 and "offer_id" in not_an_id.text
    assert count_orders() == 0


def test_the_lines_speak_polish(client_a, offer_b, dn80):
    refresh()
    answer = client_a.post(
        "/orders/new?lang=pl",
        data=two_lines(offer_b, dn80, **{"lines-0-quantity": "1"}) | {"recalculate": "1"},
    )
    assert answer.status_code == 422
    assert "Dodaj pozycję" in answer.text and "Przelicz" in answer.text
    assert "Pozycja 2" in answer.text and "Popraw pozycje powyżej" in answer.text
