"""An approver's decision on a requisition, and what follows from it (order or back to the buyer)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.orders import placing
from marketplace.orders.models import Order
from marketplace.procurement import approvals, awards, quotes
from marketplace.procurement.models import Bid, Quote, QuoteStatus, Requisition, Tender


class TermsExpired(Conflict):
    """An approval refused because the quote's terms expired meanwhile. It is raised after the
    requisition was closed, the quote reopened and the requester told: an edge that commits on
    it keeps that (and shows the message); one that rolls back leaves everything pending."""


def approve(actor: Any, requisition: Requisition, comment: str = "") -> Requisition:
    """Approve: the purchase goes ahead in the requester's name (the order is placed now)."""
    if requisition.kind == "quote":
        quote = db.session.get(Quote, requisition.object_id)
        if quote.latest.is_expired:
            approvals.close_expired(actor, requisition, quote.latest.valid_until)
            quotes.reopen(quote)
            raise TermsExpired(
                _("The terms of %(number)s expired on %(date)s, so it cannot be approved. "
                  "%(requester)s is told to agree new terms with the supplier.",
                  number=quote.number, date=quote.latest.valid_until.isoformat(),
                  requester=requisition.requester.full_name)
            )  # fmt: skip
    approvals.decide(actor, requisition, True, comment)
    requester = requisition.requester
    if requisition.kind == "quote":
        quotes.move(quote, QuoteStatus.AWAITING_APPROVAL, QuoteStatus.ACCEPTED)
        quotes.finish(quote, requester)
        requisition.order_id = quote.order_id
    elif requisition.kind == "order":
        order = placing.release_held(actor, _held_order(requisition), comment)
        requisition.order_id = order.id
    else:
        tender = db.session.get(Tender, requisition.object_id)
        bid = db.session.get(Bid, requisition.bid_id)
        if bid is None or bid.tender_id != tender.id:
            raise Conflict(_("The bid of this requisition no longer exists."))
        awards.finish_award(requester, tender, bid)
        requisition.order_id = tender.order_id
    db.session.flush()
    return requisition


def reject(actor: Any, requisition: Requisition, comment: str) -> Requisition:
    """Reject: a quote opens again for bargaining; a tender stays closed for another decision;
    a held order closes without reaching the seller."""
    approvals.decide(actor, requisition, False, comment)
    if requisition.kind == "quote":
        quotes.reopen(db.session.get(Quote, requisition.object_id))
    elif requisition.kind == "order":
        placing.refuse_held(actor, _held_order(requisition), requisition.comment)
    return requisition


def _held_order(requisition: Requisition) -> Order:
    order = db.session.get(Order, requisition.object_id)
    if order is None or order.buyer_company_id != requisition.company_id:
        raise Conflict(_("The order of this requisition no longer exists."))
    return order
