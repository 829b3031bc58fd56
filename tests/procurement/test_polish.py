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
