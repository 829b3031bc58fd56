"""Abuse control: a company blocks another from opening threads; messages reported to the operator."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.access import Permission, require
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.extensions import db
from messaging.models import CompanyBlock, Message, MessageReport, Thread


def is_blocked(company_id: int, by_company_id: int) -> bool:
    return (
        db.session.get(
            CompanyBlock, {"company_id": by_company_id, "blocked_company_id": company_id}
        )
        is not None
    )


def blocked_either_way(company_id: int, others: list[int]) -> bool:
    """is_blocked() in either direction between the company and any of the others, in one query."""
    return db.session.execute(
        sa.select(
            sa.exists().where(
                sa.or_(
                    sa.and_(
                        CompanyBlock.company_id.in_(others),
                        CompanyBlock.blocked_company_id == company_id,
                    ),
                    sa.and_(
                        CompanyBlock.company_id == company_id,
                        CompanyBlock.blocked_company_id.in_(others),
                    ),
                )
            )
        )
    ).scalar_one()


def blocked_companies(company_id: int) -> list[CompanyBlock]:
    return list(
        db.session.execute(
            sa.select(CompanyBlock)
            .where(CompanyBlock.company_id == company_id)
            .order_by(CompanyBlock.created_at.desc())
        ).scalars()
    )


def block_company(actor: Any, company_id: int) -> CompanyBlock:
    require(actor, Permission.MESSAGE)
    company = db.session.get(Company, company_id)
    if company is None:
        raise NotFound()
    if company.id == actor.company_id:
        raise ValidationError({"company_id": [_("You cannot block your own company.")]})
    existing = db.session.get(
        CompanyBlock, {"company_id": actor.company_id, "blocked_company_id": company.id}
    )
    if existing is not None:
        return existing
    block = CompanyBlock(
        company_id=actor.company_id, blocked_company_id=company.id, blocked_by_id=actor.id
    )
    db.session.add(block)
    db.session.flush()
    return block


def unblock_company(actor: Any, company_id: int) -> None:
    require(actor, Permission.MESSAGE)
    block = db.session.get(
        CompanyBlock, {"company_id": actor.company_id, "blocked_company_id": company_id}
    )
    if block is not None:
        db.session.delete(block)
        db.session.flush()


def report_message(actor: Any, thread: Thread, message_id: int, reason: str) -> MessageReport:
    require(actor, Permission.READ)
    message = db.session.get(Message, message_id)
    if message is None or message.thread_id != thread.id:
        raise NotFound()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Tell the operator what is wrong.")]})
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("At most 2,000 characters.")]})
    report = MessageReport(
        message_id=message.id,
        reporter_id=actor.id,
        reporter_company_id=actor.company_id,
        reason=reason,
    )
    db.session.add(report)
    db.session.flush()
    return report


def open_reports() -> list[MessageReport]:
    return list(
        db.session.execute(
            sa.select(MessageReport)
            .where(MessageReport.resolved_at.is_(None))
            .order_by(MessageReport.created_at)
        ).scalars()
    )


def resolve_report(operator: User, report_id: int) -> MessageReport:
    report = db.session.get(MessageReport, report_id)
    if report is None:
        raise NotFound()
    if report.resolved_at is None:
        report.resolved_at = clock.now()
        report.resolved_by_id = operator.id
        db.session.flush()
    return report
