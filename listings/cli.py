"""`flask listings ...`: load the category tree, close expired buy requests, import a CSV file."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from listings import buy_requests, categories
from marketplace.core.extensions import db

cli = AppGroup("listings", help="Offers, buy requests and the category tree.")


@cli.command("load-categories")
def load_categories_command() -> None:
    """Create or refresh the shipped category tree (safe to run again)."""
    created, updated = categories.load_categories()
    db.session.commit()
    click.echo(f"Categories: {created} created, {updated} updated.")


@cli.command("close-expired")
def close_expired_command() -> None:
    """Close open buy requests whose needed-by date has passed."""
    count = buy_requests.close_expired_requests()
    db.session.commit()
    click.echo(f"Closed {count} expired buy requests.")
