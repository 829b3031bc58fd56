"""The inbox: a person's threads with filters and search, and unread counts per person."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from marketplace.companies.models import Company
from marketplace.core.access import Permission, require
from marketplace.core.extensions import db
from marketplace.core.pagination import Page, paginate
from messaging.models import Message, ReadState, Thread, ThreadParticipant


def unread_thread_count(user: Any) -> int:
    """Threads of the person's company with a message newer than what they read (one query)."""
    if not getattr(user, "company_id", None):
        return 0
    read = sa.orm.aliased(ReadState)
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(ThreadParticipant)
        .join(Thread, Thread.id == ThreadParticipant.thread_id)
        .outerjoin(read, sa.and_(read.thread_id == Thread.id, read.user_id == user.id))
        .where(
            ThreadParticipant.company_id == user.company_id,
            ThreadParticipant.archived_at.is_(None),
            Thread.last_message_id > sa.func.coalesce(read.last_read_message_id, 0),
        )
    ).scalar_one()


def unread_counts(user: Any, thread_ids: list[int]) -> dict[int, int]:
    """Unread messages per thread for this person (others' messages after their read mark)."""
    if not thread_ids:
        return {}
    read = sa.orm.aliased(ReadState)
    rows = db.session.execute(
        sa.select(Message.thread_id, sa.func.count())
        .outerjoin(read, sa.and_(read.thread_id == Message.thread_id, read.user_id == user.id))
        .where(
            Message.thread_id.in_(thread_ids),
            Message.id > sa.func.coalesce(read.last_read_message_id, 0),
            sa.or_(Message.author_id.is_(None), Message.author_id != user.id),
        )
        .group_by(Message.thread_id)
    ).all()
    return dict(rows)


def inbox(
    user: Any,
    *,
    unread: bool = False,
    context_type: str | None = None,
    partner_id: int | None = None,
    archived: bool = False,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> Page:
    """The person's threads by last activity, with the inbox filters."""
    require(user, Permission.READ)
    mine = sa.orm.aliased(ThreadParticipant)
    stmt = (
        sa.select(Thread)
        .join(mine, sa.and_(mine.thread_id == Thread.id, mine.company_id == user.company_id))
        .where(mine.archived_at.is_not(None) if archived else mine.archived_at.is_(None))
    )
    if unread:
        read = sa.orm.aliased(ReadState)
        stmt = stmt.outerjoin(
            read, sa.and_(read.thread_id == Thread.id, read.user_id == user.id)
        ).where(Thread.last_message_id > sa.func.coalesce(read.last_read_message_id, 0))
    if context_type:
        stmt = stmt.where(Thread.context_type == context_type)
    if partner_id:
        partner = sa.orm.aliased(ThreadParticipant)
        stmt = stmt.where(
            sa.exists().where(partner.thread_id == Thread.id, partner.company_id == partner_id)
        )
    if q:
        pattern = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Thread.subject).like(pattern),
                sa.exists().where(
                    Message.thread_id == Thread.id, sa.func.lower(Message.body_text).like(pattern)
                ),
            )
        )
    return paginate(
        stmt, order=Thread.last_message_at, tiebreak=Thread.id, cursor=cursor, limit=limit
    )


def partners(user: Any) -> list[Company]:
    """Companies the person's company has threads with (for the inbox filter)."""
    mine = sa.orm.aliased(ThreadParticipant)
    other = sa.orm.aliased(ThreadParticipant)
    return list(
        db.session.execute(
            sa.select(Company)
            .join(other, other.company_id == Company.id)
            .join(mine, mine.thread_id == other.thread_id)
            .where(mine.company_id == user.company_id, other.company_id != user.company_id)
            .group_by(Company.id)
            .order_by(Company.name)
        ).scalars()
    )
