"""Quotes with their revisions, tenders (sealed and reverse auction) with bids and the bid log,
and the requisitions that wait for an approver (spending limits live with the users, in accounts)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.extensions import db
from marketplace.core.money import Money


class QuoteStatus(enum.StrEnum):
    OPEN = "open"  # bargaining: the side that did not write the latest revision may answer
    AWAITING_APPROVAL = "awaiting_approval"  # the buyer accepted above their spending limit
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Side(enum.StrEnum):
    BUYER = "buyer"
    SUPPLIER = "supplier"


class Quote(db.Model):
    """A supplier's answer to one buy request; bargaining adds revisions."""

    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    buy_request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("buy_requests.id", ondelete="CASCADE"), index=True
    )
    buyer_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    supplier_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(20), default=QuoteStatus.OPEN, index=True)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    buyer: Mapped[Company] = relationship(foreign_keys=[buyer_company_id], lazy="joined")
    supplier: Mapped[Company] = relationship(foreign_keys=[supplier_company_id], lazy="joined")
    revisions: Mapped[list[QuoteRevision]] = relationship(
        back_populates="quote",
        cascade="all, delete-orphan",
        order_by="QuoteRevision.number",
        lazy="selectin",
    )
    attachments: Mapped[list[QuoteAttachment]] = relationship(
        back_populates="quote",
        cascade="all, delete-orphan",
        order_by="QuoteAttachment.id",
        lazy="selectin",
    )

    __table_args__ = (
        sa.UniqueConstraint("buy_request_id", "supplier_company_id"),
        sa.CheckConstraint(
            "status in ('open','awaiting_approval','accepted','declined','withdrawn')",
            name="status",
        ),
    )

    @property
    def number(self) -> str:
        return f"Q-{self.id:06d}"

    @property
    def latest(self) -> QuoteRevision:
        return self.revisions[-1]

    def side_of(self, company_id: int | None) -> str | None:
        if company_id == self.buyer_company_id:
            return Side.BUYER
        if company_id == self.supplier_company_id:
            return Side.SUPPLIER
        return None


class QuoteRevision(db.Model):
    """One round of bargaining: the full terms as one side proposed them; never changed afterwards."""

    __tablename__ = "quote_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quotes.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    side: Mapped[str] = mapped_column(sa.String(10))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)
    quantity: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    lead_time_days: Mapped[int]
    valid_until: Mapped[dt.date] = mapped_column(sa.Date)
    incoterm: Mapped[str | None] = mapped_column(sa.String(3))
    shipping_cost: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    payment_terms: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    quote: Mapped[Quote] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("quote_id", "number"),
        sa.CheckConstraint("unit_price > 0", name="unit_price_positive"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("side in ('buyer','supplier')", name="side"),
    )

    @property
    def unit_money(self) -> Money:
        return Money(self.unit_price, self.currency)

    @property
    def total(self) -> Money:
        return Money(self.unit_price * self.quantity + self.shipping_cost, self.currency)

    @property
    def landed_unit_price(self) -> Money:
        """Unit price with the shipping spread over the quantity (what one unit costs delivered)."""
        return Money(-(-(self.unit_price * self.quantity + self.shipping_cost) // self.quantity),
                     self.currency)  # fmt: skip

    @property
    def is_expired(self) -> bool:
        return self.valid_until < clock.today()


class QuoteAttachment(db.Model):
    """A file sent with one revision (a specification, a certificate, a price sheet)."""

    __tablename__ = "quote_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quotes.id", ondelete="CASCADE"), index=True
    )
    revision_number: Mapped[int]
    key: Mapped[str] = mapped_column(sa.String(80))
    content_type: Mapped[str] = mapped_column(sa.String(80))
    size: Mapped[int]
    filename: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    quote: Mapped[Quote] = relationship(back_populates="attachments")


class TenderKind(enum.StrEnum):
    SEALED = "sealed"
    REVERSE_AUCTION = "reverse_auction"


class TenderStatus(enum.StrEnum):
    PUBLISHED = "published"  # scheduled or running; the clock decides which
    CLOSED = "closed"  # bids opened (sealed) or bidding over (auction); waiting for the award
    AWARDED = "awarded"
    CANCELLED = "cancelled"


class Phase(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    AWARDED = "awarded"
    CANCELLED = "cancelled"


class Tender(db.Model):
    """A sealed tender (1 to 50 items) or a reverse auction (one item) run by a buyer."""

    __tablename__ = "tenders"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    buyer_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    currency: Mapped[str] = mapped_column(sa.String(3))
    required_documents: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    opens_at: Mapped[dt.datetime]
    closes_at: Mapped[dt.datetime] = mapped_column(index=True)  # auctions: moved by anti-sniping
    invited_only: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=TenderStatus.PUBLISHED, index=True)
    # Sealed: weights in whole percent, adding up to 100; custom: [{"name": str, "weight": int}].
    weight_price: Mapped[int] = mapped_column(default=100)
    weight_lead_time: Mapped[int] = mapped_column(default=0)
    weight_rating: Mapped[int] = mapped_column(default=0)
    custom_criteria: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    # Reverse auction: prices are unit prices in minor units.
    starting_price: Mapped[int | None] = mapped_column(sa.BigInteger)
    decrement_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    decrement_bp: Mapped[int | None]  # basis points of the current best (100 = 1 %)
    extension_minutes: Mapped[int] = mapped_column(default=2)
    show_best_price: Mapped[bool] = mapped_column(default=False)
    best_price: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Raised by every accepted auction bid; a bid is accepted only against the version it read.
    version: Mapped[int] = mapped_column(default=0)
    awarded_bid_id: Mapped[int | None]
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    closed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    buyer: Mapped[Company] = relationship(lazy="joined")
    invitations: Mapped[list[TenderInvitation]] = relationship(
        back_populates="tender", cascade="all, delete-orphan", lazy="selectin"
    )
    items: Mapped[list[TenderItem]] = relationship(
        back_populates="tender",
        cascade="all, delete-orphan",
        order_by="TenderItem.position",
        lazy="selectin",
    )

    __table_args__ = (
        sa.CheckConstraint("kind in ('sealed','reverse_auction')", name="kind"),
        sa.CheckConstraint("status in ('published','closed','awarded','cancelled')", name="status"),
        sa.CheckConstraint("closes_at > opens_at", name="window"),
    )

    @property
    def single_item(self) -> TenderItem | None:
        """The item of a one-item tender (every auction); None when there are several."""
        return self.items[0] if len(self.items) == 1 else None

    @property
    def quantity(self) -> int | None:
        return self.single_item.quantity if self.single_item else None

    @property
    def unit(self) -> str | None:
        return self.single_item.unit if self.single_item else None

    @property
    def number(self) -> str:
        prefix = "T" if self.kind == TenderKind.SEALED else "RA"
        return f"{prefix}-{self.id:06d}"

    @property
    def is_auction(self) -> bool:
        return self.kind == TenderKind.REVERSE_AUCTION

    @property
    def phase(self) -> str:
        """Where the tender stands now; the clock closes it even before the closing job has run."""
        if self.status == TenderStatus.AWARDED:
            return Phase.AWARDED
        if self.status == TenderStatus.CANCELLED:
            return Phase.CANCELLED
        moment = clock.now()
        if self.status == TenderStatus.CLOSED or moment >= self.closes_at:
            return Phase.CLOSED
        if moment < self.opens_at:
            return Phase.SCHEDULED
        return Phase.OPEN

    @property
    def invited_company_ids(self) -> list[int]:
        return sorted(link.company_id for link in self.invitations)

    def may_take_part(self, company_id: int | None) -> bool:
        if company_id is None or company_id == self.buyer_company_id:
            return False
        return not self.invited_only or company_id in self.invited_company_ids


class TenderItem(db.Model):
    """One line of what a tender buys; sealed bids price each item, the order gets one line each."""

    __tablename__ = "tender_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]  # 1, 2, ... as the buyer listed them
    description: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(sa.String(20))

    tender: Mapped[Tender] = relationship(back_populates="items")

    __table_args__ = (
        sa.UniqueConstraint("tender_id", "position"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("position > 0", name="position_positive"),
    )

    @property
    def label(self) -> str:
        return f"{self.position}. {self.description}"


class TenderInvitation(db.Model):
    __tablename__ = "tender_invitations"

    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    tender: Mapped[Tender] = relationship(back_populates="invitations")
    company: Mapped[Company] = relationship(lazy="joined")


class Bid(db.Model):
    """A supplier's standing bid in a tender: replaced while the tender is open, one per supplier.

    A sealed bid prices every item in its lines; an auction bid is one unit price (unit_price)."""

    __tablename__ = "bids"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    supplier_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    unit_price: Mapped[int | None] = mapped_column(sa.BigInteger)  # reverse auctions only
    lead_time_days: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    documents: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # After closing (sealed): the buyer's 0-10 marks for custom criteria, the score and its parts.
    custom_marks: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    score: Mapped[int | None]  # hundredths of a point, 10000 = 100.00
    breakdown: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    rank: Mapped[int | None]
    submitted_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    tender: Mapped[Tender] = relationship()
    supplier: Mapped[Company] = relationship(lazy="joined")
    lines: Mapped[list[BidLine]] = relationship(
        back_populates="bid", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        sa.UniqueConstraint("tender_id", "supplier_company_id"),
        sa.CheckConstraint("unit_price > 0", name="unit_price_positive"),
        sa.CheckConstraint("lead_time_days >= 0", name="lead_time"),
    )

    @property
    def price_rows(self) -> list[tuple[TenderItem, int]]:
        """(item, unit price) in the order of the tender's items; an auction bid has one row."""
        if self.unit_price is not None:
            return [(self.tender.items[0], self.unit_price)]
        return sorted(
            ((line.item, line.unit_price) for line in self.lines), key=lambda row: row[0].position
        )

    def price_for(self, item_id: int) -> int | None:
        return next((price for item, price in self.price_rows if item.id == item_id), None)

    @property
    def total_amount(self) -> int:
        """What the bid costs in minor units: the sum of unit price × quantity over the items."""
        if self.lines:
            return sum(line.unit_price * line.item.quantity for line in self.lines)
        return (self.unit_price or 0) * (self.tender.quantity or 0)

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.tender.currency)

    @property
    def single_price(self) -> int | None:
        """The unit price when the bid has one price (auctions, one-item tenders); else None."""
        if self.unit_price is not None:
            return self.unit_price
        return self.lines[0].unit_price if len(self.lines) == 1 else None


class BidLine(db.Model):
    """A sealed bid's unit price for one item of the tender, in minor units."""

    __tablename__ = "bid_lines"

    bid_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bids.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tender_items.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)

    bid: Mapped[Bid] = relationship(back_populates="lines")
    item: Mapped[TenderItem] = relationship(lazy="joined")

    __table_args__ = (sa.CheckConstraint("unit_price > 0", name="unit_price_positive"),)

    @property
    def total_amount(self) -> int:
        return self.unit_price * self.item.quantity


class BidLogEntry(db.Model):
    """Every bid attempt in a reverse auction, accepted or refused; rows are only ever added."""

    __tablename__ = "bid_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    supplier_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)
    accepted: Mapped[bool]
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    tender_version: Mapped[int | None]  # the version the accepted bid produced: a total order
    closes_at_after: Mapped[dt.datetime | None]
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)


@sa.event.listens_for(BidLogEntry, "before_update")
@sa.event.listens_for(BidLogEntry, "before_delete")
def _log_is_append_only(_mapper, _connection, _target) -> None:
    raise RuntimeError("The bid log is append-only.")


class RequisitionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Requisition(db.Model):
    """A purchase above the requester's limit, waiting for a colleague with the approver role."""

    __tablename__ = "requisitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # quote / tender / order
    object_id: Mapped[int]
    bid_id: Mapped[int | None]
    title: Mapped[str] = mapped_column(sa.String(300))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(
        sa.String(10), default=RequisitionStatus.PENDING, index=True
    )
    approver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    decided_at: Mapped[dt.datetime | None]

    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined")
    approver: Mapped[User | None] = relationship(foreign_keys=[approver_id], lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("kind in ('quote','tender','order')", name="kind"),
        sa.CheckConstraint("status in ('pending','approved','rejected')", name="status"),
        # one purchase waits for one decision: a double click or a concurrent award cannot
        # queue a second requisition for the same object
        sa.Index(
            "uq_requisitions_pending_object",
            "kind",
            "object_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)
