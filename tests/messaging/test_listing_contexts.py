"""The app wires listings into messaging: a buyer writes about a real offer, a supplier about a buy request."""

from __future__ import annotations

import sqlalchemy as sa

from listings.models import OfferStatus
from marketplace.core.extensions import db
from messaging.models import Thread
from tests.listings import factories as listing_factories


def test_contact_supplier_from_an_offer_page(app, client_a, company_b, owner_b):
    offer = listing_factories.offer(company_b, title="Galvanised coil DX51D")
    db.session.commit()
    offer_page = client_a.get(f"/offers/{offer.id}")
    link = f"/messages/new?to={company_b.id}&amp;context=offer:{offer.id}"
    assert link in offer_page.text
    form = client_a.get(link.replace("&amp;", "&"))
    assert form.status_code == 200 and "Galvanised coil DX51D" in form.text
    response = client_a.post(
        link.replace("&amp;", "&"),
        data={
            "subject": "Coil price",
            "body": "Price for 40 t?",
            "quantity": "40 t",
            "target_price_currency": "EUR",
        },
    )
    assert response.status_code == 302
    thread = db.session.execute(sa.select(Thread)).scalar_one()
    assert (thread.context_type, thread.context_id) == ("offer", offer.id)
    page = app.test_client(user=owner_b).get(f"/messages/{thread.id}")
    assert f'href="/offers/{offer.id}"' in page.text and "Galvanised coil DX51D" in page.text


def test_a_draft_offer_of_another_company_is_not_a_context(client, client_a, api_a, company_b):
    draft = listing_factories.offer(company_b, status=OfferStatus.DRAFT)
    db.session.commit()
    assert client_a.get(f"/messages/new?context=offer:{draft.id}").status_code == 404
    response = client.post(
        "/api/v1/threads",
        json={
            "to_company_id": company_b.id,
            "subject": "x",
            "body": "y",
            "context": {"type": "offer", "id": draft.id},
        },
        headers=api_a,
    )
    assert response.status_code == 422 and "context" in response.json["errors"]


def test_supplier_contacts_a_buyer_about_a_buy_request(client, api_b, company_a):
    request = listing_factories.buy_request(company_a, title="20 t of rebar")
    db.session.commit()
    response = client.post(
        "/api/v1/threads",
        json={
            "subject": "Rebar offer",
            "body": "We can deliver.",
            "context": {"type": "buy_request", "id": request.id},
        },
        headers=api_b,
    )
    assert response.status_code == 201, response.json
    assert response.json["context"]["title"] == "20 t of rebar"
    assert company_a.id in [p["company_id"] for p in response.json["participants"]]
