"""Buyers contact suppliers, both sides talk in a thread, and outsiders see nothing of it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from marketplace.core import clock
from marketplace.core.extensions import db
from messaging import inbox, services
from messaging.models import Message, MessageReport, Thread
from tests import factories
from tests.messaging import factories as mf


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_buyer_contacts_supplier_from_profile_with_inquiry_fields(
    client_a, owner_a, company_b, owner_b, app
):
    profile = client_a.get(f"/companies/{company_b.slug}")
    assert f"/messages/new?to={company_b.id}" in profile.text

    form = client_a.get(f"/messages/new?to={company_b.id}")
    assert form.status_code == 200 and "Contact Beta Chemicals" in form.text

    response = client_a.post(
        f"/messages/new?to={company_b.id}",
        data={
            "subject": "Soda ash for Q1",
            "body": "We need soda ash.\nCan you quote?",
            "quantity": "20 t",
            "target_price": "1250.50",
            "target_price_currency": "PLN",
            "needed_by": (clock.today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    thread = db.session.execute(sa.select(Thread)).scalar_one()
    assert sorted(thread.company_ids) == sorted([owner_a.company_id, company_b.id])
    message = thread.messages[0]
    assert (message.quantity, message.target_price_amount, message.target_price_currency) == (
        "20 t",
        125050,
        "PLN",
    )
    page = app.test_client(user=owner_b).get(f"/messages/{thread.id}")
    assert page.status_code == 200
    assert "We need soda ash." in page.text and "20 t" in page.text
    assert "1,250.50" in page.text


def test_contact_form_errors_name_the_field_and_write_nothing(client_a, company_b):
    response = client_a.post(
        f"/messages/new?to={company_b.id}",
        data={
            "subject": "",
            "body": "<script>alert(1)</script>",
            "target_price": "12.345",
            "target_price_currency": "PLN",
            "needed_by": "2000-01-01",
        },
    )
    assert response.status_code == 422
    assert _count(Thread) == 0
    assert 'id="target_price-error"' in response.text
    response = client_a.post(
        f"/messages/new?to={company_b.id}",
        data={"subject": "", "body": "", "target_price_currency": "PLN", "needed_by": "2000-01-01"},
    )
    assert response.status_code == 422
    for field in ("subject", "body", "needed_by"):
        assert f'id="{field}-error"' in response.text
    assert _count(Thread) == 0


def test_contact_page_for_unknown_company_or_context_is_404(client_a, company_b):
    assert client_a.get("/messages/new?to=999999").status_code == 404
    assert client_a.get(f"/messages/new?to={company_b.id}&context=offer:1").status_code == 404


def test_contact_from_an_offer_shows_the_context(client_a, company_b, owner_b, app, offer_context):
    page = client_a.get("/messages/new?context=offer:7")
    assert page.status_code == 200 and "Sodium carbonate, 25 kg bags" in page.text
    response = client_a.post(
        "/messages/new?context=offer:7",
        data={
            "subject": "Sodium carbonate",
            "body": "Price for 40 bags?",
            "target_price_currency": "EUR",
        },
    )
    assert response.status_code == 302
    thread = db.session.execute(sa.select(Thread)).scalar_one()
    assert (thread.context_type, thread.context_id) == ("offer", 7)
    assert company_b.id in thread.company_ids
    page = app.test_client(user=owner_b).get(f"/messages/{thread.id}")
    assert 'href="/offers/7"' in page.text


def test_api_thread_lifecycle(client, api_a, api_b, company_b, offer_context):
    response = client.post(
        "/api/v1/threads",
        json={
            "to_company_id": company_b.id,
            "subject": "Sodium carbonate",
            "body": "<p>Hello <b>team</b><script>alert('x')</script><img src=x onerror=alert(1)></p>",
            "context": {"type": "offer", "id": 7},
            "target_price": {"amount": 99900, "currency": "EUR"},
        },
        headers=api_a,
    )
    assert response.status_code == 201, response.json
    thread = response.json
    assert thread["context"]["title"] == "Sodium carbonate, 25 kg bags"
    detail = client.get(f"/api/v1/threads/{thread['id']}", headers=api_b).json
    body = detail["messages"][0]["body_html"]
    assert "<b>team</b>" in body
    assert "script" not in body and "onerror" not in body and "alert" not in body
    assert detail["unread"] == 1

    reply = client.post(
        f"/api/v1/threads/{thread['id']}/messages", json={"body": "Sure."}, headers=api_b
    )
    assert reply.status_code == 201 and reply.json["body_text"] == "Sure."
    listing = client.get("/api/v1/threads", headers=api_a).json
    assert listing["items"][0]["id"] == thread["id"] and listing["items"][0]["unread"] == 1
    assert client.post(f"/api/v1/threads/{thread['id']}/read", headers=api_a).json["unread"] == 0
    assert client.get("/api/v1/threads?unread=1", headers=api_a).json["items"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": "Hi", "body": "x"}, "to_company_id"),
        ({"to_company_id": "not a number", "subject": "Hi", "body": "x"}, "to_company_id"),
        ({"to_company_id": "B", "subject": "", "body": "x"}, "subject"),
        ({"to_company_id": "B", "subject": "Hi", "body": "   "}, "body"),
        ({"to_company_id": "B", "subject": "Hi", "body": "<script>x</script>"}, "body"),
        (
            {
                "to_company_id": "B",
                "subject": "Hi",
                "body": "x",
                "context": {"type": "spaceship", "id": 1},
            },
            "context",
        ),
        (
            {
                "to_company_id": "B",
                "subject": "Hi",
                "body": "x",
                "context": {"type": "offer", "id": 404},
            },
            "context",
        ),
        (
            {
                "to_company_id": "B",
                "subject": "Hi",
                "body": "x",
                "target_price": {"amount": -5, "currency": "EUR"},
            },
            "target_price",
        ),
        ({"to_company_id": "A", "subject": "Hi", "body": "x"}, "to_company_id"),
    ],
)
def test_api_bad_thread_input_is_422_and_writes_nothing(
    client, api_a, company_a, company_b, offer_context, payload, field
):
    ids = {"A": company_a.id, "B": company_b.id}
    if payload.get("to_company_id") in ids:
        payload = {**payload, "to_company_id": ids[payload["to_company_id"]]}
    response = client.post("/api/v1/threads", json=payload, headers=api_a)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]
    assert _count(Thread) == 0 and _count(Message) == 0


def test_api_bad_message_body_and_not_json(client, api_a, owner_a, company_b):
    thread = mf.thread(owner_a, company_b)
    db.session.commit()
    for payload in ({"body": ""}, {}, {"body": "x", "extra": 1}):
        response = client.post(f"/api/v1/threads/{thread.id}/messages", json=payload, headers=api_a)
        assert response.status_code == 422 and response.json["errors"], payload
    response = client.post(f"/api/v1/threads/{thread.id}/messages", data="nope", headers=api_a)
    assert response.status_code == 422
    assert _count(Message) == 1


def test_outsiders_get_404_for_thread_messages_attachments_and_meetings(
    app, client, owner_a, company_b, owner_c
):
    thread = mf.thread(owner_a, company_b)
    services.post_message(owner_a, thread, {"body": "see file"}, [(io.BytesIO(PNG), "dot.png")])
    meeting = mf.meeting(owner_a, thread)
    db.session.commit()
    attachment = thread.messages[1].attachments[0]
    api_c = factories.bearer(owner_c)
    outsider = app.test_client(user=owner_c)
    assert outsider.get(f"/messages/{thread.id}").status_code == 404
    assert outsider.get(f"/messages/{thread.id}/since?after=0").status_code == 404
    assert outsider.get(f"/messages/{thread.id}/attachments/{attachment.id}").status_code == 404
    assert outsider.post(f"/messages/{thread.id}/reply", data={"body": "hi"}).status_code == 404
    assert outsider.get(f"/meetings/{meeting.id}.ics").status_code == 404
    assert (
        outsider.post(
            f"/meetings/{meeting.id}/accept", data={"slot_id": meeting.slots[0].id}
        ).status_code
        == 404
    )
    assert outsider.get(f"/live?thread={thread.id}").status_code == 404
    assert client.get(f"/api/v1/threads/{thread.id}", headers=api_c).status_code == 404
    assert (
        client.post(
            f"/api/v1/threads/{thread.id}/messages", json={"body": "x"}, headers=api_c
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/threads/{thread.id}/read", headers=api_c).status_code == 404
    assert client.post(f"/api/v1/meetings/{meeting.id}/decline", headers=api_c).status_code == 404
    assert client.get("/api/v1/threads", headers=api_c).json["items"] == []
    # the participant can fetch the attachment
    inside = app.test_client(user=owner_a).get(f"/messages/{thread.id}/attachments/{attachment.id}")
    assert inside.status_code == 200 and inside.data == PNG


def test_a_viewer_reads_but_cannot_write(app, owner_a, viewer_a, company_b):
    thread = mf.thread(owner_a, company_b)
    db.session.commit()
    viewer = app.test_client(user=viewer_a)
    assert viewer.get(f"/messages/{thread.id}").status_code == 200
    assert viewer.post(f"/messages/{thread.id}/reply", data={"body": "hi"}).status_code == 403
    assert viewer.get(f"/messages/new?to={company_b.id}").status_code == 403


def test_attachments_are_checked_like_other_uploads(client_a, owner_a, company_b, app):
    thread = mf.thread(owner_a, company_b)
    db.session.commit()
    disguised = client_a.post(
        f"/messages/{thread.id}/reply",
        data={
            "body": "invoice",
            "attachments": [(io.BytesIO(b"MZ\x90\x00 rest of exe"), "invoice.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert disguised.status_code == 422 and "not accepted" in disguised.text
    app.config["MESSAGING_MAX_ATTACHMENT_BYTES"] = 1024
    try:
        big = client_a.post(
            f"/messages/{thread.id}/reply",
            data={"body": "big", "attachments": [(io.BytesIO(b"a" * 2048), "notes.txt")]},
            content_type="multipart/form-data",
        )
    finally:
        app.config.pop("MESSAGING_MAX_ATTACHMENT_BYTES")
    assert big.status_code == 422 and "larger than" in big.text
    assert _count(Message) == 1


def test_unread_state_is_per_person(app, owner_a, company_b, owner_b):
    colleague = factories.user(company_b, role="seller", email="sales@beta.example")
    thread = mf.thread(owner_a, company_b)
    services.post_message(owner_a, thread, {"body": "second"})
    db.session.commit()
    assert inbox.unread_thread_count(owner_b) == 1
    assert inbox.unread_counts(colleague, [thread.id]) == {thread.id: 2}
    assert inbox.unread_thread_count(owner_a) == 0  # own messages are read

    page = app.test_client(user=owner_b).get("/messages")
    assert "badge badge-unread" in page.text
    app.test_client(user=owner_b).get(f"/messages/{thread.id}")
    assert inbox.unread_thread_count(owner_b) == 0
    assert inbox.unread_thread_count(colleague) == 1
    assert app.test_client(user=colleague).get("/messages/unread.json").json["threads"] == 1


def test_inbox_filters_search_and_archive(
    app, client_a, owner_a, company_b, company_c, offer_context
):
    soda = mf.thread(
        owner_a,
        company_b,
        subject="Soda ash",
        body="twenty tonnes",
        context_type="offer",
        context_id=7,
    )
    clock.advance(dt.timedelta(minutes=1))
    pallets = mf.thread(owner_a, company_c, subject="Pallet transport", body="Poznań to Brno")
    db.session.commit()
    text = client_a.get("/messages").text
    assert text.index("Pallet transport") < text.index("Soda ash")  # last activity first
    assert "Pallet transport" not in client_a.get("/messages?context=offer").text
    assert "Soda ash" not in client_a.get(f"/messages?partner={company_c.id}").text
    searched = client_a.get("/messages?q=BRNO").text
    assert "Pallet transport" in searched and "Soda ash" not in searched
    assert client_a.get("/messages?cursor=garbage").status_code == 302

    assert client_a.post(f"/messages/{soda.id}/archive", data={"archived": "1"}).status_code == 302
    assert "Soda ash" not in client_a.get("/messages").text
    assert "Soda ash" in client_a.get("/messages?archived=1").text
    # the partner's inbox is untouched, and a new message brings it back
    assert "Soda ash" in app.test_client(user=factories.user(company_b)).get("/messages").text
    services.post_message(
        factories.user(company_b, role="seller"), soda, {"body": "quote attached"}
    )
    db.session.commit()
    assert "Soda ash" in client_a.get("/messages").text
    assert pallets.id


def test_blocked_company_cannot_open_new_threads(
    client, app, api_a, owner_a, company_a, company_b, owner_b
):
    thread = mf.thread(owner_a, company_b)
    db.session.commit()
    blocker = app.test_client(user=owner_b)
    assert blocker.post(f"/messages/block/{company_a.id}").status_code == 302
    response = client.post(
        "/api/v1/threads",
        json={"to_company_id": company_b.id, "subject": "Again", "body": "hello?"},
        headers=api_a,
    )
    assert response.status_code == 422 and "to_company_id" in response.json["errors"]
    assert "does not accept" in response.json["errors"]["to_company_id"][0]
    # the existing conversation goes on
    assert (
        client.post(
            f"/api/v1/threads/{thread.id}/messages", json={"body": "x"}, headers=api_a
        ).status_code
        == 201
    )
    blocker.post(f"/messages/unblock/{company_a.id}")
    response = client.post(
        "/api/v1/threads",
        json={"to_company_id": company_b.id, "subject": "Again", "body": "hello?"},
        headers=api_a,
    )
    assert response.status_code == 201


def test_reporting_a_message_reaches_the_operator(
    app, owner_a, company_b, owner_b, operator_client
):
    thread = mf.thread(owner_a, company_b, body="Pay in advance to my private account")
    db.session.commit()
    message = thread.messages[0]
    reporter = app.test_client(user=owner_b)
    empty = reporter.post(
        f"/messages/{thread.id}/messages/{message.id}/report", data={"reason": " "}
    )
    assert empty.status_code == 303 and _count(MessageReport) == 0
    assert "Not reported: Tell the operator what is wrong." in reporter.get(empty.location).text
    reporter.post(
        f"/messages/{thread.id}/messages/{message.id}/report", data={"reason": "Looks like fraud"}
    )
    assert _count(MessageReport) == 1
    page = operator_client.get("/operator/message-reports")
    assert "Looks like fraud" in page.text and "private account" in page.text
    assert app.test_client(user=owner_b).get("/operator/message-reports").status_code == 404
    report = db.session.execute(sa.select(MessageReport)).scalar_one()
    operator_client.post(f"/operator/message-reports/{report.id}/resolve")
    assert "Looks like fraud" not in operator_client.get("/operator/message-reports").text


def test_rate_limit_on_new_threads_and_messages(client, app, api_a, owner_a, company_b):
    app.config.update(MESSAGING_THREADS_PER_HOUR=2, MESSAGING_MESSAGES_PER_HOUR=4)
    try:
        payload = {"to_company_id": company_b.id, "subject": "Hi", "body": "x"}
        codes = [
            client.post("/api/v1/threads", json=payload, headers=api_a).status_code
            for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        thread_id = client.get("/api/v1/threads", headers=api_a).json["items"][0]["id"]
        codes = [
            client.post(
                f"/api/v1/threads/{thread_id}/messages", json={"body": "x"}, headers=api_a
            ).status_code
            for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        assert _count(Message) == 4
        clock.advance(dt.timedelta(hours=1, minutes=1))
        assert (
            client.post(
                f"/api/v1/threads/{thread_id}/messages", json={"body": "x"}, headers=api_a
            ).status_code
            == 201
        )
    finally:
        app.config.pop("MESSAGING_THREADS_PER_HOUR")
        app.config.pop("MESSAGING_MESSAGES_PER_HOUR")


def test_other_packages_open_a_context_thread_and_post_system_messages(
    app, company_a, company_b, owner_b
):
    first = services.thread_for_context(company_a.id, company_b.id, "quote", 41, "Quote Q-41")
    again = services.thread_for_context(company_a.id, company_b.id, "quote", 41, "Quote Q-41")
    assert first.id == again.id
    services.post_system_message(first, "Quote %(number)s sent", {"number": "Q-41"})
    db.session.commit()
    assert inbox.unread_thread_count(owner_b) == 1
    page = app.test_client(user=owner_b).get(f"/messages/{first.id}")
    assert "Quote Q-41 sent" in page.text


def test_html_forms_enforce_csrf(app, owner_a, company_b):
    response = app.test_client(user=owner_a).post(
        f"/messages/new?to={company_b.id}", data={"subject": "x", "body": "y"}, csrf=False
    )
    assert response.status_code == 400
    assert _count(Thread) == 0


def test_polish_pages(app, owner_a, company_b):
    owner_a.locale = "pl"
    thread = mf.thread(owner_a, company_b)
    db.session.commit()
    client = app.test_client(user=owner_a)
    client.post("/language", data={"lang": "pl"})
    page = client.get(f"/messages/{thread.id}")
    assert "Zaproponuj spotkanie" in page.text


def test_more_bad_input_on_pages(app, client_a, owner_a, company_a, company_b, operator_client):
    thread = mf.thread(owner_a, company_b)
    db.session.commit()
    empty = client_a.post(f"/messages/{thread.id}/reply", data={"body": "  "})
    assert empty.status_code == 422 and 'id="body-error"' in empty.text
    assert client_a.post(f"/messages/block/{company_a.id}").status_code == 422
    assert client_a.post("/messages/block/999999").status_code == 404
    assert client_a.get(f"/messages/{thread.id}/since?after=abc").status_code == 422
    assert operator_client.post("/operator/message-reports/999999/resolve").status_code == 404
    assert (
        client_a.post(
            f"/messages/{thread.id}/messages/999999/report", data={"reason": "x"}
        ).status_code
        == 404
    )
    assert _count(Message) == 1


def test_api_reply_with_an_attachment_and_the_openapi_document(
    client, api_a, api_b, owner_a, company_b
):
    thread = mf.thread(owner_a, company_b)
    db.session.commit()
    response = client.post(
        f"/api/v1/threads/{thread.id}/messages",
        data={"body": "Drawing attached", "attachments": [(io.BytesIO(PNG), "drawing.png")]},
        content_type="multipart/form-data",
        headers=api_b,
    )
    assert response.status_code == 201
    assert response.json["attachments"][0]["filename"] == "drawing.png"
    bad = client.post(
        f"/api/v1/threads/{thread.id}/messages",
        data={"body": "x", "attachments": [(io.BytesIO(b"\x7fELF binary"), "drawing.png")]},
        content_type="multipart/form-data",
        headers=api_b,
    )
    assert bad.status_code == 422 and "attachments" in bad.json["errors"]
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/threads",
        "/api/v1/threads/{thread_id}",
        "/api/v1/threads/{thread_id}/messages",
        "/api/v1/threads/{thread_id}/read",
        "/api/v1/threads/{thread_id}/meetings",
        "/api/v1/meetings/{meeting_id}/accept",
        "/api/v1/meetings/{meeting_id}/decline",
    ):
        assert path in paths, path


def test_the_unread_badge_costs_one_query(app, owner_a, company_b, owner_b):
    for n in range(5):
        mf.thread(owner_a, company_b, subject=f"Thread {n}")
    db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    assert owner_b.company_id  # loaded before counting
    engine = db.session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert inbox.unread_thread_count(owner_b) == 5
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.startswith("SELECT")]) == 1
