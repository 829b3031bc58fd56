"""`flask listings ...`: load the category tree, close expired buy requests, import a CSV file."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from listings import buy_requests, categories
from marketplace.core.uow import unit_of_work

cli = AppGroup("listings", help="Offers, buy requests and the category tree.")


@cli.command("load-categories")
def load_categories_command() -> None:
    """Create or refresh the shipped category tree (safe to run again)."""
    with unit_of_work():
        created, updated = categories.load_categories()
    click.echo(f"Categories: {created} created, {updated} updated.")


@cli.command("close-expired")
def close_expired_command() -> None:
    """Close open buy requests whose needed-by date has passed."""
    with unit_of_work():
        count = buy_requests.close_expired_requests()
    click.echo(f"Closed {count} expired buy requests.")
