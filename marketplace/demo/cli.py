"""`flask seed-demo`: fill an empty database with the demo market and print the sign-in details once."""

from __future__ import annotations

import click
import sqlalchemy as sa

from listings import demo as listings_demo
from marketplace.companies.models import Company
from marketplace.core.extensions import db
from marketplace.core.uow import unit_of_work
from marketplace.demo import companies as demo_companies
from marketplace.orders import demo as orders_demo
from marketplace.procurement import demo as procurement_demo
from messaging import demo as messaging_demo


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when companies exist already.")
@click.option("--companies", "count", default=160, show_default=True, help="How many companies.")
def seed_demo(if_empty: bool, count: int) -> None:
    """Create a believable cross-industry demo market."""
    existing = db.session.execute(sa.select(sa.func.count()).select_from(Company)).scalar_one()
    if existing:
        if if_empty:
            click.echo(f"Database has {existing} companies; demo data not loaded again.")
            return
        raise click.ClickException("The database is not empty; use a fresh database for demo data.")
    with unit_of_work():
        market = demo_companies.build(count=count)
        offer_count, request_count = listings_demo.build(market.companies)
        procurement_demo.build(market, demo_companies.DEMO_PASSWORD)
        thread_count = messaging_demo.build(market.companies, market.buyer)
        order_count = orders_demo.build(market.companies, market.operator)
    verified = sum(1 for c in market.companies if c.is_verified)
    click.echo(f"Demo market: {len(market.companies)} companies ({verified} verified).")
    click.echo(f"Listings: {offer_count} published offers, {request_count} buy requests.")
    click.echo(f"Messages: {thread_count} conversations of the demo buyer.")
    click.echo(f"Orders: {order_count} demo orders between two demo companies.")
    click.echo(
        f"Sign in at /login with any of these (password for all: {demo_companies.DEMO_PASSWORD}):"
    )
    click.echo(f"  operator  {market.operator.email}")
    click.echo(f"  buyer     {market.buyer.email}   ({market.buyer.company.name})")
    click.echo(f"  seller    {market.seller.email}  ({market.seller.company.name})")
    click.echo("  admin     admin@demo.example   (owner rights except ownership)")
    click.echo(f"  seller 2  {procurement_demo.SECOND_SELLER} (bids in the demo auction)")
