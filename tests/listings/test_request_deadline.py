"""A buy request closes by itself once its needed-by day is over, and every list agrees on it."""

from __future__ import annotations

import datetime as dt

from listings.models import BuyRequest, RequestStatus
from marketplace.core import clock, jobs
from marketplace.core.extensions import db
from tests import factories
from tests.listings.test_buy_requests import _body


def _post(client, headers, **changes) -> BuyRequest:
    response = client.post("/api/v1/requests", json=_body(**changes), headers=headers)
    assert response.status_code == 201, response.json
    return db.session.get(BuyRequest, response.json["id"])


def _stored_status(request: BuyRequest) -> str:
    db.session.expire(request)
    return request.status


def _in_days(days: int) -> str:
    return (clock.today() + dt.timedelta(days=days)).isoformat()


def test_the_close_job_runs_at_the_deadline_without_any_command(client, api_a):
    request = _post(client, api_a, needed_by=_in_days(3))
    clock.advance(dt.timedelta(days=3))
    jobs.run_pending()
    assert _stored_status(request) == RequestStatus.OPEN  # the needed-by day itself still counts
    clock.advance(dt.timedelta(days=1))
    jobs.run_pending()
    assert _stored_status(request) == RequestStatus.CLOSED
    assert request.closed_at is not None


def test_a_deadline_moved_later_keeps_the_request_open_until_the_new_day(client, api_a):
    request = _post(client, api_a, needed_by=_in_days(3))
    response = client.patch(
        f"/api/v1/requests/{request.id}", json={"needed_by": _in_days(10)}, headers=api_a
    )
    assert response.status_code == 200, response.json
    clock.advance(dt.timedelta(days=5))
    jobs.run_pending()
    assert _stored_status(request) == RequestStatus.OPEN
    clock.advance(dt.timedelta(days=6))
    jobs.run_pending()
    assert _stored_status(request) == RequestStatus.CLOSED


def test_status_filters_agree_with_the_shown_status_before_the_job_runs(
    client, signed_in, api_a, owner_a
):
    due = _post(client, api_a, needed_by=_in_days(2), title="Due soon")
    later = _post(client, api_a, needed_by=_in_days(30), title="Needed later")
    clock.advance(dt.timedelta(days=3))  # no job has run: due is still "open" in its row
    assert _stored_status(due) == RequestStatus.OPEN

    def api_titles(status: str) -> list[str]:
        url = f"/api/v1/requests?mine=true&status={status}"
        items = client.get(url, headers=api_a).json["items"]
        assert {item["status"] for item in items} <= {status}
        return [item["title"] for item in items]

    assert api_titles("open") == ["Needed later"]
    assert api_titles("closed") == ["Due soon"]
    browser = signed_in(factories.user(owner_a.company, role="buyer"))
    open_page = browser.get("/my/requests?status=open").data.decode()
    closed_page = browser.get("/my/requests?status=closed").data.decode()
    assert "Needed later" in open_page and "Due soon" not in open_page
    assert "Due soon" in closed_page and "Needed later" not in closed_page
    assert [i["title"] for i in client.get("/api/v1/requests").json["items"]] == ["Needed later"]
    assert later.is_open
