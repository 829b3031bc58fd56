"""A removed offer image leaves the disk only with the commit that removes it from the offer."""

from __future__ import annotations

import io
from pathlib import Path

from listings import services
from marketplace.core.extensions import db
from tests.listings import factories as listing_factories
from tests.listings.test_offer_pages import _png


def test_a_removal_that_rolls_back_keeps_the_image_shown(app, client, owner_a, company_a):
    offer = listing_factories.offer(company_a)
    image = services.add_image(owner_a, offer, io.BytesIO(_png()), "sheet.png", 10**6)
    db.session.commit()
    url = f"/offers/{offer.id}/images/{image.id}"
    path = Path(app.config["UPLOAD_DIR"]) / image.key

    services.remove_image(owner_a, offer, image.id)
    assert path.is_file()  # not before the commit
    db.session.rollback()
    assert path.is_file()
    assert client.get(url).status_code == 200

    services.remove_image(owner_a, offer, image.id)
    db.session.commit()
    assert not path.exists()
    assert client.get(url).status_code == 404


def test_a_published_offers_picture_may_be_cached_but_a_drafts_stays_private(
    client, client_a, owner_a, company_a
):
    published = listing_factories.offer(company_a)
    draft = listing_factories.offer(company_a, status="draft")
    shown = services.add_image(owner_a, published, io.BytesIO(_png()), "sheet.png", 10**6)
    hidden = services.add_image(owner_a, draft, io.BytesIO(_png()), "draft.png", 10**6)
    db.session.commit()

    public = client.get(f"/offers/{published.id}/images/{shown.id}")
    assert public.status_code == 200
    assert "public" in public.headers["Cache-Control"]

    own = client_a.get(f"/offers/{draft.id}/images/{hidden.id}")
    assert own.status_code == 200
    assert "no-store" in own.headers["Cache-Control"]
    assert "public" not in own.headers["Cache-Control"]
    assert client.get(f"/offers/{draft.id}/images/{hidden.id}").status_code == 404
