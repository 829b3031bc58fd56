"""How procurement tells people what happened: system messages in the companies' thread,
notifications to a person, and live events for open rooms (no secrets in live events)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from marketplace.accounts.models import User
from marketplace.core import live
from messaging import services as messaging

_notify = contextvars.ContextVar("procurement_notify", default=True)


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """System messages without notifications or mail (demo seeding: nobody waits for them)."""
    token = _notify.set(False)
    try:
        yield
    finally:
        _notify.reset(token)


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext no-op marker, read by pybabel
    """Mark an English msgid stored untranslated; each reader sees it in their own language."""
    return text


def in_thread(
    company_id: int,
    partner_company_id: int,
    context: tuple[str, int],
    subject: str,
    text: str,
    data: dict[str, Any] | None = None,
) -> int:
    """Post a system message in the thread between the two companies about the object."""
    thread = messaging.thread_for_context(
        company_id, partner_company_id, context[0], context[1], subject
    )
    messaging.post_system_message(thread, text, data or {}, notify=_notify.get())
    return thread.id


def to_people(users: list[User], text: str, data: dict[str, Any], endpoint: str) -> None:
    """Tell people inside one company (approvals): a notification linking to the page, e-mailed
    as each of them prefers, in their own language. Quiet seeding notifies without e-mail."""
    messaging.notify_people(users, text, data, endpoint, email=_notify.get())


def tender_changed(tender_id: int, event: str, data: dict[str, Any] | None = None) -> None:
    """Tell open tender and auction rooms to refresh (after commit; carries no bidder identity)."""
    live.publish_on_commit(f"tender:{tender_id}", event, data or {})
