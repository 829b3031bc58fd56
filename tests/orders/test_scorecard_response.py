"""The supplier's median first response, measured on real message threads, on the scorecard."""

from __future__ import annotations

import datetime as dt

from marketplace.core import clock, jobs
from marketplace.core.extensions import db
from marketplace.orders import ratings
from messaging import services as messaging
from tests import factories
from tests.messaging import factories as threads


def buyer(name: str):
    return factories.user(factories.company(name=name, country="PL"))


def answered_after(supplier_user, minutes: int, name: str):
    """A buyer asks the supplier; the supplier answers `minutes` later (then the clock moves on).
    Each message is its own request, committed when it ends."""
    asker = buyer(name)
    thread = threads.thread(asker, supplier_user.company, body="Do you have 2 mm sheets?")
    db.session.commit()
    clock.advance(dt.timedelta(minutes=minutes))
    messaging.post_message(supplier_user, thread, {"body": "Yes, 400 t in stock."})
    db.session.commit()
    clock.advance(dt.timedelta(minutes=1))
    messaging.post_message(asker, thread, {"body": "Thanks!"})
    db.session.commit()
    clock.advance(dt.timedelta(hours=2))
    return thread


def supplier_with_three_answers(owner_b):
    """Answers after 30, 90 and 10 minutes: the median is 30."""
    answered_after(owner_b, 30, "First Buyer")
    answered_after(owner_b, 90, "Second Buyer")
    answered_after(owner_b, 10, "Third Buyer")
    # the supplier's own question does not count as an answer to anyone
    own = threads.thread(owner_b, buyer("Fourth Buyer").company, body="Need any steel?")
    assert own.id


def test_median_first_response_counts_each_partners_first_question(owner_b, company_b):
    supplier_with_three_answers(owner_b)
    assert ratings.median_first_response_minutes(company_b.id) == 30.0


def test_the_api_scorecard_shows_the_median_first_response(client, owner_b, company_b):
    supplier_with_three_answers(owner_b)
    card = client.get(f"/api/v1/companies/{company_b.id}/scorecard")
    assert card.status_code == 200
    assert card.json["median_first_response_minutes"] == 30.0


def test_the_scorecard_of_an_unknown_company_is_not_found(client, company_b):
    answer = client.get(f"/api/v1/companies/{company_b.id + 1000}/scorecard")
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    assert client.get(f"/companies/{company_b.id + 1000}/scorecard").status_code == 404


def test_the_stored_scorecard_follows_the_suppliers_answers(owner_b, company_b):
    """Search ranks on the stored figure: answering in threads refreshes it, without any order."""
    jobs.run_pending()
    assert (company_b.scorecard or {}).get("median_first_response_minutes") is None
    supplier_with_three_answers(owner_b)
    jobs.run_pending()
    assert company_b.scorecard["median_first_response_minutes"] == 30.0

    answered_after(owner_b, 2, "Fifth Buyer")  # answers after 30, 90, 10, 2: median 20
    jobs.run_pending()
    assert company_b.scorecard["median_first_response_minutes"] == 20.0


def test_a_partners_unanswered_question_schedules_nothing_for_the_supplier(owner_b, company_b):
    threads.thread(buyer("Quiet Buyer"), company_b, body="Price for 10 t?")
    db.session.commit()
    clock.advance(dt.timedelta(hours=1))
    jobs.run_pending()
    assert (company_b.scorecard or {}).get("median_first_response_minutes") is None
