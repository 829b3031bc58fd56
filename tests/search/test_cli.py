"""An operator rebuilds the index, watches its lag and runs the worker."""

from __future__ import annotations

from marketplace.core.extensions import db
from search import service
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
