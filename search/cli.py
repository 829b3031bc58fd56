"""`flask search reindex|status|worker`: rebuild the index, watch its lag, ship changes at scale."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from marketplace.core.extensions import db
from marketplace.core.uow import unit_of_work
from search import engine, outbox
from search import reindex as rebuilding
from search.query import KINDS

cli = AppGroup("search", help="Search index: reindex, status, worker.")


@cli.command("reindex")
@click.option("--type", "kinds", type=click.Choice(KINDS), multiple=True, help="Only this type.")
def reindex(kinds: tuple[str, ...]) -> None:
    """Rebuild the index from the database into a new version and swap it in."""
    for kind in kinds or KINDS:
        # Nothing is written: the end of the first unit ends the rebuild's snapshot, so the
        # replay sees what sellers committed meanwhile.
        with unit_of_work():
            _read_only()
            total = rebuilding.count_documents(kind)
            since = rebuilding.replay_start()
            started = time.perf_counter()
            with click.progressbar(length=total, label=f"{kind:10}") as bar:
                count = rebuilding.rebuild(kind, bar.update)
            elapsed = time.perf_counter() - started
        with unit_of_work():
            _read_only()
            rebuilding.replay(kind, since)
        rate = count / elapsed if elapsed else 0
        click.echo(f"{kind}: {count} documents in {elapsed:.1f} s ({rate:,.0f}/s)")


def _read_only() -> None:
    """Read in a reader's transaction: on SQLite a writer's would hold the database's write lock
    for the whole rebuild, and every seller saving meanwhile would fail with "database is locked"
    after five seconds. (Tests run inside a transaction of their own: nothing to choose then.)"""
    if not db.session().in_transaction():
        db.session.connection(execution_options={"read_only": True})


@cli.command("status")
def status() -> None:
    """Index size per type and how far the outbox lags behind."""
    backend = engine.backend()
    click.echo(f"backend: {backend.name}")
    for kind, figures in backend.stats().items():
        click.echo(
            f"{kind:10} {figures['documents']:>9} documents {figures['bytes'] / 1e6:>9.1f} MB"
            f"  index {figures['index']}"
        )
    waiting, age = outbox.lag(db.session)
    age_text = f"{age:.1f} s" if age is not None else "-"
    click.echo(f"outbox     {waiting:>9} waiting, oldest {age_text}")


@cli.command("worker")
@click.option("--interval", default=0.5, show_default=True, help="Seconds between polls.")
@click.option("--once", is_flag=True, help="Drain what is waiting, then exit.")
def worker(interval: float, once: bool) -> None:
    """Ship outbox changes to the index continuously (run N of them at scale)."""
    while True:
        shipped = engine.drain_now()
        db.session.remove()
        if shipped:
            click.echo(f"shipped {shipped} changes")
            continue
        if once:
            return
        time.sleep(interval)
