"""A description longer than 20,000 characters is refused by name, never cut into broken HTML."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from listings.models import BuyRequest, ImportStatus, Offer
from marketplace.core.extensions import db
from tests import factories
from tests.listings import factories as listing_factories
from tests.listings.test_buy_requests import _body as request_body
from tests.listings.test_csv import _csv, _import, _offers, _row
from tests.listings.test_offer_api import BODY as OFFER_BODY
from tests.listings.test_offer_pages import FORM as OFFER_FORM

TOO_LONG = "<p>" + "x" * 19_994 + "</p>"  # 20,001 characters as typed


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize(
    ("url", "body", "model"),
    [("/api/v1/offers", OFFER_BODY, Offer), ("/api/v1/requests", request_body(), BuyRequest)],
)
def test_the_api_names_description_and_writes_nothing(client, api_a, url, body, model):
    response = client.post(url, json=body | {"description": TOO_LONG}, headers=api_a)
    assert response.status_code == 422
    assert response.json["errors"]["description"] == ["At most 20000 characters."]
    assert _count(model) == 0


def test_the_offer_form_shows_the_error_beside_the_description(signed_in, owner_a):
    response = signed_in(owner_a).post("/offers/new", data=OFFER_FORM | {"description": TOO_LONG})
    assert response.status_code == 422
    assert "At most 20000 characters." in response.data.decode()
    assert _count(Offer) == 0


def test_the_request_form_shows_the_error_in_polish_too(signed_in, company_a):
    browser = signed_in(factories.user(company_a, role="buyer"))
    form = request_body(description=TOO_LONG, target_unit_price="850.00")
    del form["invited_company_ids"]
    response = browser.post("/requests/new?lang=pl", data=form)
    assert response.status_code == 422
    assert "Maksymalnie 20000 znaków." in response.data.decode()
    assert _count(BuyRequest) == 0


def test_a_csv_row_with_a_long_description_is_a_row_error(owner_a, company_a):
    job = _import(owner_a, _csv([_row(1), _row(2, description=TOO_LONG)]))
    assert job.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "description")]
    assert _offers(company_a.id) == []


def test_text_that_grows_when_cleaned_is_kept_whole(client, api_a, company_a):
    # 19,999 characters as typed; escaping each "&" makes the cleaned text far longer than 20,000.
    typed = "<p>" + "&" * 19_992 + "</p>"
    response = client.post(
        "/api/v1/offers", json=OFFER_BODY | {"description": typed}, headers=api_a
    )
    assert response.status_code == 201, response.json
    assert response.json["description"] == "<p>" + "&amp;" * 19_992 + "</p>"


def test_line_breaks_sent_by_a_browser_count_once(company_a):
    typed = "<p>" + "a\r\n" * 5_000 + "b" * 9_993 + "</p>"  # 20,000 counting a break as one
    offer = listing_factories.offer(company_a, description=typed)
    assert offer.description.endswith("b</p>")
