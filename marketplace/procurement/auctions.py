"""Reverse auctions: bids that must beat the best price by the minimum decrement, anti-sniping,
ranks without identities and the append-only bid log (refused attempts included).

Concurrency: a bid is accepted with one conditional UPDATE of the tender row that requires the
tender version the bidder's check was made against. Two bids against the same best price cannot
both succeed: the second UPDATE finds a new version (PostgreSQL re-reads the row after the first
commits) and its bidder is told the new best price.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.core import clock
from marketplace.core.bounds import PRICE
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.procurement import tenders
from marketplace.procurement.announce import tender_changed
from marketplace.procurement.models import Bid, BidLogEntry, Phase, Tender, TenderKind


def required_price(tender: Tender) -> int:
    """The highest unit price the next bid may have."""
    if tender.best_price is None:
        return tender.starting_price
    if tender.decrement_amount:
        return tender.best_price - tender.decrement_amount
    # new × 10000 ≤ best × (10000 − bp), in whole numbers
    return tender.best_price * (10000 - tender.decrement_bp) // 10000


def _accepts(tender: Tender, price: int) -> bool:
    return price <= required_price(tender) and price > 0


def place_bid(actor: Any, tender: Tender, unit_price: Any) -> Bid:
    """Lower the company's price; accepted only if it beats the current best by the decrement."""
    if tender.kind != TenderKind.REVERSE_AUCTION:
        raise Conflict(_("This is a sealed tender; send a sealed bid."))
    tenders.check_can_bid(actor, tender)
    if unit_price not in PRICE:
        raise ValidationError({"unit_price": [_("Give a unit price above zero.")]})
    db.session.refresh(tender)
    seen_version = tender.version
    if not _accepts(tender, unit_price):
        own = tenders.own_bid(actor, tender)
        if tender.best_price is None or tender.show_best_price or (own and own.rank == 1):
            message = _("Bid at most %(limit)s: the minimum decrement applies to the best price.",
                        limit=str(Money(required_price(tender), tender.currency)))  # fmt: skip
        else:
            message = _("Your bid does not beat the best price by the minimum decrement.")
        raise ValidationError({"unit_price": [message]})
    moment = clock.now()
    window = dt.timedelta(minutes=tender.extension_minutes)
    closes_at = tender.closes_at
    extended = bool(window) and closes_at - moment < window
    if extended:
        closes_at = moment + window  # anti-sniping: the end moves to N minutes after a late bid
    done = db.session.execute(
        sa.update(Tender)
        .where(
            Tender.id == tender.id,
            Tender.version == seen_version,
            Tender.status == "published",
            Tender.closes_at > moment,
        )
        .values(best_price=unit_price, version=seen_version + 1, closes_at=closes_at)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(tender)
    if done.rowcount != 1:
        if tender.phase != Phase.OPEN:
            raise Conflict(_("Bidding is closed."))
        raise Conflict(_("Another bid was accepted a moment ago; the price to beat changed."))
    bid = tenders.own_bid(actor, tender)
    if bid is None:
        bid = Bid(tender_id=tender.id, supplier_company_id=actor.company_id)
        db.session.add(bid)
    bid.unit_price, bid.submitted_by_id, bid.submitted_at = unit_price, actor.id, moment
    db.session.add(
        BidLogEntry(
            tender_id=tender.id,
            supplier_company_id=actor.company_id,
            user_id=actor.id,
            unit_price=unit_price,
            accepted=True,
            tender_version=seen_version + 1,
            closes_at_after=closes_at,
            at=moment,
        )
    )
    db.session.flush()
    tenders.rescore(tender)
    if extended:
        tenders.schedule_close(tender)
    tender_changed(tender.id, "bid", public_state(tender))
    return bid


def record_refusal(actor: Any, tender: Tender, unit_price: Any, refusal: Exception) -> None:
    """Log a refused bid of a participant; the edge calls this after rolling the request back and
    commits it on its own, so the log keeps the attempt the request did not keep."""
    if tender.kind != TenderKind.REVERSE_AUCTION or not tender.may_take_part(actor.company_id):
        return
    if unit_price not in PRICE:
        return  # not a price at all: nothing was bid
    reason = getattr(refusal, "message", "") or str(refusal)
    if isinstance(refusal, ValidationError) and refusal.errors.get("unit_price"):
        reason = refusal.errors["unit_price"][0]
    db.session.add(
        BidLogEntry(
            tender_id=tender.id,
            supplier_company_id=actor.company_id,
            user_id=actor.id,
            unit_price=unit_price,
            accepted=False,
            reason=reason[:200],
            at=clock.now(),
        )
    )
    db.session.flush()


def public_state(tender: Tender) -> dict:
    """What anyone in the room may know: no bidder identities, the best price only if allowed."""
    return {
        "version": tender.version,
        "phase": str(tender.phase),
        "closes_at": tender.closes_at.isoformat(),
        "bidders": tenders.bid_count(tender),
        "best_price": tender.best_price if tender.show_best_price else None,
    }


def standing(actor: Any, tender: Tender) -> dict:
    """The room's view for this viewer: their own rank and price; the buyer sees the full ranking."""
    company_id = getattr(actor, "company_id", None)
    if not tenders.visible(tender, company_id):
        raise NotFound()
    state = public_state(tender)
    state["required_price"] = required_price(tender) if tender.phase == Phase.OPEN else None
    state["currency"] = tender.currency
    if company_id == tender.buyer_company_id:
        state["best_price"] = tender.best_price
        state["ranking"] = [
            {
                "bid_id": b.id,
                "rank": b.rank,
                "supplier": b.supplier.name,
                "unit_price": b.unit_price,
            }  # fmt: skip
            for b in tenders.ranked_bids(tender)
        ]
        return state
    own = tenders.own_bid(actor, tender)
    state["my_rank"] = own.rank if own else None
    state["my_price"] = own.unit_price if own else None
    if state["best_price"] is None and own is not None and own.rank == 1:
        state["best_price"] = own.unit_price  # the leader knows the best price: it is theirs
    # the price to beat is public arithmetic only when the best price itself may be shown
    if not tender.show_best_price and not (own and own.rank == 1):
        state["required_price"] = None
    return state


def audit_log(actor: Any, tender: Tender) -> list[BidLogEntry]:
    """The buyer's audit trail of every bid attempt, accepted or refused, oldest first."""
    if tender.buyer_company_id != getattr(actor, "company_id", None):
        raise NotFound()
    return list(
        db.session.execute(
            sa.select(BidLogEntry)
            .where(BidLogEntry.tender_id == tender.id)
            .order_by(BidLogEntry.id)
        ).scalars()
    )
