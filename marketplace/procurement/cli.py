"""`flask procurement ...` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.core.uow import unit_of_work
from marketplace.procurement import tenders

cli = AppGroup("procurement", help="Quotes, tenders and reverse auctions.")


@cli.command("close-due")
def close_due_command() -> None:
    """Close tenders and auctions past their closing time (the background job does this too)."""
    with unit_of_work():
        count = tenders.close_due_tenders()
    click.echo(f"{count} tenders closed")
