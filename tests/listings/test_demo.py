"""The demo market's buy requests spread over the whole category tree and close on their day."""

from __future__ import annotations

import sqlalchemy as sa

from listings import buy_requests, categories, demo
from listings.models import BuyRequest
from marketplace.core import jobs
from marketplace.core.extensions import db
from tests import factories


def test_demo_requests_cover_every_leaf_category_and_are_scheduled_to_close():
    companies = [factories.company(name="Demo Alpha"), factories.company(name="Demo Beta")]
    _offers, request_count = demo.build(companies)
    leaves = {c.id for _parent, children in categories.grouped() for c in children}
    used = set(db.session.execute(sa.select(sa.distinct(BuyRequest.category_id))).scalars())
    assert request_count >= len(leaves)
    assert used == leaves
    scheduled = db.session.execute(
        sa.select(sa.func.count())
        .select_from(jobs.Job)
        .where(jobs.Job.name == buy_requests.CLOSE_JOB)
    ).scalar_one()
    assert scheduled == request_count
