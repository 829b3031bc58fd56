"""Factories for messaging tests: threads and meetings built through the services (flush, never commit)."""

from __future__ import annotations

import datetime as dt

from marketplace.core import clock
from messaging import meetings, services


def thread(
    sender, recipient_company, subject: str = "Steel sheets 2 mm", body: str = "Hello", **data
):
    return services.start_thread(
        sender, {"to_company_id": recipient_company.id, "subject": subject, "body": body, **data}
    )


def meeting(actor, thread_, *, hours_ahead: int = 72, slots: int = 2, **data):
    start = clock.now().replace(microsecond=0) + dt.timedelta(hours=hours_ahead)
    return meetings.propose(
        actor,
        thread_,
        {
            "title": "Factory visit",
            "timezone": "Europe/Warsaw",
            "place": "Poznań, ul. Stalowa 1",
            "slots": [
                {
                    "starts_at": start + dt.timedelta(days=n),
                    "ends_at": start + dt.timedelta(days=n, hours=1),
                }
                for n in range(slots)
            ],
            **data,
        },
    )
