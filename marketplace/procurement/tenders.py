"""Tenders (sealed and reverse auction): publishing, sealed bids, closing, scoring, award and cancel.

Secrecy: no function here hands out another company's bid while the tender is before its closing
time (the buyer included); views and API only ever read bids through these functions.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from marketplace.companies.models import Company
from marketplace.core import clock, jobs
from marketplace.core.access import Permission, require
from marketplace.core.bounds import PRICE
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.procurement import scoring, tender_rules
from marketplace.procurement.announce import N_, in_thread, tender_changed
from marketplace.procurement.models import (
    Bid,
    BidLine,
    Phase,
    Tender,
    TenderInvitation,
    TenderItem,
    TenderKind,
    TenderStatus,
)

CLOSE_JOB = "procurement.close_tenders"


# ---------------------------------------------------------------- reading


def visible(tender: Tender, company_id: int | None) -> bool:
    if company_id is None:
        return False
    return tender.buyer_company_id == company_id or tender.may_take_part(company_id)


def get_tender(actor: Any, tender_id: Any) -> Tender:
    """The tender for its buyer and the companies that may take part; otherwise NotFound."""
    tender = db.session.get(Tender, tender_id) if isinstance(tender_id, int) else None
    if tender is None or not visible(tender, getattr(actor, "company_id", None)):
        raise NotFound()
    return tender


def buyer_tenders(company_id: int) -> list[Tender]:
    return list(
        db.session.execute(
            sa.select(Tender)
            .where(Tender.buyer_company_id == company_id)
            .order_by(Tender.closes_at.desc())
        ).scalars()
    )


def supplier_tenders(company_id: int) -> list[Tender]:
    """Tenders the company is invited to, and open tenders of others."""
    invited = sa.select(TenderInvitation.tender_id).where(TenderInvitation.company_id == company_id)
    return list(
        db.session.execute(
            sa.select(Tender)
            .where(
                Tender.buyer_company_id != company_id,
                sa.or_(Tender.id.in_(invited), Tender.invited_only.is_(False)),
            )
            .order_by(Tender.closes_at.desc())
        ).scalars()
    )


def own_bid(actor: Any, tender: Tender) -> Bid | None:
    """The actor's company's own bid (a supplier may always read what it sent)."""
    return db.session.execute(
        sa.select(Bid).where(
            Bid.tender_id == tender.id, Bid.supplier_company_id == actor.company_id
        )
    ).scalar_one_or_none()


def ranked_bids(tender: Tender) -> list[Bid]:
    return list(
        db.session.execute(
            sa.select(Bid)
            .where(Bid.tender_id == tender.id)
            .order_by(Bid.rank.is_(None), Bid.rank, Bid.unit_price, Bid.submitted_at, Bid.id)
        ).scalars()
    )


def bids_opened(tender: Tender) -> bool:
    """True once closing has opened the bids; a tender cancelled before that never opens them."""
    return tender.closed_at is not None


def opened_bids(actor: Any, tender: Tender) -> list[Bid]:
    """Every bid with its score, for the buyer, and only once closing has opened them."""
    if tender.buyer_company_id != getattr(actor, "company_id", None):
        raise NotFound()
    require(actor, Permission.READ)
    ensure_closed(tender)
    if bids_opened(tender):
        return ranked_bids(tender)
    if tender.status == TenderStatus.CANCELLED:
        raise Conflict(_("The tender was cancelled before closing; its bids stay sealed."))
    raise Conflict(
        _("Bids stay sealed until the closing time (%(when)s UTC).",
          when=tender.closes_at.strftime("%Y-%m-%d %H:%M"))
    )  # fmt: skip


def bid_count(tender: Tender) -> int:
    return db.session.execute(
        sa.select(sa.func.count(Bid.id)).where(Bid.tender_id == tender.id)
    ).scalar_one()


# ---------------------------------------------------------------- publishing


def create_tender(actor: Any, data: dict[str, Any]) -> Tender:
    """Publish a sealed tender or a reverse auction of the actor's company."""
    require(actor, Permission.BUY)
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in (TenderKind.SEALED, TenderKind.REVERSE_AUCTION):
        errors["kind"] = [_("Choose a sealed tender or a reverse auction.")]
    values = tender_rules.check_common(data, errors)
    items: list[dict] = []
    if kind == TenderKind.REVERSE_AUCTION:
        if data.get("items") is not None:
            errors["items"] = [_("A reverse auction is for one item: give its quantity and unit.")]
        items = tender_rules.check_single_item(data, values["title"], errors)
        values |= tender_rules.check_auction(data, errors)
    elif kind == TenderKind.SEALED:
        items = tender_rules.check_items(data, values["title"], errors)
        values |= tender_rules.check_weights(data, errors)
    invited = tender_rules.invitable(
        data.get("invited_company_ids") or [], actor.company_id, errors
    )
    if values["invited_only"] and not invited and "invited_company_ids" not in errors:
        errors["invited_company_ids"] = [_("Invite at least one supplier.")]
    if errors:
        raise ValidationError(errors)
    tender = Tender(kind=kind, buyer_company_id=actor.company_id, created_by_id=actor.id, **values)
    tender.invitations = [TenderInvitation(company_id=cid) for cid in invited]
    tender.items = [TenderItem(**item) for item in items]
    db.session.add(tender)
    db.session.flush()
    schedule_close(tender)
    for company_id in invited:
        tell(
            tender,
            company_id,
            N_("You are invited to %(number)s “%(title)s”, closing %(when)s UTC."),
        )
    return tender


def schedule_close(tender: Tender) -> None:
    """A job at the (possibly extended) closing time; the close itself checks the clock again."""
    jobs.enqueue(
        CLOSE_JOB,
        {"tender_id": tender.id},
        run_at=tender.closes_at,
        key=f"tender-close:{tender.id}:{tender.closes_at.isoformat()}",
    )


def tell(tender: Tender, company_id: int, text: str, **data: Any) -> None:
    in_thread(
        tender.buyer_company_id,
        company_id,
        ("tender", tender.id),
        f"{tender.number} {tender.title}",
        text,
        {"number": tender.number, "title": tender.title,
         "when": tender.closes_at.strftime("%Y-%m-%d %H:%M"), **data},
    )  # fmt: skip


def bidder_ids(tender: Tender) -> list[int]:
    return list(
        db.session.execute(
            sa.select(Bid.supplier_company_id).where(Bid.tender_id == tender.id).order_by(Bid.id)
        ).scalars()
    )


# ---------------------------------------------------------------- sealed bids


def check_can_bid(actor: Any, tender: Tender) -> None:
    require(actor, Permission.SELL)
    if tender.buyer_company_id == actor.company_id:
        raise Conflict(_("You cannot bid in your own company's tender."))
    if not tender.may_take_part(actor.company_id):
        raise NotFound()
    phase = tender.phase
    if phase == Phase.SCHEDULED:
        raise Conflict(_("Bidding has not opened yet."))
    if phase != Phase.OPEN:
        raise Conflict(_("Bidding is closed."))


def submit_sealed_bid(actor: Any, tender: Tender, data: dict[str, Any]) -> Bid:
    """Send or replace the company's sealed bid until the closing time; it prices every item."""
    if tender.kind != TenderKind.SEALED:
        raise Conflict(_("This is a reverse auction; place a bid in the auction room."))
    check_can_bid(actor, tender)
    errors: dict[str, list[str]] = {}
    prices = _item_prices(tender, data, errors)
    lead = tender_rules.whole(
        data, "lead_time_days", errors, _("Give the lead time in days (0-730)."),
        tender_rules.LEAD_DAYS, required=True,
    )  # fmt: skip
    documents = data.get("documents") or []
    if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
        errors["documents"] = [_("Give the names of the documents you provide.")]
        documents = []
    missing = [d for d in tender.required_documents if d not in documents]
    if missing and "documents" not in errors:
        errors["documents"] = [_("Missing required documents: %(d)s.", d=", ".join(missing))]
    if errors:
        raise ValidationError(errors)
    bid = own_bid(actor, tender)
    if bid is None:
        bid = Bid(tender_id=tender.id, supplier_company_id=actor.company_id)
        db.session.add(bid)
    # replacing a bid replaces every price: each item's line is rewritten in place
    lines = {line.item_id: line for line in bid.lines}
    for item in tender.items:
        line = lines.get(item.id)
        if line is None:
            line = BidLine(item=item)
            bid.lines.append(line)
        line.unit_price = prices[item.id]
    bid.unit_price, bid.lead_time_days = None, lead
    bid.note = str(data.get("note") or "").strip()[:5000]
    bid.documents = list(documents)
    bid.submitted_by_id, bid.submitted_at = actor.id, clock.now()
    db.session.flush()
    tender_changed(tender.id, "bids", {"count": bid_count(tender)})
    return bid


def _item_prices(tender: Tender, data: dict[str, Any], errors: dict) -> dict[int, int]:
    """Unit prices by item id from "prices": [{"item_id", "unit_price"}], or from the old single
    "unit_price" of a one-item tender. Every item must be priced; errors are keyed prices.<item_id>
    (prices.<index> for an entry that names no item of this tender)."""
    items = {item.id: item for item in tender.items}
    raw = data.get("prices")
    if raw is None:
        if tender.single_item is not None:
            price = tender_rules.whole(data, "unit_price", errors,
                                       _("Give a unit price above zero."), PRICE, required=True)  # fmt: skip
            return {tender.single_item.id: price} if price is not None else {}
        raw = []
    if not isinstance(raw, list):
        errors["prices"] = [_("Give a list of prices, one for each item.")]
        return {}
    prices: dict[int, int] = {}
    for index, entry in enumerate(raw):
        entry = entry if isinstance(entry, dict) else {}
        item = items.get(entry.get("item_id")) if isinstance(entry.get("item_id"), int) else None
        if item is None:
            errors[f"prices.{index}"] = [_("This is not an item of this tender.")]
            continue
        if item.id in prices or f"prices.{item.id}" in errors:
            errors[f"prices.{item.id}"] = [
                _("Item %(item)s is priced twice.", item=f"{item.position} “{item.description}”")
            ]
            continue
        price = entry.get("unit_price")
        if price not in PRICE:
            errors[f"prices.{item.id}"] = [
                _("Give a unit price above zero for item %(item)s.",
                  item=f"{item.position} “{item.description}”")
            ]  # fmt: skip
            continue
        prices[item.id] = price
    for item in tender.items:
        if item.id not in prices and f"prices.{item.id}" not in errors:
            errors[f"prices.{item.id}"] = [
                _("Give a unit price for item %(item)s.",
                  item=f"{item.position} “{item.description}”")
            ]  # fmt: skip
    return prices


# ---------------------------------------------------------------- closing and scoring


def _rating(company: Company) -> float | None:
    value = (company.scorecard or {}).get("rating_overall")
    return float(value) if isinstance(value, (int, float)) else None


def rescore(tender: Tender) -> None:
    """Score and rank the bids (sealed: weighted criteria; auction: lowest price first)."""
    bids = ranked_bids(tender)
    if tender.is_auction:
        ordered = sorted(bids, key=lambda b: (b.unit_price, b.submitted_at, b.id))
        for rank, bid in enumerate(ordered, start=1):
            bid.rank, bid.score, bid.breakdown = rank, None, {}
        db.session.flush()
        return
    weights = scoring.Weights(
        price=tender.weight_price,
        lead_time=tender.weight_lead_time,
        rating=tender.weight_rating,
        custom=tuple((c["name"], c["weight"]) for c in tender.custom_criteria),
    )
    order = {b.id: i for i, b in enumerate(sorted(bids, key=lambda b: (b.submitted_at, b.id)))}
    results = scoring.score(
        [
            scoring.Entry(
                b.id,
                b.total_amount,
                b.lead_time_days,
                _rating(b.supplier),
                dict(b.custom_marks or {}),
                order[b.id],
            )  # fmt: skip
            for b in bids
        ],
        weights,
    )
    for bid in bids:
        result = results[bid.id]
        bid.score, bid.rank = result["total"], result["rank"]
        bid.breakdown = {k: v for k, v in result.items() if k not in ("total", "rank")}
    db.session.flush()


def close(tender: Tender) -> bool:
    """Open the bids once the closing time has passed; True when this call closed it."""
    moment = clock.now()
    done = db.session.execute(
        sa.update(Tender)
        .where(
            Tender.id == tender.id,
            Tender.status == TenderStatus.PUBLISHED,
            Tender.closes_at <= moment,
        )
        .values(status=TenderStatus.CLOSED, closed_at=moment)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(tender)
    if done.rowcount != 1:
        return False
    rescore(tender)
    tender_changed(tender.id, "closed", {})
    return True


def ensure_closed(tender: Tender) -> None:
    if tender.status == TenderStatus.PUBLISHED and tender.phase == Phase.CLOSED:
        close(tender)


def close_due_tenders() -> int:
    """Close every published tender past its closing time (the job and `flask procurement close-due`)."""
    ids = list(
        db.session.execute(
            sa.select(Tender.id).where(
                Tender.status == TenderStatus.PUBLISHED, Tender.closes_at <= clock.now()
            )
        ).scalars()
    )
    return sum(1 for tender_id in ids if close(db.session.get(Tender, tender_id)))


def _close_job(payload: dict) -> None:
    close_due_tenders()  # the job runner commits


JOB_HANDLERS = {CLOSE_JOB: _close_job}  # registered by create_app


def set_marks(actor: Any, tender: Tender, bid_id: Any, marks: dict[str, Any]) -> Bid:
    """The buyer marks a bid 0-10 on each custom criterion after closing; the ranking follows."""
    require(actor, Permission.BUY)
    bids = {b.id: b for b in opened_bids(actor, tender)}
    if tender.status != TenderStatus.CLOSED:
        raise Conflict(_("Marks can be changed only before the award."))
    bid = bids.get(bid_id)
    if bid is None:
        raise ValidationError({"bid_id": [_("No such bid in this tender.")]})
    names = {c["name"] for c in tender.custom_criteria}
    clean: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for name, value in (marks or {}).items():
        if name not in names:
            errors[f"marks.{name}"] = [_("Not a criterion of this tender.")]
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
            errors[f"marks.{name}"] = [_("A mark is a whole number 0-10.")]
        else:
            clean[name] = value
    if errors:
        raise ValidationError(errors)
    bid.custom_marks = {**(bid.custom_marks or {}), **clean}
    rescore(tender)
    return bid


def context_summary(tender_id: int, viewer_company_id: int | None) -> dict | None:
    """What a message thread about a tender shows, when the viewer may see the tender."""
    tender = db.session.get(Tender, tender_id)
    if tender is None or not visible(tender, viewer_company_id):
        return None
    return {
        "title": f"{tender.number} {tender.title}",
        "url": url_for("procurement.tender", tender_id=tender.id),
        "company_id": tender.buyer_company_id,
    }
