"""Orders and their lines, the timeline of states, disputes, documents, reviews and idempotency."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.db import TimestampMixin
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.payments.models import EscrowAccount


class OrderStatus(enum.StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  # above the buyer's spending limit; seller not told
    REJECTED_INTERNALLY = "rejected_internally"  # the buyer's approver said no; never sent
    PLACED = "placed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    FUNDED = "funded"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    DISPUTED = "disputed"
    RESOLVED = "resolved"
    REFUNDED = "refunded"


# An order in these states has not reached the seller: to the seller it does not exist.
INTERNAL_STATES = frozenset({OrderStatus.AWAITING_APPROVAL, OrderStatus.REJECTED_INTERNALLY})

OPEN_STATES = frozenset(
    {
        OrderStatus.PLACED,
        OrderStatus.CONFIRMED,
        OrderStatus.FUNDED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.DISPUTED,
    }
)


class Order(TimestampMixin, db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    seller_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    placed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(20), default=OrderStatus.PLACED, index=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    net_total: Mapped[int] = mapped_column(sa.BigInteger)
    vat_total: Mapped[int] = mapped_column(sa.BigInteger)
    total: Mapped[int] = mapped_column(sa.BigInteger)  # gross: what the buyer pays into escrow
    reverse_charge: Mapped[bool] = mapped_column(default=False)
    delivery: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    requested_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    incoterm: Mapped[str | None] = mapped_column(sa.String(3))
    incoterm_place: Mapped[str | None] = mapped_column(sa.String(120))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    escrow_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("escrow_accounts.id", ondelete="RESTRICT"), unique=True
    )
    thread_id: Mapped[int | None]  # messaging thread about this order
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100))
    request_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    carrier: Mapped[str | None] = mapped_column(sa.String(120))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(120))
    cancel_requested_by: Mapped[str | None] = mapped_column(sa.String(10))  # buyer / seller
    confirmed_at: Mapped[dt.datetime | None]
    funded_at: Mapped[dt.datetime | None]
    shipped_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    delivered_automatically: Mapped[bool] = mapped_column(default=False)
    completed_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]

    buyer: Mapped[Company] = relationship(foreign_keys=[buyer_company_id], lazy="joined")
    seller: Mapped[Company] = relationship(foreign_keys=[seller_company_id], lazy="joined")
    escrow: Mapped[EscrowAccount | None] = relationship(lazy="joined")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id",
        lazy="selectin",
    )  # fmt: skip
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )
    disputes: Mapped[list[Dispute]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Dispute.id"
    )
    documents: Mapped[list[OrderDocument]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderDocument.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("buyer_company_id", "idempotency_key", name="buyer_idempotency"),
        sa.CheckConstraint("total > 0", name="total_positive"),
        sa.CheckConstraint(
            "status in ('awaiting_approval','rejected_internally','placed','confirmed',"
            "'rejected','cancelled','funded','shipped','delivered','completed','disputed',"
            "'resolved','refunded')",
            name="status",
        ),
    )

    @property
    def number(self) -> str:
        return f"ORD-{self.id:06d}"

    @property
    def total_money(self) -> Money:
        return Money(self.total, self.currency)

    @property
    def net_money(self) -> Money:
        return Money(self.net_total, self.currency)

    @property
    def vat_money(self) -> Money:
        return Money(self.vat_total, self.currency)

    @property
    def open_dispute(self) -> Dispute | None:
        return next((d for d in self.disputes if d.resolved_at is None), None)

    def side_of(self, company_id: int | None) -> str | None:
        if company_id == self.buyer_company_id:
            return "buyer"
        if company_id == self.seller_company_id:
            return "seller"
        return None


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    sku: Mapped[str | None] = mapped_column(sa.String(64))
    unit: Mapped[str] = mapped_column(sa.String(20))
    quantity: Mapped[int]
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)  # net, minor units
    vat_rate_bp: Mapped[int] = mapped_column(default=0)  # basis points, 2300 = 23 %
    net_amount: Mapped[int] = mapped_column(sa.BigInteger)
    vat_amount: Mapped[int] = mapped_column(sa.BigInteger)

    order: Mapped[Order] = relationship(back_populates="lines")

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)


class OrderEvent(db.Model):
    """One step of the order's timeline."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    side: Mapped[str | None] = mapped_column(sa.String(10))  # buyer / seller / operator / system
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    order: Mapped[Order] = relationship(back_populates="events")


class Dispute(db.Model):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text)
    previous_status: Mapped[str] = mapped_column(sa.String(20))
    opened_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    refund_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    resolution_note: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[dt.datetime | None]

    order: Mapped[Order] = relationship(back_populates="disputes")


class DocumentKind(enum.StrEnum):
    CONFIRMATION = "confirmation"
    PROFORMA = "proforma"
    INVOICE = "invoice"
    CORRECTION = "correction"  # correcting invoice: the part refunded after a dispute


class OrderDocument(db.Model):
    """A document issued for the order; the PDF is rendered from the order on download."""

    __tablename__ = "order_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    number: Mapped[str] = mapped_column(sa.String(40))
    issued_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    # correcting invoice only: the gross amount (minor units) it takes off the invoice
    amount: Mapped[int | None] = mapped_column(sa.BigInteger)

    order: Mapped[Order] = relationship(back_populates="documents")

    __table_args__ = (
        sa.UniqueConstraint("order_id", "kind", name="order_kind"),
        sa.CheckConstraint(
            "kind in ('confirmation','proforma','invoice','correction')", name="kind"
        ),
    )


class InvoiceCounter(db.Model):
    """The seller's last number in a year and series (FV invoices, FK correcting invoices);
    bumped under a row lock, so numbers are gapless."""

    __tablename__ = "invoice_counters"

    seller_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    series: Mapped[str] = mapped_column(sa.String(2), primary_key=True, default="FV")
    last_number: Mapped[int] = mapped_column(default=0)


class Review(db.Model):
    __tablename__ = "order_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True
    )
    seller_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    buyer_company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    quality: Mapped[int]
    on_time: Mapped[int]
    communication: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    reply: Mapped[str | None] = mapped_column(sa.Text)
    replied_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    order: Mapped[Order] = relationship()
    buyer: Mapped[Company] = relationship(foreign_keys=[buyer_company_id], lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("quality between 1 and 5", name="quality"),
        sa.CheckConstraint("on_time between 1 and 5", name="on_time"),
        sa.CheckConstraint("communication between 1 and 5", name="communication"),
    )

    @property
    def average(self) -> float:
        return round((self.quality + self.on_time + self.communication) / 3, 2)


class IdempotentRequest(db.Model):
    """The answer given to a money-moving request, replayed for the same Idempotency-Key."""

    __tablename__ = "idempotent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(40))  # "company:7" or "user:3" (operators)
    endpoint: Mapped[str] = mapped_column(sa.String(120))
    key: Mapped[str] = mapped_column(sa.String(100))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    body: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    __table_args__ = (sa.UniqueConstraint("scope", "endpoint", "key", name="scope_key"),)
