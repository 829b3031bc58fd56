"""An approver's decision on a requisition, and what follows from it (order or back to the buyer)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.procurement import approvals, awards, quotes
from marketplace.procurement.models import Bid, Quote, QuoteStatus, Requisition, Tender


def approve(actor: Any, requisition: Requisition, comment: str = "") -> Requisition:
    """Approve: the purchase goes ahead in the requester's name (the order is placed now)."""
    approvals.decide(actor, requisition, True, comment)
    requester = requisition.requester
    if requisition.kind == "quote":
        quote = db.session.get(Quote, requisition.object_id)
        quotes.move(quote, QuoteStatus.AWAITING_APPROVAL, QuoteStatus.ACCEPTED)
        quotes.finish(quote, requester)
        requisition.order_id = quote.order_id
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
    """Reject: a quote opens again for bargaining; a tender stays closed for another decision."""
    approvals.decide(actor, requisition, False, comment)
    if requisition.kind == "quote":
        quotes.reopen(db.session.get(Quote, requisition.object_id))
    return requisition
