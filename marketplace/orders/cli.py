"""`flask orders ...`: the job that records automatic deliveries and completes orders."""

from __future__ import annotations

import click

from marketplace.core.uow import unit_of_work
from marketplace.orders import services


@click.group("orders")
def cli() -> None:
    """Order jobs."""


@cli.command("auto-deliver")
def auto_deliver() -> None:
    """Mark orders delivered N days after shipping; complete them after the dispute window."""
    with unit_of_work():
        delivered, completed = services.run_due_deliveries()
    click.echo(f"{delivered} orders delivered automatically, {completed} completed.")
