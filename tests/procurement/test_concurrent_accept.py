"""A client's retries of an accept arrive while the first try is still running (PostgreSQL):
with one Idempotency-Key every try gets the same order and only one is placed; without a key
the quote's conditional update refuses all but one. Two different quotes on one request accepted
at once give one order (or one requisition) and a clear refusal, never two or a deadlock.

The usual per-test transaction cannot be shared by threads, so these tests commit their own data
through sessions of their own and remove it afterwards (only from tables that were empty).
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders.models import Order
from marketplace.procurement import approvals
from marketplace.procurement.models import Requisition
from tests import factories
from tests.listings import factories as listing_factories
from tests.procurement import factories as procurement_factories

THREADS = 8


def _buyers_tab(app, buyer) -> tuple:
    """A signed-in browser tab of the buyer and the headers its page's script sends to the API
    (the session cookie rides along, so the page's CSRF token goes with it)."""
    client = app.test_client(user=buyer)
    return client, {"X-CSRFToken": client.meta_csrf_token("/")}


def _accept_at_once(app, headers: dict[str, str]) -> tuple[list, int]:
    """Identical accept calls released together; returns the answers and the buyer's orders.

    The clients are signed in by session: a fresh API token is recorded on first use, and that
    row lock would queue the calls one behind the other (a retrying client's token is not fresh)."""
    buyer_co = factories.company(name="Race Buyer", country="PL")
    supplier = factories.company(name="Race Supplier", country="PL")
    buyer = factories.user(buyer_co, role="buyer")
    seller = factories.user(supplier, role="seller")
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=10)
    quote = procurement_factories.quote(seller, request, unit_price=10000)
    db.session.commit()
    url, buyer_co_id = f"/api/v1/quotes/{quote.id}/accept", buyer_co.id
    db.session.remove()

    barrier = threading.Barrier(THREADS)
    answers: list = []

    def accept(tab) -> None:
        client, csrf = tab
        barrier.wait(timeout=10)
        answer = client.post(url, headers={**headers, **csrf})
        answers.append((answer.status_code, answer.json, answer.headers.get("Idempotent-Replayed")))

    # signed in here: signing a session in needs the app's secret, which a bare thread lacks
    tabs = [_buyers_tab(app, buyer) for _ in range(THREADS)]
    threads = [threading.Thread(target=accept, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    placed = db.session.execute(
        sa.select(sa.func.count()).select_from(Order).where(Order.buyer_company_id == buyer_co_id)
    ).scalar_one()
    return answers, placed


def test_simultaneous_retries_with_one_key_place_one_order_and_answer_alike(app, committed_session):
    answers, placed = _accept_at_once(app, {"Idempotency-Key": "accept-race"})
    assert [status for status, _body, _replayed in answers] == [200] * THREADS, answers
    assert len({body["order_id"] for _status, body, _replayed in answers}) == 1
    assert sorted(replayed or "" for _status, _body, replayed in answers) == [""] + ["true"] * (
        THREADS - 1
    )
    assert placed == 1


def test_simultaneous_accepts_without_a_key_place_one_order(app, committed_session):
    answers, placed = _accept_at_once(app, {})
    assert sorted(status for status, _body, _replayed in answers) == [200] + [409] * (THREADS - 1)
    assert placed == 1


def _accept_two_quotes_at_once(app, limit: Money | None) -> tuple[list[int], int, int]:
    """The buyer accepts two suppliers' quotes on one request at the same moment; returns the
    answers' status codes (or the error a 500 would be), the orders and requisitions made."""
    buyer_co = factories.company(name="Two Quotes Buyer", country="PL")
    buyer = factories.user(buyer_co, role="buyer")
    if limit is not None:
        approvals.set_limit(factories.user(buyer_co, role="owner"), buyer.id, limit)
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=10)
    urls = []
    for name in ("North Supplier", "South Supplier"):
        seller = factories.user(factories.company(name=name, country="PL"), role="seller")
        quote = procurement_factories.quote(seller, request, unit_price=10000)
        urls.append(f"/api/v1/quotes/{quote.id}/accept")
    db.session.commit()
    buyer_co_id = buyer_co.id
    db.session.remove()

    barrier = threading.Barrier(len(urls))
    statuses: list = []

    def accept(tab, url: str) -> None:
        client, csrf = tab
        barrier.wait(timeout=10)
        try:
            statuses.append(client.post(url, headers=csrf).status_code)
        except Exception as error:  # noqa: BLE001 - a test app raises what would be a 500
            statuses.append(repr(error))

    threads = [threading.Thread(target=accept, args=(_buyers_tab(app, buyer), url))
               for url in urls]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    placed = db.session.execute(
        sa.select(sa.func.count()).select_from(Order).where(Order.buyer_company_id == buyer_co_id)
    ).scalar_one()
    opened = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Requisition)
        .where(Requisition.company_id == buyer_co_id)
    ).scalar_one()
    return statuses, placed, opened


def test_two_quotes_on_one_request_accepted_at_once_give_one_order(app, committed_session):
    statuses, placed, opened = _accept_two_quotes_at_once(app, None)
    assert sorted(statuses, key=str) == [200, 409], statuses
    assert (placed, opened) == (1, 0)


def test_two_quotes_above_the_limit_accepted_at_once_give_one_requisition(app, committed_session):
    statuses, placed, opened = _accept_two_quotes_at_once(app, Money(100, "EUR"))
    assert sorted(statuses, key=str) == [202, 409], statuses
    assert (placed, opened) == (0, 1)
