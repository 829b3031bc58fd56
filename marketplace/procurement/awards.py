"""The end of a tender: the award (an order, or a requisition above the buyer's limit) or the
cancellation with a reason; every bidder hears the outcome and, after an award, their own rank."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.core.access import Permission, require
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders.negotiated import AgreedLine, place_negotiated_lines
from marketplace.procurement import approvals
from marketplace.procurement.announce import N_, tender_changed
from marketplace.procurement.models import Bid, Tender, TenderStatus
from marketplace.procurement.tenders import bidder_ids, opened_bids, ranked_bids, tell


def award(actor: Any, tender: Tender, bid_id: Any) -> Tender:
    """Award one bid after closing: an order, or a requisition above the buyer's limit."""
    require(actor, Permission.BUY)
    if tender.buyer_company_id != actor.company_id:
        raise NotFound()
    # the tender's row lock makes a double click or a concurrent award wait for the first one,
    # which then finds the requisition or the award the first one made
    db.session.execute(sa.select(Tender.id).where(Tender.id == tender.id).with_for_update())
    db.session.refresh(tender)
    bids = {b.id: b for b in opened_bids(actor, tender)}
    if tender.status == TenderStatus.AWARDED:
        raise Conflict(_("This tender has already been awarded."))
    if tender.status != TenderStatus.CLOSED:
        raise Conflict(_("This tender cannot be awarded now."))
    bid = bids.get(bid_id) if isinstance(bid_id, int) else None
    if bid is None:
        raise ValidationError({"bid_id": [_("No such bid in this tender.")]})
    if approvals.pending_for("tender", tender.id) is not None:
        raise Conflict(_("An award of this tender is waiting for approval."))
    if approvals.needs_approval(actor, bid.total):
        approvals.open_requisition(
            actor, "tender", tender.id, f"{tender.number} · {tender.title}", bid.total, bid.id
        )
        return tender
    finish_award(actor, tender, bid)
    return tender


def finish_award(buyer_person: Any, tender: Tender, bid: Bid) -> None:
    done = db.session.execute(
        sa.update(Tender)
        .where(Tender.id == tender.id, Tender.status == TenderStatus.CLOSED)
        .values(status=TenderStatus.AWARDED, awarded_bid_id=bid.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(tender)
    if done.rowcount != 1:
        raise Conflict(_("This tender has already been awarded."))
    order = place_negotiated_lines(
        buyer_person,
        seller_company_id=bid.supplier_company_id,
        lines=_order_lines(tender, bid),
        note=f"{tender.number}",
    )
    tender.order_id = order.id
    db.session.flush()
    bids = ranked_bids(tender)
    for other in bids:
        if other.id == bid.id:
            tell(tender, other.supplier_company_id,
                  N_("%(number)s “%(title)s” is awarded to you. Order %(order)s has been placed."),
                  order=order.number)  # fmt: skip
        else:
            tell(tender, other.supplier_company_id,
                  N_("%(number)s “%(title)s” was awarded to another supplier. Your bid ranked "
                     "%(rank)s of %(count)s. Thank you for taking part."),
                  rank=other.rank, count=len(bids))  # fmt: skip
    tender_changed(tender.id, "awarded", {})


def _order_lines(tender: Tender, bid: Bid) -> list[AgreedLine]:
    """One order line per item at the bid's prices (an auction: its one item at the bid's price)."""
    if bid.unit_price is not None:
        prices = {tender.items[0].id: bid.unit_price}
    else:
        prices = {line.item_id: line.unit_price for line in bid.lines}
    return [
        AgreedLine(
            item.description, item.unit, item.quantity, Money(prices[item.id], tender.currency)
        )
        for item in tender.items
    ]


def cancel(actor: Any, tender: Tender, reason: str) -> Tender:
    require(actor, Permission.BUY)
    if tender.buyer_company_id != actor.company_id:
        raise NotFound()
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 2000:
        raise ValidationError(
            {"reason": [_("Say why the tender is cancelled (3-2000 characters).")]}
        )
    done = db.session.execute(
        sa.update(Tender)
        .where(
            Tender.id == tender.id,
            Tender.status.in_([TenderStatus.PUBLISHED, TenderStatus.CLOSED]),
        )
        .values(status=TenderStatus.CANCELLED, cancel_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(tender)
    if done.rowcount != 1:
        raise Conflict(_("This tender is already awarded or cancelled."))
    for company_id in sorted(set(bidder_ids(tender)) | set(tender.invited_company_ids)):
        tell(tender, company_id, N_("%(number)s “%(title)s” was cancelled by the buyer: %(reason)s"),
              reason=reason)  # fmt: skip
    tender_changed(tender.id, "cancelled", {})
    return tender
