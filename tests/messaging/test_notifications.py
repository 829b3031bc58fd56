"""People hear about new conversations by e-mail through a real SMTP server, as they chose; nothing is lost."""

from __future__ import annotations

import datetime as dt
import email

import pytest
import sqlalchemy as sa

from marketplace.core import clock, jobs
from marketplace.core.errors import NotFound
from marketplace.core.extensions import db
from messaging import meetings, notifications, services
from messaging.models import MessagingSettings, Notification
from tests import factories
from tests.messaging import factories as mf


def _mails(smtp) -> list[email.message.Message]:
    return [email.message_from_bytes(envelope.content) for envelope in smtp.messages]


def test_new_thread_mails_the_partner_immediately_via_a_job(smtp, owner_a, company_b, owner_b):
    viewer_b = factories.user(company_b, role="viewer")  # may not write: no notification
    mf.thread(owner_a, company_b, subject="Soda ash")
    db.session.commit()
    assert smtp.messages == []  # never inside the request
    jobs.run_pending()
    mails = _mails(smtp)
    assert [m["To"] for m in mails] == [owner_b.email]
    assert "Soda ash" in mails[0]["Subject"] and "Alpha Steel" in mails[0]["Subject"]
    assert "/notifications/" in mails[0].get_payload(decode=True).decode()
    assert viewer_b.email not in {m["To"] for m in mails}
    assert notifications.unread_count(owner_b) == 1


def test_an_smtp_outage_loses_nothing(smtp, owner_a, company_b, owner_b):
    smtp.stop()
    mf.thread(owner_a, company_b, subject="During the outage")
    db.session.commit()
    jobs.run_pending()
    job = db.session.execute(sa.select(jobs.Job)).scalar_one()
    assert job.status == "pending" and job.attempts == 1 and job.last_error
    smtp.start()
    clock.advance(dt.timedelta(minutes=1))
    jobs.run_pending()
    assert [m["To"] for m in _mails(smtp)] == [owner_b.email]
    db.session.expire_all()
    assert db.session.execute(sa.select(Notification)).scalar_one().emailed_at is not None
    jobs.run_pending()
    assert len(smtp.messages) == 1  # sent once


def test_daily_digest_and_never(app, smtp, owner_a, company_b, owner_b):
    colleague = factories.user(company_b, role="seller", email="sales@beta.example")
    settings_client = app.test_client(user=owner_b)
    assert (
        settings_client.post("/notifications/settings", data={"email_mode": "digest"}).status_code
        == 302
    )
    assert (
        app.test_client(user=colleague)
        .post("/notifications/settings", data={"email_mode": "never"})
        .status_code
        == 302
    )
    bad = settings_client.post("/notifications/settings", data={"email_mode": "hourly"})
    assert bad.status_code == 422

    clock.freeze(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC))
    thread = mf.thread(owner_a, company_b, subject="First")
    services.post_message(owner_a, thread, {"body": "and a follow-up"})
    db.session.commit()
    jobs.run_pending()
    assert smtp.messages == []
    clock.freeze(dt.datetime(2026, 3, 3, 6, 1, tzinfo=dt.UTC))  # 07:01 in Warsaw
    jobs.run_pending()
    mails = _mails(smtp)
    assert [m["To"] for m in mails] == [owner_b.email]
    body = mails[0].get_payload(decode=True).decode()
    assert "started a conversation: First" in body and "New message from" in body
    # in-app, everyone still sees everything
    assert notifications.unread_count(colleague) == 2


def test_notifications_page_lists_and_opens(app, owner_a, company_b, owner_b):
    thread = mf.thread(owner_a, company_b, subject="Bolts M8")
    db.session.commit()
    client = app.test_client(user=owner_b)
    page = client.get("/notifications")
    assert "started a conversation: Bolts M8" in page.text
    item = db.session.execute(sa.select(Notification)).scalar_one()
    opened = client.get(f"/notifications/{item.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(
        f"/messages/{thread.id}"
    )
    assert notifications.unread_count(owner_b) == 0
    assert app.test_client(user=owner_a).get(f"/notifications/{item.id}/open").status_code == 404
    client.post("/notifications/read-all")


def test_mail_is_written_in_the_readers_language(smtp, owner_a, company_b, owner_b):
    owner_b.locale = "pl"
    mf.thread(owner_a, company_b, subject="Soda")
    db.session.commit()
    jobs.run_pending()
    assert "rozpoczął" in _mails(smtp)[0]["Subject"] or "rozmow" in _mails(smtp)[0]["Subject"]


def test_meeting_notifications_say_when_in_the_readers_zone(app, owner_a, company_b, owner_b):
    owner_b.timezone = "Europe/Berlin"
    thread = mf.thread(owner_a, company_b)
    meeting = mf.meeting(owner_a, thread, slots=1)
    meetings.accept(owner_b, meeting, meeting.slots[0].id)
    db.session.commit()
    page = app.test_client(user=owner_b).get("/notifications")
    assert "Meeting confirmed: Factory visit, " in page.text and "(Europe/Berlin)" in page.text


def test_the_digest_leaves_out_what_arrived_while_mail_was_off(
    app, smtp, owner_a, company_b, owner_b
):
    settings = app.test_client(user=owner_b)
    clock.freeze(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC))
    settings.post("/notifications/settings", data={"email_mode": "never"})
    thread = mf.thread(owner_a, company_b, subject="While I chose never")
    db.session.commit()
    jobs.run_pending()

    settings.post("/notifications/settings", data={"email_mode": "digest"})
    services.post_message(owner_a, thread, {"body": "after the change"})
    services.notify_people([owner_b], "A quiet notice", {}, "messaging.inbox", email=False)
    db.session.commit()
    clock.freeze(dt.datetime(2026, 3, 3, 6, 1, tzinfo=dt.UTC))  # 07:01 in Warsaw
    jobs.run_pending()

    mails = _mails(smtp)
    assert [m["To"] for m in mails] == [owner_b.email]
    body = mails[0].get_payload(decode=True).decode()
    assert "New message from" in body
    assert "started a conversation" not in body and "A quiet notice" not in body
    assert notifications.unread_count(owner_b) == 3  # the in-app list still has everything
    clock.advance(dt.timedelta(days=1))
    jobs.run_pending()
    assert len(smtp.messages) == 1


def test_looking_at_the_settings_page_writes_nothing(app, owner_b):
    def rows() -> int:
        return db.session.execute(
            sa.select(sa.func.count()).select_from(MessagingSettings)
        ).scalar_one()

    client = app.test_client(user=owner_b)
    page = client.get("/notifications/settings")
    assert page.status_code == 200 and 'checked id="email_mode-0"' in page.text  # immediately
    assert rows() == 0
    assert client.post("/notifications/settings", data={"email_mode": "weekly"}).status_code == 422
    assert rows() == 0
    client.post("/notifications/settings", data={"email_mode": "never"})
    assert 'checked id="email_mode-2"' in client.get("/notifications/settings").text  # never
    assert rows() == 1


def test_following_a_notification_marks_only_ones_own_read(owner_a, company_b, owner_b):
    mf.thread(owner_a, company_b, subject="Bolts M8")
    item = db.session.execute(sa.select(Notification)).scalar_one()
    with pytest.raises(NotFound):
        notifications.open_notification(owner_a, item.id)
    assert item.read_at is None
    assert notifications.open_notification(owner_b, item.id).read_at is not None
    assert notifications.unread_count(owner_b) == 0
