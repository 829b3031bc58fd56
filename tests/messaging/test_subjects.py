"""A conversation's subject is one line: it is refused with a line break, and mail still goes out."""

from __future__ import annotations

import email
from email import policy

import pytest
import sqlalchemy as sa

from marketplace.core import jobs
from marketplace.core.extensions import db
from messaging import services
from messaging.models import Thread
from tests.messaging import factories as mf

INJECTED = "Hi\r\nBcc: x@evil.example"


def _threads() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Thread)).scalar_one()


@pytest.mark.parametrize("subject", [INJECTED, "Price\nlist", "Tab\tbed", "Null\x00byte"])
def test_api_refuses_a_subject_with_control_characters(client, api_a, company_b, subject):
    response = client.post(
        "/api/v1/threads",
        json={"to_company_id": company_b.id, "subject": subject, "body": "Hello"},
        headers=api_a,
    )
    assert response.status_code == 422
    assert "subject" in response.json["errors"], response.json
    assert _threads() == 0


def test_contact_form_refuses_a_subject_with_a_line_break(client_a, company_b):
    response = client_a.post(
        f"/messages/new?to={company_b.id}",
        data={"subject": INJECTED, "body": "Hello", "target_price_currency": "PLN"},
    )
    assert response.status_code == 422
    assert 'id="subject-error"' in response.text and "one line" in response.text
    assert _threads() == 0


def test_a_thread_opened_for_an_object_gets_its_title_on_one_line(owner_a, company_b):
    thread = services.thread_for_context(
        owner_a.company_id, company_b.id, "order", 1, "Order\r\nBcc: x@evil.example"
    )
    assert thread.subject == "Order Bcc: x@evil.example"
    with pytest.raises(services.ValidationError) as refused:
        services.thread_for_context(owner_a.company_id, company_b.id, "order", 2, "Order\x1b[2J")
    assert "subject" in refused.value.errors


def test_an_older_thread_with_a_line_break_in_its_subject_is_still_mailed(
    smtp, owner_a, company_b, owner_b
):
    thread = mf.thread(owner_a, company_b, subject="Steel")
    thread.subject = INJECTED  # written before subjects were checked
    services.post_message(owner_a, thread, {"body": "Any news?"})
    db.session.commit()
    jobs.run_pending()
    assert db.session.execute(sa.select(jobs.Job.status)).scalars().all() == ["done", "done"]
    mails = [email.message_from_bytes(e.content, policy=policy.default) for e in smtp.messages]
    assert all(envelope.rcpt_tos == [owner_b.email] for envelope in smtp.messages)
    assert mails[-1]["Bcc"] is None
    assert "Hi Bcc: x@evil.example" in mails[-1]["Subject"]
