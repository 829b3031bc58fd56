"""`make run` loads the demo market with `flask seed-demo`; it must build the whole believable market."""

from __future__ import annotations

import sqlalchemy as sa

from listings.models import BuyRequest, Offer
from marketplace.companies.models import Company, CompanyIndustry
from marketplace.core.extensions import db
from marketplace.procurement.models import TenderItem


def _count(stmt) -> int:
    return db.session.execute(stmt).scalar_one()


def test_seed_demo_builds_a_cross_industry_market_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "buyer@demo.example" in result.output and "Demo-Market-2026" in result.output
    assert result.output.count("seller2@demo.example") == 1  # each sign-in listed once
    assert _count(sa.select(sa.func.count()).select_from(Company)) >= 150
    assert _count(sa.select(sa.func.count(sa.distinct(CompanyIndustry.industry)))) >= 12
    assert _count(sa.select(sa.func.count(sa.distinct(Company.country)))) >= 10
    assert (
        _count(sa.select(sa.func.count()).select_from(Offer).where(Offer.status == "published"))
        >= 3000
    )
    assert _count(sa.select(sa.func.count()).select_from(BuyRequest)) >= 200
    polish = _count(
        sa.select(sa.func.count())
        .select_from(Company)
        .where(Company.description.like("%Działamy%"))
    )
    english = _count(
        sa.select(sa.func.count())
        .select_from(Company)
        .where(Company.description.like("%Operating since%"))
    )
    assert polish > 10 and english > 10
    # the demo sealed tender buys several items, each priced in the demo bid
    item_counts = db.session.execute(
        sa.select(sa.func.count()).select_from(TenderItem).group_by(TenderItem.tender_id)
    ).scalars()
    assert any(2 <= n <= 3 for n in item_counts)

    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded again" in again.output
