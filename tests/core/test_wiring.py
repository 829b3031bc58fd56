"""Every reaction across packages is wired by create_app, not by whichever module was imported first."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.app import create_app
from marketplace.core import jobs
from marketplace.orders import scorecard_sync
from marketplace.orders import services as order_services
from marketplace.payments.events import escrow_funded, late_payment_refunded
from marketplace.procurement import approvals
from messaging.events import message_posted
from search import outbox

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("marketplace", "listings", "messaging", "search")
RECEIVERS = [
    (escrow_funded, order_services._on_escrow_funded),
    (late_payment_refunded, order_services._on_late_payment_refunded),
    (message_posted, scorecard_sync._on_message_posted),
    (approvals.order_held, approvals._order_held),
]


def _resolve(module, node: ast.expr) -> str:
    """The job name an enqueue call passes: a literal, a module constant or `module.CONSTANT`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return getattr(module, node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return getattr(getattr(module, node.value.id), node.attr)
    raise AssertionError(f"{module.__name__}: cannot read the job name {ast.dump(node)}")


def enqueued_job_names() -> dict[str, str]:
    """Every job name the code passes to jobs.enqueue, with the module that does."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = [
                node
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "enqueue"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "jobs"
            ]
            if not calls:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = importlib.import_module(name)
            for call in calls:
                found[_resolve(module, call.args[0])] = name
    return found


@pytest.fixture
def fresh_registry(monkeypatch):
    """No job handler and no receiver connected, as in a process that imported every module
    but has not run create_app yet."""
    monkeypatch.setattr(jobs, "_handlers", {})
    for signal, receiver in RECEIVERS:
        signal.disconnect(receiver)
    yield
    for signal, receiver in RECEIVERS:
        signal.connect(receiver)  # as the session's app left them


def _app(tmp_path):
    return create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})


def test_a_fresh_app_runs_every_job_the_code_enqueues(fresh_registry, tmp_path):
    names = enqueued_job_names()
    assert {"core.send_mail", "messaging.meeting_reminder", "orders.due_deliveries"} <= set(names)
    with pytest.raises(LookupError):
        jobs.enqueue(next(iter(names)))  # nothing is registered by importing a module
    _app(tmp_path)
    missing = {name: module for name, module in names.items() if name not in jobs.registered()}
    assert missing == {}


def test_a_second_app_in_the_same_process_changes_nothing(fresh_registry, tmp_path):
    _app(tmp_path / "one")
    handlers = dict(jobs._handlers)
    _app(tmp_path / "two")
    assert jobs._handlers == handlers
    for signal, receiver in RECEIVERS:
        assert list(signal.receivers_for(object())) == [receiver]


def test_the_factory_connects_the_receivers(fresh_registry, tmp_path):
    for signal, _receiver in RECEIVERS:
        assert not signal.receivers
    _app(tmp_path)
    for signal, receiver in RECEIVERS:
        assert list(signal.receivers_for(object())) == [receiver]
    assert sa.event.contains(Session, "after_flush", outbox._after_flush)


def test_two_handlers_for_one_job_name_are_refused(fresh_registry):
    jobs.register("tests.twice", print)
    jobs.register("tests.twice", print)  # the same again is harmless
    with pytest.raises(ValueError, match="tests.twice"):
        jobs.register("tests.twice", repr)
