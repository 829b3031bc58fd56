"""Further companies joining a thread: any participant may add one, which then sees the whole thread.

The earlier messages, attachments and meetings stay visible to the company that joins: a thread is
the shared record of a negotiation, and a partner brought in (a carrier, a subcontractor) needs
what was agreed so far. The form on the thread page says so before anyone adds a company.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _

from marketplace.companies.models import Company
from marketplace.companies.services import company_by_slug
from marketplace.core.access import Permission, require
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.extensions import db
from messaging import moderation, notifications, services
from messaging.models import Thread, ThreadParticipant

MAX_COMPANIES = 10


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext no-op marker, read by pybabel
    """Mark a msgid for extraction; it is translated when shown."""
    return text


ADDED = N_("%(company)s added %(added)s to the conversation.")


def company_id_for_reference(reference: str | None) -> int | None:
    """The active company a person names by its profile address (…/companies/<slug>) or its slug."""
    text = (reference or "").strip()
    if not text or len(text) > 500:
        return None
    path = urlsplit(text).path if "://" in text else text
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    company = company_by_slug(slug) if slug else None
    return company.id if company else None


def add_company(actor: Any, thread: Thread, company_id: Any) -> ThreadParticipant:
    """A participant brings a further company into the thread, with a note for everyone."""
    require(actor, Permission.MESSAGE)
    if actor.company_id not in thread.company_ids:
        raise NotFound()
    valid_id = isinstance(company_id, int) and not isinstance(company_id, bool)
    company = db.session.get(Company, company_id) if valid_id else None
    problem = None
    if company is None or not company.is_active:
        problem = _("Choose an active company on the marketplace.")
    elif company.id in thread.company_ids:
        problem = _("This company already takes part in the conversation.")
    # A company that refuses contact with a participant (or is refused by one) is not brought in.
    elif moderation.blocked_either_way(company.id, thread.company_ids):
        problem = _("This company cannot be added to this conversation.")
    elif len(thread.company_ids) >= MAX_COMPANIES:
        problem = _("At most %(count)s companies per conversation.", count=MAX_COMPANIES)
    if problem:
        raise ValidationError({"company_id": [problem]})

    earlier = list(thread.company_ids)
    participant = ThreadParticipant(company_id=company.id)
    thread.participants.append(participant)
    db.session.flush()
    note = services.post_system_message(
        thread,
        ADDED,
        {"company": actor.company.name, "added": company.name},
        notify=False,
        read_by=actor,
    )
    who = {"author": actor.full_name, "company": actor.company.name}
    notifications.notify_companies([company.id], "added_to_thread", thread=thread, data=who)
    notifications.notify_companies(
        earlier,
        "system_message",
        thread=thread,
        exclude_user_id=actor.id,
        data={"message_id": note.id},
    )
    return participant
