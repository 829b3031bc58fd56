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
    SETTLING = "settling"  # closed in the ledger; the card provider is moving the money


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
    """One money event; its entries sum to zero. A reversal has its original's kind and negated
    entries, so sums per kind stay true."""

    __tablename__ = "journal_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    escrow_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("escrow_accounts.id", ondelete="RESTRICT"), index=True
    )
    currency: Mapped[str] = mapped_column(sa.String(3))
    memo: Mapped[str] = mapped_column(sa.String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The provider movement this transaction waits for: reversed if the provider refuses it.
    instruction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("payout_instructions.id", ondelete="RESTRICT"), index=True
    )
    # Set on a reversal: the transaction whose entries it takes back (same kind, negated).
    reverses_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("journal_transactions.id", ondelete="RESTRICT"), unique=True
    )
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
    payouts: Mapped[list[PaymentInstruction]] = relationship(
        back_populates="escrow", order_by="PaymentInstruction.id", lazy="selectin"
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


class InstructionKind(enum.StrEnum):
    """What a payment instruction moves. The operator executes the bank-transfer kinds by hand;
    the provider kinds are executed by a job after the transaction that wrote them commits."""

    SELLER_PAYOUT = "seller_payout"  # operator: wire the seller's net amount
    BUYER_REFUND = "buyer_refund"  # operator: wire money back to the buyer
    CAPTURE = "capture"  # Stripe: capture (part of) a held card authorisation
    CANCEL = "cancel"  # Stripe: cancel a PaymentIntent (an authorisation is let go)
    REFUND = "refund"  # Stripe: refund (part of) a captured card payment
    TRANSFER = "transfer"  # Stripe: pay the seller's connected account

    @property
    def by_operator(self) -> bool:
        return self in OPERATOR_KINDS


OPERATOR_KINDS = (InstructionKind.SELLER_PAYOUT, InstructionKind.BUYER_REFUND)
PROVIDER_KINDS = tuple(kind for kind in InstructionKind if kind not in OPERATOR_KINDS)


class InstructionStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the operator, or for the job that calls the provider
    EXECUTED = "executed"
    FAILED = "failed"  # the provider refused; the operator may retry it
    CANCELLED = "cancelled"  # the movement it waited for was refused, so it never runs


class PaymentInstruction(db.Model):
    """One money movement the marketplace owes the world, written in the same transaction as
    its journal entries and executed afterwards: by the operator (bank transfers) or by a job
    calling the provider, with `id` and `attempt` as the provider's idempotency key.

    A settlement's *head* (the capture, cancel or refund that closes a card escrow) carries the
    journal transactions of the settlement (JournalTransaction.instruction_id); when the
    provider refuses it they are reversed and the escrow holds the money again. Instructions
    with `after_id` run only once that one executed. (The table keeps its first name.)"""

    __tablename__ = "payout_instructions"

    id: Mapped[int] = mapped_column(primary_key=True)
    escrow_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escrow_accounts.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(
        sa.String(20), default=InstructionStatus.PENDING, index=True
    )
    after_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("payout_instructions.id", ondelete="RESTRICT")
    )
    attempt: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    external_id: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    executed_at: Mapped[dt.datetime | None]
    executed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    escrow: Mapped[EscrowAccount] = relationship(back_populates="payouts")

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("status in ('pending','executed','failed','cancelled')", name="status"),
    )

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def by_operator(self) -> bool:
        return InstructionKind(self.kind).by_operator

    @property
    def idempotency_key(self) -> str:
        """Stable across retries of one attempt; a new attempt (after a refusal) is a new key,
        since Stripe answers a repeated key with the first answer, a refusal included."""
        return f"payment-instruction-{self.id}-{self.attempt}"


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
