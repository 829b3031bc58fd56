"""A buyer above their limit double-clicks Award (PostgreSQL): one requisition waits for the
approver, the second click is told so, and the tender page still opens."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from marketplace.core import clock
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.procurement import approvals, tenders
from marketplace.procurement.models import Requisition
from tests import factories
from tests.procurement import factories as procurement_factories


def test_a_double_click_on_award_above_the_limit_opens_one_requisition(app, committed_session):
    buyer_co = factories.company(name="Double Click Buyer", country="PL")
    buyer = factories.user(buyer_co, role="buyer")
    approvals.set_limit(factories.user(buyer_co, role="owner"), buyer.id, Money(100, "EUR"))
    supplier = factories.company(name="Double Click Supplier", country="PL")
    tender = procurement_factories.sealed_tender(buyer, [supplier], weight_lead_time=40,
                                                 custom_criteria=[])  # fmt: skip
    bid = tenders.submit_sealed_bid(
        factories.user(supplier, role="seller"), tender, {"unit_price": 5000, "lead_time_days": 3}
    )
    clock.advance(dt.timedelta(days=4))
    tenders.close_due_tenders()  # closed already: the closing's own update would queue the clicks
    db.session.commit()
    url, bid_id, buyer_co_id = f"/procurement/tenders/{tender.id}", bid.id, buyer_co.id
    db.session.remove()

    barrier = threading.Barrier(2)
    flashes: list = []

    def click(browser) -> None:
        barrier.wait(timeout=10)
        try:
            answer = browser.post(f"{url}/award", data={"bid_id": str(bid_id)},
                                  follow_redirects=True)  # fmt: skip
            flashes.append(answer.get_data(as_text=True))
        except Exception as error:  # noqa: BLE001 - a test app raises what would be a 500
            flashes.append(repr(error))

    # signed in here: signing a session in needs the app's secret, which a bare thread lacks
    clicks = [threading.Thread(target=click, args=(app.test_client(user=buyer),)) for _ in "12"]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join(timeout=30)

    recorded = sum("Your award decision is recorded." in page for page in flashes)
    refused = sum("waiting for approval" in page for page in flashes)
    assert (recorded, refused) == (1, 1), flashes
    pending = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Requisition)
        .where(Requisition.company_id == buyer_co_id, Requisition.status == "pending")
    ).scalar_one()
    assert pending == 1
    page = app.test_client(user=buyer).get(url)
    assert page.status_code == 200 and "The award is waiting for internal approval." in page.text
