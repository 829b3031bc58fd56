"""Sealed tenders of several items: published with items, every item priced in each bid, bids
compared on their totals, and the award ordering every item at the winning bid's prices."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.core import clock
from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.orders.models import Order
from marketplace.procurement import awards, tenders
from marketplace.procurement.models import Bid, BidLine, Tender, TenderItem
from tests import factories
from tests.procurement import factories as procurement_factories

ITEMS = [
    {"description": "Pallet rack upright 3 m", "quantity": 40, "unit": "pcs"},
    {"description": "Beam 2.7 m", "quantity": 120, "unit": "pcs"},
    {"description": "Mesh deck", "quantity": 60, "unit": "pcs"},
]


def _three_items(buyer, invited, **fields):
    data = {"items": ITEMS, "weight_price": 100, "weight_lead_time": 0, "custom_criteria": []}
    return procurement_factories.sealed_tender(buyer, invited, **(data | fields))


def _prices(tender, *unit_prices):
    return [
        {"item_id": item.id, "unit_price": price}
        for item, price in zip(tender.items, unit_prices, strict=True)
    ]


def _bid(person, tender, *unit_prices, days=10):
    return tenders.submit_sealed_bid(
        person, tender, {"prices": _prices(tender, *unit_prices), "lead_time_days": days}
    )


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_a_three_item_tender_is_published_through_the_api_and_bad_items_are_named(
    client, buyer, supplier_one
):
    headers = factories.bearer(buyer)
    base = {
        "kind": "sealed", "title": "Racking for hall B", "currency": "EUR",
        "invited_company_ids": [supplier_one.id], "weight_price": 100,
        "closes_at": (clock.now() + dt.timedelta(days=2)).isoformat(),
    }  # fmt: skip
    bad = client.post(
        "/api/v1/tenders",
        json=base | {"items": [ITEMS[0], {"description": "", "quantity": 5, "unit": "pcs"},
                               {"description": "Mesh deck", "quantity": 0, "unit": ""}]},
        headers=headers,
    )  # fmt: skip
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"items.1.description", "items.2.quantity", "items.2.unit"}
    assert "Item 3" in bad.json["errors"]["items.2.quantity"][0]
    typed = client.post(
        "/api/v1/tenders",
        json=base | {"items": [{"description": "Beam", "quantity": "many", "unit": "pcs"}]},
        headers=headers,
    )
    assert typed.status_code == 422 and "items.0.quantity" in typed.json["errors"]
    for items in ([], [ITEMS[0]] * 51):
        refused = client.post("/api/v1/tenders", json=base | {"items": items}, headers=headers)
        assert refused.status_code == 422 and "items" in refused.json["errors"]
    assert _count(Tender) == 0 and _count(TenderItem) == 0

    created = client.post("/api/v1/tenders", json=base | {"items": ITEMS}, headers=headers)
    assert created.status_code == 201, created.json
    assert [(i["position"], i["description"], i["quantity"], i["unit"])
            for i in created.json["items"]] == [
        (1, "Pallet rack upright 3 m", 40, "pcs"), (2, "Beam 2.7 m", 120, "pcs"),
        (3, "Mesh deck", 60, "pcs"),
    ]  # fmt: skip
    assert created.json["quantity"] is None and created.json["unit"] is None


def test_old_single_item_payloads_still_publish_bid_and_read_back(client, buyer, seller_one,
                                                                 supplier_one):  # fmt: skip
    created = client.post(
        "/api/v1/tenders",
        json={"kind": "sealed", "title": "Forklift tyres", "quantity": 40, "unit": "pcs",
              "currency": "EUR", "invited_company_ids": [supplier_one.id], "weight_price": 100,
              "closes_at": (clock.now() + dt.timedelta(days=2)).isoformat()},
        headers=factories.bearer(buyer),
    )  # fmt: skip
    assert created.status_code == 201, created.json
    assert created.json["quantity"] == 40 and created.json["unit"] == "pcs"
    assert [(i["description"], i["quantity"]) for i in created.json["items"]] == [
        ("Forklift tyres", 40)
    ]
    supplier = factories.bearer(seller_one)
    bid = client.post(
        f"/api/v1/tenders/{created.json['id']}/bids",
        json={"unit_price": 12500, "lead_time_days": 7},
        headers=supplier,
    )
    assert bid.status_code == 201, bid.json
    assert bid.json["unit_price"] == 12500 and bid.json["total"] == 12500 * 40
    mine = client.get(f"/api/v1/tenders/{created.json['id']}", headers=supplier).json["my_bid"]
    assert mine["unit_price"] == 12500
    assert [p["unit_price"] for p in mine["prices"]] == [12500]


def test_bids_price_every_item_and_a_missing_item_is_named_with_nothing_written(
    client, buyer, seller_one, supplier_one
):
    tender = _three_items(buyer, [supplier_one])
    db.session.commit()
    headers = factories.bearer(seller_one)
    url = f"/api/v1/tenders/{tender.id}/bids"
    beam = tender.items[1]
    missing = client.post(
        url,
        json={"prices": [p for p in _prices(tender, 5000, 2000, 1500) if p["item_id"] != beam.id],
              "lead_time_days": 10},
        headers=headers,
    )  # fmt: skip
    assert missing.status_code == 422
    assert list(missing.json["errors"]) == [f"prices.{beam.id}"]
    assert "item 2 “Beam 2.7 m”" in missing.json["errors"][f"prices.{beam.id}"][0]
    old_style = client.post(url, json={"unit_price": 5000, "lead_time_days": 10}, headers=headers)
    assert old_style.status_code == 422 and len(old_style.json["errors"]) == 3
    stranger = client.post(
        url,
        json={"prices": [*_prices(tender, 5000, 2000, 1500), {"item_id": 999999, "unit_price": 1}],
              "lead_time_days": 10},
        headers=headers,
    )  # fmt: skip
    assert stranger.status_code == 422 and list(stranger.json["errors"]) == ["prices.3"]
    zero = client.post(
        url, json={"prices": _prices(tender, 5000, 0, 1500), "lead_time_days": 10}, headers=headers
    )
    assert zero.status_code == 422 and f"prices.{beam.id}" in zero.json["errors"]
    assert _count(Bid) == 0 and _count(BidLine) == 0

    sent = client.post(
        url, json={"prices": _prices(tender, 5000, 2000, 1500), "lead_time_days": 10},
        headers=headers,
    )  # fmt: skip
    assert sent.status_code == 201, sent.json
    assert sent.json["unit_price"] is None
    assert sent.json["total"] == 5000 * 40 + 2000 * 120 + 1500 * 60 == 530000
    assert [(p["position"], p["unit_price"], p["total"]) for p in sent.json["prices"]] == [
        (1, 5000, 200000), (2, 2000, 240000), (3, 1500, 90000)
    ]  # fmt: skip
    # replacing the bid before closing replaces every price
    again = client.post(
        url, json={"prices": _prices(tender, 4800, 1900, 1400), "lead_time_days": 8},
        headers=headers,
    )  # fmt: skip
    assert again.status_code == 201 and again.json["id"] == sent.json["id"]
    db.session.expire_all()
    assert sorted(db.session.execute(sa.select(BidLine.unit_price)).scalars()) == [1400, 1900, 4800]


def test_scoring_compares_totals_and_the_award_orders_every_item_at_the_bid_prices(
    buyer, seller_one, seller_two, supplier_one, supplier_two
):
    tender = _three_items(
        buyer, [supplier_one, supplier_two],
        weight_price=80, weight_lead_time=20,
    )  # fmt: skip
    # Odra is cheapest on uprights but dearer in total; Elbe wins on the total
    odra = _bid(seller_one, tender, 4000, 2500, 1600, days=4)  # 160000 + 300000 + 96000 = 556000
    elbe = _bid(seller_two, tender, 5000, 2000, 1500, days=9)  # 200000 + 240000 + 90000 = 530000
    assert (odra.total_amount, elbe.total_amount) == (556000, 530000)
    clock.advance(dt.timedelta(days=4))
    tenders.close_due_tenders()
    # price 80: Elbe 80.00; Odra 80 × 530000/556000 = 76.258… → 76.26
    # lead time 20 (days + 1): Odra 20.00; Elbe 20 × 5/10 = 10.00
    assert odra.breakdown["price"] == 7626 and elbe.breakdown["price"] == 8000
    assert (odra.score, elbe.score) == (7626 + 2000, 8000 + 1000)
    assert (odra.rank, elbe.rank) == (1, 2)

    awards.award(buyer, tender, elbe.id)
    orders = db.session.execute(sa.select(Order)).scalars().all()
    assert len(orders) == 1 and orders[0].id == tender.order_id
    order = orders[0]
    assert order.seller_company_id == supplier_two.id and order.net_total == 530000
    assert [(line.title, line.quantity, line.unit, line.unit_price, line.net_amount)
            for line in order.lines] == [
        ("Pallet rack upright 3 m", 40, "pcs", 5000, 200000),
        ("Beam 2.7 m", 120, "pcs", 2000, 240000),
        ("Mesh deck", 60, "pcs", 1500, 90000),
    ]  # fmt: skip


def test_per_item_prices_stay_sealed_through_every_route_until_closing(
    app, client, buyer, seller_one, seller_two, supplier_one, supplier_two
):
    tender = _three_items(buyer, [supplier_one, supplier_two])
    _bid(seller_one, tender, 5111, 2111, 1511)
    _bid(seller_two, tender, 5222, 2222, 1522)
    db.session.commit()
    secrets = ["51.11", "21.11", "15.11", "52.22", "22.22", "15.22", "5111", "2111", "1511",
               "5222", "2222", "1522"]  # fmt: skip

    def hidden(text: str, *allowed: str) -> bool:
        return not [s for s in secrets if s in text and s not in allowed]

    buyer_api, one_api = factories.bearer(buyer), factories.bearer(seller_one)
    assert client.get(f"/api/v1/tenders/{tender.id}/bids", headers=buyer_api).status_code == 409
    assert client.get(f"/api/v1/tenders/{tender.id}/bids", headers=one_api).status_code == 404
    assert hidden(client.get(f"/api/v1/tenders/{tender.id}", headers=buyer_api).text)
    own = client.get(f"/api/v1/tenders/{tender.id}", headers=one_api)
    assert [p["unit_price"] for p in own.json["my_bid"]["prices"]] == [5111, 2111, 1511]
    assert hidden(own.text, "5111", "2111", "1511")
    buyer_page = app.test_client(user=buyer)
    assert hidden(buyer_page.get(f"/procurement/tenders/{tender.id}").text)
    assert hidden(buyer_page.get(f"/procurement/tenders/{tender.id}/standing").text)
    one_page = app.test_client(user=seller_one).get(f"/procurement/tenders/{tender.id}").text
    assert hidden(one_page, "51.11", "21.11", "15.11")
    with pytest.raises(Conflict, match="sealed"):
        tenders.opened_bids(buyer, tender)

    clock.advance(dt.timedelta(days=3, seconds=1))
    opened = client.get(f"/api/v1/tenders/{tender.id}/bids", headers=buyer_api)
    assert [[p["unit_price"] for p in b["prices"]] for b in opened.json["items"]] == [
        [5111, 2111, 1511], [5222, 2222, 1522]
    ]  # fmt: skip
    room = buyer_page.get(f"/procurement/tenders/{tender.id}").text
    assert "data-item-prices" in room and "Prices per item" in room
    assert all(s in room for s in ("51.11", "22.22", "15.22"))
    assert "5,484.20" in room  # Odra's total: 40 × 51.11 + 120 × 21.11 + 60 × 15.11


def test_three_items_through_the_pages_without_javascript(app, buyer, seller_one, supplier_one):
    pages = app.test_client(user=buyer)
    closes = (clock.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"kind": "sealed", "title": "Racking for hall B", "currency": "EUR",
            "closes_at": closes, "invited_only": "y", "invited_company_ids": [str(supplier_one.id)],
            "weight_price": "100", "weight_lead_time": "0", "weight_rating": "0"}  # fmt: skip
    rows: dict[str, str] = {}
    for index, item in enumerate(ITEMS):
        rows |= {f"items-{index}-{k}": str(v) for k, v in item.items()}
        # "Add item" sends what was typed and comes back with one more empty row
        grown = pages.post("/procurement/tenders/new", data=form | rows | {"add_item": "Add item"})
        assert grown.status_code == 200 and f'id="items-{index + 1}-description"' in grown.text
        assert f'value="{item["description"]}"' in grown.text
    bad = pages.post("/procurement/tenders/new", data=form | rows | {"items-1-quantity": "0"})
    assert bad.status_code == 422 and 'id="items-1-quantity-error"' in bad.text
    assert _count(Tender) == 0
    created = pages.post("/procurement/tenders/new", data=form | rows | {"items-3-unit": "pcs"})
    assert created.status_code == 302, created.text
    tender = db.session.execute(sa.select(Tender)).scalar_one()
    assert [(i.description, i.quantity) for i in tender.items] == [
        (i["description"], i["quantity"]) for i in ITEMS
    ]

    supplier = app.test_client(user=seller_one)
    room = supplier.get(f"/procurement/tenders/{tender.id}").text
    assert "data-tender-items" in room and "Beam 2.7 m" in room
    fields = [f"price_{item.id}" for item in tender.items]
    assert all(f'name="{name}"' in room for name in fields)
    missing = supplier.post(
        f"/procurement/tenders/{tender.id}/bid",
        data={fields[0]: "50.00", fields[2]: "15.00", "lead_time_days": "5"},
    )
    assert missing.status_code == 422
    assert f'id="{fields[1]}-error"' in missing.text and "Beam 2.7 m" in missing.text
    assert _count(Bid) == 0
    sent = supplier.post(
        f"/procurement/tenders/{tender.id}/bid",
        data={fields[0]: "50.00", fields[1]: "20.00", fields[2]: "15.00", "lead_time_days": "5"},
    )
    assert sent.status_code == 302
    again = supplier.get(f"/procurement/tenders/{tender.id}").text
    assert 'value="20.00"' in again and "data-my-prices" in again

    clock.advance(dt.timedelta(days=2))
    results = pages.get(f"/procurement/tenders/{tender.id}").text
    assert "Odra Metal" in results and "data-item-prices" in results
    bid = db.session.execute(sa.select(Bid)).scalar_one()
    assert bid.total_amount == 5000 * 40 + 2000 * 120 + 1500 * 60


def test_a_reverse_auction_from_the_page_stays_one_item(app, buyer):
    pages = app.test_client(user=buyer)
    form = pages.get("/procurement/tenders/new?kind=reverse_auction").text
    for field in ("kind", "title", "quantity", "unit", "currency", "closes_at", "invited_only",
                  "starting_price", "decrement_amount"):  # fmt: skip
        assert f'id="{field}"' in form
    tender_form = form.split("data-tender-form", 1)[1].split("</form>", 1)[0]
    assert tender_form.count("<button") == 1  # "Add item" is an input; Publish is the one button
    closes = (clock.now() + dt.timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M:%S")
    created = pages.post(
        "/procurement/tenders/new",
        data={"kind": "reverse_auction", "title": "Safety gloves", "quantity": "500",
              "unit": "pair", "currency": "EUR", "closes_at": closes, "starting_price": "10.00",
              "decrement_amount": "0.10", "extension_minutes": "0",
              # what the browser also sends: the sealed tender's empty first item row
              "items-0-description": "", "items-0-quantity": "", "items-0-unit": "pcs"},
    )  # fmt: skip
    assert created.status_code == 302, created.text
    tender = db.session.execute(sa.select(Tender)).scalar_one()
    assert tender.is_auction and [(i.description, i.quantity, i.unit) for i in tender.items] == [
        ("Safety gloves", 500, "pair")
    ]
