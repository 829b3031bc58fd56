"""The procurement pages and messages speak Polish."""

from __future__ import annotations

from flask_babel import refresh

from marketplace.core.errors import ValidationError
from marketplace.procurement import auctions
from tests.procurement import factories as procurement_factories


def test_the_auction_room_and_its_errors_in_polish(app, buyer, seller_one, supplier_one):
    auction = procurement_factories.auction(buyer, [supplier_one])
    refresh()  # the setup above ran outside a request and fixed the language of this app context
    supplier = app.test_client(user=seller_one)
    room = supplier.get(f"/procurement/tenders/{auction.id}?lang=pl").get_data(as_text=True)
    assert "Twoje miejsce" in room and "Złóż ofertę" in room
    refused = supplier.post(
        f"/procurement/tenders/{auction.id}/bid?lang=pl", data={"unit_price": "5000"}
    )
    assert "Zaoferuj najwyżej" in refused.get_data(as_text=True)
    with app.test_request_context("/?lang=pl"):
        try:
            auctions.place_bid(seller_one, auction, 0)
        except ValidationError as error:
            assert error.errors["unit_price"] == ["Podaj cenę jednostkową większą od zera."]


def test_tender_items_and_a_missing_price_in_polish(app, buyer, seller_one, supplier_one):
    items = [
        {"description": "Regał", "quantity": 4, "unit": "szt."},
        {"description": "Belka", "quantity": 8, "unit": "szt."},
    ]
    tender = procurement_factories.sealed_tender(buyer, [supplier_one], items=items)
    refresh()
    form = (
        app.test_client(user=buyer).get("/procurement/tenders/new?lang=pl").get_data(as_text=True)
    )
    assert "Dodaj pozycję" in form and "Pozycje (przetarg z zamkniętymi ofertami" in form
    supplier = app.test_client(user=seller_one)
    room = supplier.get(f"/procurement/tenders/{tender.id}?lang=pl").get_data(as_text=True)
    assert "Cena jednostkowa: 2. Belka" in room and "2 pozycje" in room
    refused = supplier.post(
        f"/procurement/tenders/{tender.id}/bid?lang=pl",
        data={f"price_{tender.items[0].id}": "10.00", "lead_time_days": "3"},
    )
    assert "Podaj cenę jednostkową dla pozycji 2 “Belka”." in refused.get_data(as_text=True)
