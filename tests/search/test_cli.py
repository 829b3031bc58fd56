"""An operator rebuilds the index, watches its lag and runs the worker."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from listings.categories import load_categories
from marketplace.app import create_app
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.extensions import db
from search import engine, service
from search.backends.tantivy_backend import TantivyBackend
from search.query import OFFERS, SearchQuery
from tests.search import factories as f


def test_reindex_status_and_worker(app, backend):
    company = f.supplier("Command Line Metals")
    f.offer(company, "Aluminium profiles")
    runner = app.test_cli_runner()

    status = runner.invoke(args=["search", "status"])
    assert status.exit_code == 0, status.output
    assert "waiting" in status.output and backend.name in status.output

    worker = runner.invoke(args=["search", "worker", "--once"])
    assert worker.exit_code == 0, worker.output
    assert "shipped" in worker.output
    assert service.run(service.build_query("offers", {"q": "aluminium"})).total == 1

    rebuilt = runner.invoke(args=["search", "reindex", "--type", "offers"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "offers: 1 documents" in rebuilt.output
    assert service.run(service.build_query("offers", {"q": "aluminium"})).total == 1
    db.session.rollback()


def test_reindex_rejects_unknown_type(app, backend):
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--type", "gadgets"])
    assert result.exit_code != 0
    assert "gadgets" in result.output


class _SellerSavesDuringRebuild(TantivyBackend):
    """The real embedded backend; while it rebuilds, a seller's request suspends a supplier.

    The write goes through a connection of its own, as another web process would, and gives up
    after 0.3 s instead of the usual five."""

    def __init__(self, root, company_id: int) -> None:
        super().__init__(root)
        self.company_id = company_id
        self.saved = False

    def rebuild(self, kind, batches, progress):
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
            other.exec_driver_sql("PRAGMA busy_timeout=300")
            other.exec_driver_sql("BEGIN IMMEDIATE")
            other.execute(
                sa.update(Company)
                .where(Company.id == self.company_id)
                .values(status="suspended", updated_at=clock.now())
            )
            other.exec_driver_sql("COMMIT")
            self.saved = True
        return super().rebuild(kind, batches, progress)


def test_sellers_keep_saving_while_the_cli_reindexes_on_sqlite(tmp_path, monkeypatch):
    """The reindex reads in a reader's transaction (a writer's would lock every seller out for
    the whole rebuild), and replays in a new one that sees what they saved meanwhile.

    This needs a SQLite file of its own: the suite's database sits inside one test transaction."""
    own = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "SEARCH_SYNC": "worker",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'own.db'}"})  # fmt: skip
    with own.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
        monkeypatch.setattr(db, "session", scoped_session(sessionmaker(bind=db.engine)))
        load_categories()
        company = f.supplier("Busy Mill")
        f.offer(company, "Steel beams")
        db.session.commit()
        backend = _SellerSavesDuringRebuild(tmp_path / "index", company.id)
        engine.use_backend(own, backend)
        db.session.remove()

        result = own.test_cli_runner().invoke(args=["search", "reindex", "--type", "offers"])

        assert result.exit_code == 0, (result.output, result.exception)
        assert backend.saved
        assert backend.search(SearchQuery(kind=OFFERS, text="steel")).total == 0
        db.session.remove()
