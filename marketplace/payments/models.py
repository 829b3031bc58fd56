"""Escrow accounts, the double-entry journal behind them, bank receipts, payouts and Stripe events."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.db import TimestampMixin
from marketplace.core.extensions import db
from marketplace.core.money import Money


class AccountKind(enum.StrEnum):
    ESCROW = "escrow"  # one per escrow (per order): money held for the trade
    SELLER_PAYABLE = "seller_payable"  # one per seller and currency: released, not yet paid out
    PLATFORM_FEE = "platform_fee"  # the marketplace's earned fees
    OUTSIDE = "outside"  # the world beyond the ledger, one per provider


class EntryKind(enum.StrEnum):
    FUND = "fund"  # money arrives into escrow
    RELEASE = "release"  # escrow -> seller payable + platform fee
    REFUND = "refund"  # escrow -> back to the buyer (outside)
    PAYOUT = "payout"  # seller payable -> outside (money leaves to the seller)


class EscrowStatus(enum.StrEnum):
    AWAITING = "awaiting_payment"
    PARTIAL = "partially_paid"
    FUNDED = "funded"
    RELEASED = "released"
    REFUNDED = "refunded"
    SETTLED = "settled"  # split: part released, part refunded


class Provider(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    STRIPE = "stripe"


class StripeMode(enum.StrEnum):
    CAPTURE_ON_RELEASE = "capture_on_release"  # authorise now, capture when released
    TRANSFER_ON_RELEASE = "transfer_on_release"  # capture now, Transfer to the seller on release


class LedgerAccount(db.Model):
    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    key: Mapped[str] = mapped_column(sa.String(80))
    currency: Mapped[str] = mapped_column(sa.String(3))
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    escrow_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("escrow_accounts.id", ondelete="RESTRICT"), index=True
    )

    __table_args__ = (
        sa.UniqueConstraint("key", "currency", name="key_currency"),
        sa.CheckConstraint(
            "kind in ('escrow','seller_payable','platform_fee','outside')", name="kind"
        ),
    )


class JournalTransaction(db.Model):
    """One money event; its entries sum to zero."""

    __tablename__ = "journal_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    escrow_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("escrow_accounts.id", ondelete="RESTRICT"), index=True
    )
    currency: Mapped[str] = mapped_column(sa.String(3))
    memo: Mapped[str] = mapped_column(sa.String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    entries: Mapped[list[JournalEntry]] = relationship(
        back_populates="transaction", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        sa.CheckConstraint("kind in ('fund','release','refund','payout')", name="kind"),
    )


class JournalEntry(db.Model):
    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("journal_transactions.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # signed minor units; debit > 0

    transaction: Mapped[JournalTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship(lazy="joined")


class EscrowAccount(TimestampMixin, db.Model):
    """The money of one trade: what is due, how it is paid and where it stands."""

    __tablename__ = "escrow_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(80))
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount_due: Mapped[int] = mapped_column(sa.BigInteger)
    buyer_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    seller_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    provider: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default=EscrowStatus.AWAITING, index=True)
    payment_reference: Mapped[str] = mapped_column(sa.String(40), unique=True)
    fee_basis_points: Mapped[int] = mapped_column(default=0)
    overpayment_flagged: Mapped[bool] = mapped_column(default=False)
    stripe_mode: Mapped[str | None] = mapped_column(sa.String(24))
    stripe_payment_intent: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    stripe_client_secret: Mapped[str | None] = mapped_column(sa.String(200))
    seller_stripe_account: Mapped[str | None] = mapped_column(sa.String(80))
    funded_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]

    receipts: Mapped[list[BankReceipt]] = relationship(
        back_populates="escrow", order_by="BankReceipt.id", lazy="selectin"
    )
    payouts: Mapped[list[PayoutInstruction]] = relationship(
        back_populates="escrow", order_by="PayoutInstruction.id", lazy="selectin"
    )

    __table_args__ = (
        sa.CheckConstraint("amount_due > 0", name="amount_due_positive"),
        sa.CheckConstraint("provider in ('bank_transfer','stripe')", name="provider"),
    )

    @property
    def due(self) -> Money:
        return Money(self.amount_due, self.currency)

    @property
    def is_funded(self) -> bool:
        return self.status == EscrowStatus.FUNDED


class BankReceipt(db.Model):
    """An amount the operator saw arrive on the marketplace's bank account for a reference."""

    __tablename__ = "bank_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    escrow_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escrow_accounts.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    escrow: Mapped[EscrowAccount] = relationship(back_populates="receipts")


class PayoutKind(enum.StrEnum):
    SELLER = "seller_payout"
    REFUND = "buyer_refund"


class PayoutInstruction(db.Model):
    """Money the marketplace must send out; the operator (or Stripe) executes it."""

    __tablename__ = "payout_instructions"

    id: Mapped[int] = mapped_column(primary_key=True)
    escrow_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escrow_accounts.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", index=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    executed_at: Mapped[dt.datetime | None]
    executed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    escrow: Mapped[EscrowAccount] = relationship(back_populates="payouts")

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("status in ('pending','executed')", name="status"),
    )

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class StripeEvent(db.Model):
    """Webhook events already applied; the unique id makes a replay a no-op."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(80))
    received_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class SellerPaymentAccount(db.Model):
    """A seller's Stripe connected account, which receives Transfers when escrow is released."""

    __tablename__ = "seller_payment_accounts"

    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    stripe_account_id: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
