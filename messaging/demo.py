"""Demo conversations: the demo buyer negotiates with a few suppliers, one call already agreed."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.access import Role
from marketplace.core.extensions import db
from messaging import meetings, services

CONVERSATIONS = (
    (
        "Annual supply contract 2027",
        "Good morning, we are planning next year's purchases. Could you send a price list for "
        "quarterly deliveries?",
        "Thank you for the inquiry. We will prepare a price list with volume discounts by Friday.",
    ),
    (
        "Samples before the first order",
        "Could you send two samples to our plant in Poznań? We would test them next week.",
        "Of course, the samples leave our warehouse tomorrow. Tracking number to follow.",
    ),
    (
        "Delivery terms DAP Poznań",
        "Is DAP Poznań possible for 20 pallets per month, with delivery on Tuesdays?",
        "Yes, Tuesday deliveries work for us. Let us agree the details on a short call.",
    ),
)


def _owner(company: Company) -> User | None:
    return db.session.execute(
        sa.select(User).where(User.company_id == company.id, User.role == Role.OWNER).limit(1)
    ).scalar_one_or_none()


def build(companies: list[Company], buyer: User) -> int:
    """Open a thread between the buyer and three suppliers; the last one has an agreed call."""
    created = 0
    suppliers = [c for c in companies if c.id not in (buyer.company_id,)][1:4]
    for index, (company, (subject, question, answer)) in enumerate(
        zip(suppliers, CONVERSATIONS, strict=False)
    ):
        supplier = _owner(company)
        if supplier is None:
            continue
        thread = services.start_thread(
            buyer,
            {
                "to_company_id": company.id,
                "subject": subject,
                "body": question,
                "quantity": "20 pallets" if index == 2 else None,
            },
        )
        services.post_message(supplier, thread, {"body": answer})
        if index < 2:
            services.mark_read(buyer, thread)
        else:
            start = (clock.now() + dt.timedelta(days=3)).replace(
                hour=9, minute=0, second=0, microsecond=0
            )
            meeting = meetings.propose(
                supplier,
                thread,
                {
                    "title": "Call: delivery terms",
                    "timezone": "UTC",
                    "video_url": "https://meet.example.com/demo-delivery",
                    "slots": [{"starts_at": start, "ends_at": start + dt.timedelta(minutes=30)}],
                },
            )
            meetings.accept(buyer, meeting, meeting.slots[0].id)
        created += 1
    db.session.flush()
    return created
