"""A seller lists offers: statuses, price tiers, the rules on input, who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from listings import categories, services
from listings.models import Offer, OfferStatus
from marketplace.companies import services as companies
from marketplace.companies.models import CompanyStatus
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from tests import factories
from tests.listings import factories as listing_factories

OFFER = {
    "title": "Hot rolled steel sheet S235JR 3 mm",
    "description": "<p>Mill certificate 3.1</p>",
    "category": "steel-sheet-plate",
    "unit": "t",
    "moq": 5,
    "currency": "EUR",
    "price_tiers": [
        {"min_quantity": 5, "unit_price": 92000},
        {"min_quantity": 20, "unit_price": 87500},
    ],
    "lead_time_days": 10,
    "incoterm": "FCA",
    "incoterm_place": "Katowice",
    "origin_country": "PL",
    "attributes": {"steel_grade": "S235JR", "thickness_mm": "3"},
}


def _count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Offer)).scalar_one()


def test_the_tree_has_sixteen_industries_and_150_categories_with_polish_names():
    groups = categories.grouped()
    assert len(groups) == 16
    assert sum(len(children) for _parent, children in groups) >= 150
    sheet = categories.by_slug("steel-sheet-plate")
    assert sheet.parent.slug == "metals"
    assert sheet.name("pl") == "Blachy stalowe"
    assert {a["key"] for a in sheet.attributes} >= {"steel_grade", "thickness_mm"}


def test_loading_the_tree_again_changes_nothing():
    assert categories.load_categories() == (0, 0)


def test_a_draft_goes_published_paused_published_archived(owner_a):
    offer = services.create_offer(owner_a, OFFER)
    assert offer.status == OfferStatus.DRAFT
    assert offer.attributes == {"steel_grade": "S235JR", "thickness_mm": 3}
    assert services.public_offer(offer.id) is None

    services.publish(owner_a, offer)
    assert services.public_offer(offer.id) is offer
    assert offer.published_at is not None

    services.pause(owner_a, offer)
    assert services.public_offer(offer.id) is None
    services.publish(owner_a, offer)
    assert services.public_offer(offer.id) is offer

    services.archive(owner_a, offer)
    assert services.public_offer(offer.id) is None
    with pytest.raises(Conflict):
        services.publish(owner_a, offer)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (OfferStatus.DRAFT, OfferStatus.PAUSED),
        (OfferStatus.ARCHIVED, OfferStatus.PUBLISHED),
        (OfferStatus.ARCHIVED, OfferStatus.PAUSED),
        (OfferStatus.PUBLISHED, OfferStatus.DRAFT),
        (OfferStatus.PAUSED, OfferStatus.PAUSED),
    ],
)
def test_transitions_outside_the_machine_are_refused(owner_a, company_a, start, target):
    offer = listing_factories.offer(company_a, status=start)
    with pytest.raises(Conflict):
        services.change_status(owner_a, offer, target)
    assert offer.status == start


def test_an_expired_offer_is_not_public_and_cannot_be_republished(owner_a, company_a):
    offer = listing_factories.offer(company_a, valid_until=clock.today() + dt.timedelta(days=3))
    assert services.public_offer(offer.id) is offer
    clock.advance(dt.timedelta(days=4))
    assert services.public_offer(offer.id) is None
    services.pause(owner_a, offer)
    with pytest.raises(ValidationError) as error:
        services.publish(owner_a, offer)
    assert "valid_until" in error.value.errors


def test_offers_of_a_suspended_company_are_hidden(company_a, operator):
    offer = listing_factories.offer(company_a)
    companies.set_status(operator, company_a, CompanyStatus.SUSPENDED)
    assert services.public_offer(offer.id) is None


def test_unit_price_follows_the_quantity_breaks(owner_a):
    offer = services.create_offer(
        owner_a,
        OFFER
        | {
            "price_tiers": [
                {"min_quantity": 5, "unit_price": 92000},
                {"min_quantity": 20, "unit_price": 87500},
                {"min_quantity": 100, "unit_price": 81000},
            ]
        },
    )
    assert services.unit_price_for(offer, 5) == Money(92000, "EUR")
    assert services.unit_price_for(offer, 19) == Money(92000, "EUR")
    assert services.unit_price_for(offer, 20) == Money(87500, "EUR")
    assert services.unit_price_for(offer, 99) == Money(87500, "EUR")
    assert services.unit_price_for(offer, 100) == Money(81000, "EUR")
    assert services.unit_price_for(offer, 20).times(20) == Money(1_750_000, "EUR")
    with pytest.raises(ValidationError) as error:
        services.unit_price_for(offer, 4)
    assert "quantity" in error.value.errors


def test_price_on_request_has_no_unit_price(owner_a):
    offer = services.create_offer(owner_a, OFFER | {"price_tiers": [], "price_on_request": True})
    with pytest.raises(ValidationError):
        services.unit_price_for(offer, 10)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price_tiers": [{"min_quantity": 20, "unit_price": 1}, {"min_quantity": 5, "unit_price": 2}]}, "price_tiers"),
        ({"price_tiers": [{"min_quantity": 10, "unit_price": 1000}]}, "price_tiers"),
        ({"price_tiers": [{"min_quantity": 5, "unit_price": 0}]}, "price_tiers"),
        ({"price_tiers": [{"min_quantity": 5, "unit_price": -100}]}, "price_tiers"),
        ({"price_tiers": []}, "price_tiers"),
        ({"moq": 0}, "moq"),
        ({"valid_until": dt.date(2020, 1, 1)}, "valid_until"),
        ({"category": "unobtainium"}, "category"),
        ({"currency": "XXX"}, "currency"),
        ({"lead_time_days": -1}, "lead_time_days"),
        ({"unit": "bushel"}, "unit"),
        ({"incoterm": "ZZZ"}, "incoterm"),
        ({"origin_country": "QQ"}, "origin_country"),
        ({"title": ""}, "title"),
        ({"attributes": {"steel_grade": "Mithril"}}, "attributes"),
        ({"attributes": {"thickness_mm": "thick"}}, "attributes"),
        ({"attributes": {"flavour": "vanilla"}}, "attributes"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_writes_nothing(owner_a, change, field):
    before = _count()
    with pytest.raises(ValidationError) as error:
        services.create_offer(owner_a, OFFER | change)
    assert field in error.value.errors
    assert _count() == before


def test_description_is_sanitized(owner_a):
    offer = services.create_offer(
        owner_a,
        OFFER
        | {
            "description": '<p onclick="steal()">Sheet<script>alert(1)</script><img src=x onerror=alert(2)></p>'
        },
    )
    assert "script" not in offer.description
    assert "onclick" not in offer.description
    assert "onerror" not in offer.description
    assert "Sheet" in offer.description


def test_a_sku_is_unique_within_a_company_only(owner_a, owner_b):
    services.create_offer(owner_a, OFFER | {"sku": "SH-3"})
    with pytest.raises(ValidationError) as error:
        services.create_offer(owner_a, OFFER | {"sku": "SH-3"})
    assert "sku" in error.value.errors
    assert services.create_offer(owner_b, OFFER | {"sku": "SH-3"}).sku == "SH-3"


def test_only_sellers_admins_and_owners_manage_offers(company_a, viewer_a, owner_b):
    buyer = factories.user(company_a, role="buyer")
    seller = factories.user(company_a, role="seller")
    for person in (viewer_a, buyer):
        with pytest.raises(PermissionDenied):
            services.create_offer(person, OFFER)
    offer = services.create_offer(seller, OFFER)
    with pytest.raises(NotFound):
        services.update_offer(owner_b, offer, {"title": "Mine now"})
    with pytest.raises(NotFound):
        services.publish(owner_b, offer)


def test_update_keeps_what_is_not_given_and_checks_tiers_against_moq(owner_a):
    offer = services.create_offer(owner_a, OFFER)
    services.update_offer(owner_a, offer, {"title": "Sheet S235JR 4 mm"})
    assert offer.title == "Sheet S235JR 4 mm"
    assert [t.min_quantity for t in offer.price_tiers] == [5, 20]
    with pytest.raises(ValidationError) as error:
        services.update_offer(owner_a, offer, {"moq": 2})
    assert "price_tiers" in error.value.errors
    services.update_offer(
        owner_a, offer, {"price_tiers": [{"min_quantity": 5, "unit_price": 90000}]}
    )
    assert [(t.min_quantity, t.unit_price) for t in offer.price_tiers] == [(5, 90000)]


def test_drafts_are_visible_only_to_their_company(company_a, company_b):
    draft = listing_factories.offer(company_a, status=OfferStatus.DRAFT)
    assert services.offer_for_viewer(draft.id, company_a.id) is draft
    with pytest.raises(NotFound):
        services.offer_for_viewer(draft.id, company_b.id)
    with pytest.raises(NotFound):
        services.offer_for_viewer(draft.id, None)


def test_context_summary_for_messaging(company_a, company_b):
    public = listing_factories.offer(company_a)
    draft = listing_factories.offer(company_a, status=OfferStatus.DRAFT)
    summary = services.context_summary("offer", public.id, company_b.id)
    assert summary == {
        "title": public.title,
        "url": f"/offers/{public.id}",
        "company_id": company_a.id,
    }
    assert services.context_summary("offer", draft.id, company_b.id) is None
    assert services.context_summary("offer", draft.id, company_a.id)["title"] == draft.title
    assert services.context_summary("offer", "nonsense", company_b.id) is None
    assert services.context_summary("tender", public.id, company_b.id) is None


def test_moving_an_offer_to_another_category_keeps_only_attributes_it_defines(owner_a):
    offer = services.create_offer(owner_a, OFFER)
    services.update_offer(owner_a, offer, {"category": "steel-bars-rods"})
    assert offer.category.slug == "steel-bars-rods"
    assert offer.attributes == {"steel_grade": "S235JR"}
