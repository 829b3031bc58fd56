"""`flask accounts ...`: operator accounts from the command line."""

from __future__ import annotations

import click

from marketplace.accounts import services
from marketplace.core.errors import DomainError
from marketplace.core.uow import unit_of_work


@click.group("accounts", help="Manage people and operators.")
def cli() -> None:
    pass


@cli.command("create-operator")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "full_name", default="Marketplace operator", show_default=True)
def create_operator(email: str, password: str, full_name: str) -> None:
    """Create a marketplace operator (staff who verify companies and settle disputes)."""
    try:
        with unit_of_work():
            user = services.create_operator(email, password, full_name)
    except DomainError as error:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.field_errors.items())
        raise click.ClickException(details or error.message) from error
    click.echo(f"Operator {user.email} created (id {user.id}).")
