"""PDF documents: what they say (parsed back with pypdf), their numbers, and who may fetch them."""

from __future__ import annotations

import datetime as dt
import io

import pypdf

from marketplace.core import clock
from marketplace.orders import documents, services
from tests import factories
from tests.orders import factories as f


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_invoice_shows_tax_ids_vat_and_reverse_charge(client, api_a, owner_a, operator, company_a,
                                                      company_b, offer_b):  # fmt: skip
    company_a.vat_id, company_b.vat_id = "PL5261040828", "DE136695976"
    seller = f.seller_user(company_b)
    order = f.shipped_order(owner_a, seller, operator, offer_b)
    services.deliver(owner_a, order)
    answer = client.get(f"/api/v1/orders/{order.id}/documents/invoice", headers=api_a)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = pdf_text(answer.data)
    year = clock.now().year
    assert f"FV/{year}/000001" in text
    assert "PL5261040828" in text and "DE136695976" in text
    assert "Reverse charge" in text
    assert "Steel flange DN50" in text
    assert "Poznań" in text  # Polish letters survive


def test_domestic_order_charges_vat_per_line(owner_a, operator, company_a):
    seller_company = factories.company(name="Gdańsk Metal", country="PL")
    seller = f.seller_user(seller_company)
    offer = f.offer(seller_company, currency="PLN", tiers=((10, 10_000),))
    order = f.funded_order(owner_a, seller, operator, offer, quantity=10)
    assert order.reverse_charge is False
    assert order.lines[0].vat_rate_bp == 2300
    assert order.net_total == 100_000 and order.vat_total == 23_000 and order.total == 123_000
    text = pdf_text(documents.render_pdf(order, documents.get_document(order, "proforma")))
    assert "23%" in text and "Reverse charge" not in text


def test_invoice_numbers_are_gapless_per_seller_and_year(owner_a, operator, company_b, offer_b):
    seller = f.seller_user(company_b)
    numbers = []
    with clock.frozen_at(dt.datetime(2026, 12, 30, 12, tzinfo=dt.UTC)):
        for _ in range(2):
            order = f.shipped_order(owner_a, seller, operator, offer_b)
            services.deliver(owner_a, order)
            numbers.append(documents.get_document(order, "invoice").number)
        clock.advance(dt.timedelta(days=3))
        order = f.shipped_order(owner_a, seller, operator, offer_b)
        services.deliver(owner_a, order)
        numbers.append(documents.get_document(order, "invoice").number)
    other = factories.company(name="Other Seller", country="DE")
    other_offer = f.offer(other)
    order = f.shipped_order(owner_a, f.seller_user(other), operator, other_offer)
    services.deliver(owner_a, order)
    assert numbers == ["FV/2026/000001", "FV/2026/000002", "FV/2027/000001"]
    assert documents.get_document(order, "invoice").number.endswith("/000001")


def test_documents_are_for_the_two_parties_only(client, api_a, api_b, api_c, owner_a, offer_b,
                                                company_b):  # fmt: skip
    order = f.order(owner_a, offer_b)
    services.confirm(f.seller_user(company_b), order)
    url = f"/api/v1/orders/{order.id}/documents/proforma"
    assert client.get(url, headers=api_a).status_code == 200
    assert client.get(url, headers=api_b).status_code == 200
    assert client.get(url, headers=api_c).status_code == 404
    assert (
        client.get(f"/api/v1/orders/{order.id}/documents/invoice", headers=api_a).status_code == 404
    )
