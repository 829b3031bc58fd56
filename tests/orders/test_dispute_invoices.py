"""Invoices when a dispute releases money: the full sale, and a correcting invoice for a refund."""

from __future__ import annotations

from marketplace.core import clock
from marketplace.core.templating import money
from marketplace.orders import disputes, services
from marketplace.orders.models import OrderStatus
from tests import factories
from tests.orders import factories as f
from tests.orders.test_documents import pdf_text


def disputed_domestic_order(owner_a, operator):
    """A Polish seller's order of 10 × 100.00 PLN + 23 % VAT = 1,230.00 PLN, shipped, disputed."""
    seller_company = factories.company(name="Gdańsk Metal", country="PL", vat_id="PL5842734981")
    seller = f.seller_user(seller_company)
    offer = f.offer(seller_company, currency="PLN", tiers=((10, 10_000),))
    order = f.funded_order(owner_a, seller, operator, offer, quantity=10)
    services.ship(seller, order, "DHL", "1")
    dispute = disputes.open_dispute(owner_a, order, "Two flanges are cracked")
    return order, dispute, seller_company


def resolve(client, api_operator, dispute, refund: int):
    answer = client.post(
        f"/api/v1/admin/disputes/{dispute.id}/resolve",
        json={"refund_amount": refund, "note": "Photos show two cracked flanges"},
        headers=api_operator,
    )
    assert answer.status_code == 200, answer.json
    return answer.json


def test_releasing_everything_to_the_seller_issues_the_invoice(client, api_a, api_operator,
                                                               owner_a, operator):  # fmt: skip
    order, dispute, _seller = disputed_domestic_order(owner_a, operator)
    body = resolve(client, api_operator, dispute, 0)
    assert body["status"] == OrderStatus.RESOLVED and body["documents"] == [
        "confirmation",
        "proforma",
        "invoice",
    ]
    answer = client.get(f"/api/v1/orders/{order.id}/documents/invoice", headers=api_a)
    text = pdf_text(answer.data)
    assert f"FV/{clock.now().year}/000001" in text
    assert "Date of sale" in text and money(123_000, "PLN") in text


def test_a_split_issues_the_invoice_and_a_correcting_invoice_for_the_refund(
    client, api_a, api_operator, owner_a, operator
):
    order, dispute, _seller = disputed_domestic_order(owner_a, operator)
    body = resolve(client, api_operator, dispute, 24_600)  # a fifth of the gross back
    assert body["documents"] == ["confirmation", "proforma", "invoice", "correction"]
    year = clock.now().year

    answer = client.get(f"/api/v1/orders/{order.id}/documents/correction", headers=api_a)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = pdf_text(answer.data)
    assert f"Correcting invoice FK/{year}/000001" in text
    assert f"Corrects invoice FV/{year}/000001 of" in text
    assert "price reduction" in text and "PL5842734981" in text
    # 246.00 PLN back = 200.00 net + 46.00 VAT at 23 %; the invoice drops to 984.00 PLN
    assert money(-20_000, "PLN") in text and money(-4_600, "PLN") in text
    assert money(80_000, "PLN") in text and money(18_400, "PLN") in text
    assert money(98_400, "PLN") in text
    invoice = pdf_text(
        client.get(f"/api/v1/orders/{order.id}/documents/invoice", headers=api_a).data
    )
    assert f"FV/{year}/000001" in invoice and money(123_000, "PLN") in invoice


def test_corrections_are_numbered_in_their_own_gapless_series(client, api_operator, owner_a,
                                                              operator):  # fmt: skip
    numbers = []
    seller = None
    for refund in (0, 12_300, 1_230):
        if seller is None:
            order, dispute, seller = disputed_domestic_order(owner_a, operator)
        else:
            offer = f.offer(seller, currency="PLN", tiers=((10, 10_000),))
            order = f.funded_order(owner_a, f.seller_user(seller), operator, offer, quantity=10)
            dispute = disputes.open_dispute(owner_a, order, "Late and damaged")
        resolve(client, api_operator, dispute, refund)
        numbers.append(sorted(d.number for d in order.documents if d.number[:2] in ("FV", "FK")))
    year = clock.now().year
    assert numbers == [
        [f"FV/{year}/000001"],
        [f"FK/{year}/000001", f"FV/{year}/000002"],
        [f"FK/{year}/000002", f"FV/{year}/000003"],
    ]


def test_a_full_refund_is_no_sale_and_issues_no_invoice(client, api_a, api_operator, owner_a,
                                                        operator):  # fmt: skip
    order, dispute, _seller = disputed_domestic_order(owner_a, operator)
    body = resolve(client, api_operator, dispute, order.total)
    assert body["documents"] == ["confirmation", "proforma"]
    url = f"/api/v1/orders/{order.id}/documents"
    assert client.get(f"{url}/invoice", headers=api_a).status_code == 404
    assert client.get(f"{url}/correction", headers=api_a).status_code == 404
