"""A seller works with offers in the browser: create with tiers, publish, browse, bulk changes, images."""

from __future__ import annotations

import io
import re
from datetime import date

import sqlalchemy as sa
from PIL import Image

from listings.models import Offer, OfferStatus
from marketplace.core.extensions import db
from tests import factories
from tests.listings import factories as listing_factories

FORM = {
    "title": "Blacha stalowa S355J2 10 mm",
    "sku": "BL-10",
    "category": "steel-sheet-plate",
    "language": "pl",
    "description": "<p>Arkusze 1500x3000</p><script>alert('x')</script>",
    "unit": "t",
    "moq": "2",
    "currency": "PLN",
    "tier1_quantity": "2",
    "tier1_price": "4150.00",
    "tier2_quantity": "10",
    "tier2_price": "3990.50",
    "lead_time_days": "7",
    "incoterm": "FCA",
    "incoterm_place": "Częstochowa",
    "origin_country": "PL",
    "attr_steel_grade": "S355J2",
    "attr_thickness_mm": "10",
}


def _errors(html: str) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', html)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_create_publish_and_find_on_the_category_page(app, signed_in, owner_a, company_a):
    browser = signed_in(owner_a)
    response = browser.post("/offers/new", data=FORM | {"action": "publish"})
    assert response.status_code == 302, _errors(response.data.decode())
    offer = db.session.execute(sa.select(Offer)).scalars().one()
    assert offer.status == OfferStatus.PUBLISHED
    assert [(t.min_quantity, t.unit_price) for t in offer.price_tiers] == [
        (2, 415000),
        (10, 399050),
    ]
    assert offer.attributes == {"steel_grade": "S355J2", "thickness_mm": 10}
    assert "script" not in offer.description

    visitor = app.test_client()
    page = visitor.get(f"/offers/{offer.id}").data.decode()
    assert "Blacha stalowa S355J2 10 mm" in page
    assert "Alpha Steel" in page
    assert "€" not in page and "PLN" in page
    assert f"/messages/new?to={company_a.id}&amp;context=offer:{offer.id}" in page
    assert "<script>alert" not in page
    for url in ("/categories/steel-sheet-plate", "/categories/metals", "/offers"):
        assert "Blacha stalowa S355J2 10 mm" in visitor.get(url).data.decode()
    assert visitor.get("/categories").status_code == 200
    assert visitor.get("/categories/no-such-thing").status_code == 404


def test_bad_form_shows_errors_beside_fields_and_writes_nothing(signed_in, owner_a):
    browser = signed_in(owner_a)
    response = browser.post(
        "/offers/new",
        data=FORM
        | {
            "moq": "0",
            "lead_time_days": "-2",
            "tier1_quantity": "10",
            "tier2_quantity": "2",
            "valid_until": "2001-01-01",
        },
    )
    assert response.status_code == 422
    errors = _errors(response.data.decode())
    assert "Must be at least 1." in errors
    assert "Must not be negative." in errors
    assert "The date must not be in the past." in errors
    assert any("Sort the tiers" in e for e in errors)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Offer)).scalar_one() == 0
    bad_price = browser.post("/offers/new", data=FORM | {"tier1_price": "12,5x"})
    assert bad_price.status_code == 422, bad_price.location


def test_live_validation_answers_field_errors_without_writing(signed_in, owner_a):
    browser = signed_in(owner_a)
    errors = browser.post(
        "/offers/validate", data={"title": "", "moq": "0", "currency": "XYZ"}
    ).json["errors"]
    assert {"title", "moq", "currency", "category", "unit", "price_tiers"} <= set(errors)
    assert browser.post("/offers/validate", data=FORM).json["errors"] == {}
    assert db.session.execute(sa.select(sa.func.count()).select_from(Offer)).scalar_one() == 0


def test_edit_status_buttons_and_drafts_hidden_from_others(
    app, signed_in, owner_a, company_a, owner_b
):
    offer = listing_factories.offer(company_a, status=OfferStatus.DRAFT)
    browser = signed_in(owner_a)
    assert browser.get(f"/offers/{offer.id}/edit").status_code == 200
    response = browser.post(f"/offers/{offer.id}/edit", data=FORM | {"title": "Renamed sheet"})
    assert response.status_code == 302
    assert offer.title == "Renamed sheet"
    other = signed_in(owner_b)
    assert other.get(f"/offers/{offer.id}").status_code == 404
    assert other.get(f"/offers/{offer.id}/edit").status_code == 404
    assert other.post(f"/offers/{offer.id}/status", data={"status": "published"}).status_code == 404
    own_page = browser.get(f"/offers/{offer.id}").data.decode()
    assert "Publish" in own_page and "Contact supplier" not in own_page
    browser.post(f"/offers/{offer.id}/status", data={"status": "published"})
    assert offer.status == OfferStatus.PUBLISHED
    assert "Pause" in browser.get(f"/offers/{offer.id}").data.decode()
    browser.post(f"/offers/{offer.id}/status", data={"status": "draft"})
    assert offer.status == OfferStatus.PUBLISHED
    assert other.get(f"/offers/{offer.id}").status_code == 200


def test_my_offers_bulk_pause_and_archive(signed_in, owner_a, company_a, company_b):
    mine = [listing_factories.offer(company_a) for _ in range(3)]
    theirs = listing_factories.offer(company_b)
    browser = signed_in(owner_a)
    ids = [str(o.id) for o in mine[:2]] + [str(theirs.id)]
    response = browser.post("/my/offers/bulk", data={"status": "paused", "offer_ids": ids})
    assert response.status_code == 302
    assert [o.status for o in mine] == ["paused", "paused", "published"]
    assert theirs.status == "published"
    page = browser.get("/my/offers?status=paused").data.decode()
    assert mine[0].title in page and mine[2].title not in page
    assert browser.post("/my/offers/bulk", data={"status": "nonsense"}).status_code == 303


def test_images_are_checked_like_the_logo(app, signed_in, owner_a, company_a):
    offer = listing_factories.offer(company_a)
    browser = signed_in(owner_a)
    data = FORM | {"images": (io.BytesIO(_png()), "sheet.png")}
    response = browser.post(
        f"/offers/{offer.id}/edit", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert len(offer.images) == 1
    image = app.test_client().get(f"/offers/{offer.id}/images/{offer.images[0].id}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    fake = FORM | {"images": (io.BytesIO(b"MZ\x90\x00 not an image"), "evil.png")}
    response = browser.post(
        f"/offers/{offer.id}/edit", data=fake, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "This type of file is not accepted." in response.data.decode()
    assert len(offer.images) == 1


def test_roles_without_sell_cannot_open_the_offer_form(signed_in, company_a):
    buyer = signed_in(factories.user(company_a, role="buyer"))
    assert buyer.get("/offers/new").status_code == 403
    assert buyer.post("/offers/new", data=FORM).status_code == 403


def test_the_offer_form_refuses_a_post_without_the_csrf_token(signed_in, owner_a):
    browser = signed_in(owner_a)
    response = browser.post("/offers/new", data=FORM, csrf=False)
    assert response.status_code == 400
    assert db.session.execute(sa.select(sa.func.count()).select_from(Offer)).scalar_one() == 0


def test_all_offers_of_one_supplier(client, company_a, company_b):
    mine = listing_factories.offer(company_a, title="Alpha sheet")
    listing_factories.offer(
        company_b, title="Beta solvent", category="industrial-solvents", unit="l"
    )
    page = client.get(f"/offers?company={company_a.id}").data.decode()
    assert "Alpha sheet" in page and "Beta solvent" not in page
    assert f"/offers?company={company_a.id}" in client.get(f"/offers/{mine.id}").data.decode()


def test_status_change_never_redirects_off_site(signed_in, owner_a, company_a):
    offer = listing_factories.offer(company_a)
    browser = signed_in(owner_a)
    response = browser.post(
        f"/offers/{offer.id}/status", data={"status": "paused", "next": "https://evil.example/"}
    )
    assert response.location == f"/offers/{offer.id}"
    response = browser.post(
        f"/offers/{offer.id}/status", data={"status": "published", "next": "/my/offers"}
    )
    assert response.location == "/my/offers"


def test_a_status_change_that_cannot_happen_says_why_and_changes_nothing(
    signed_in, owner_a, company_a
):
    offer = listing_factories.offer(company_a, status=OfferStatus.DRAFT)
    offer.valid_until = date(2001, 1, 1)
    db.session.flush()
    browser = signed_in(owner_a)
    expired = browser.post(
        f"/offers/{offer.id}/status", data={"status": "published"}, follow_redirects=True
    )
    assert "The offer has expired; set a new validity date first." in expired.text
    assert offer.status == OfferStatus.DRAFT
    wrong = browser.post(
        f"/offers/{offer.id}/status", data={"status": "paused"}, follow_redirects=True
    )
    assert "A draft offer cannot become paused." in wrong.text
    assert offer.status == OfferStatus.DRAFT
