"""The double-entry journal: posting balanced transactions, reading balances, and checking it all.

Sign convention: an entry's amount is positive when money flows into the account. Escrow and
seller-payable accounts therefore hold non-negative balances; the outside-world accounts go
negative by what came in from the world and back up by what was paid out to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.payments.models import (
    AccountKind,
    EntryKind,
    EscrowAccount,
    JournalEntry,
    JournalTransaction,
    LedgerAccount,
)


def account(
    kind: AccountKind,
    key: str,
    currency: str,
    *,
    company_id: int | None = None,
    escrow_id: int | None = None,
) -> LedgerAccount:
    """The ledger account with this key and currency, created on first use.

    Two transactions may both find no account (a seller's first releases at the same moment):
    the insert runs in a savepoint, so the loser's unique violation only undoes that savepoint
    and it reads the winner's row, committed by then (the violation waits for that commit).
    """
    found = _find(key, currency)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            db.session.add(
                LedgerAccount(
                    kind=kind, key=key, currency=currency, company_id=company_id,
                    escrow_id=escrow_id,
                )
            )  # fmt: skip
    except IntegrityError:
        pass
    found = _find(key, currency)
    if found is None:
        raise Conflict("The ledger account could not be created.")
    return found


def _find(key: str, currency: str) -> LedgerAccount | None:
    return db.session.execute(
        sa.select(LedgerAccount).where(LedgerAccount.key == key, LedgerAccount.currency == currency)
    ).scalar_one_or_none()


def escrow_account(escrow: EscrowAccount) -> LedgerAccount:
    return account(AccountKind.ESCROW, f"escrow:{escrow.id}", escrow.currency, escrow_id=escrow.id)


def seller_payable(company_id: int, currency: str) -> LedgerAccount:
    return account(
        AccountKind.SELLER_PAYABLE, f"payable:{company_id}", currency, company_id=company_id
    )


def platform_fee(currency: str) -> LedgerAccount:
    return account(AccountKind.PLATFORM_FEE, "platform:fee", currency)


def outside(provider: str, currency: str) -> LedgerAccount:
    return account(AccountKind.OUTSIDE, f"outside:{provider}", currency)


def post(
    kind: EntryKind,
    currency: str,
    lines: Iterable[tuple[LedgerAccount, int]],
    *,
    escrow: EscrowAccount | None = None,
    memo: str = "",
    actor_id: int | None = None,
    instruction_id: int | None = None,
    reverses_id: int | None = None,
) -> JournalTransaction:
    """Write one balanced transaction; refuses anything that does not sum to zero."""
    lines = [(acc, amount) for acc, amount in lines if amount]
    if sum(amount for _acc, amount in lines) != 0:
        raise Conflict("A journal transaction must sum to zero.")
    if any(acc.currency != currency for acc, _amount in lines):
        raise Conflict("A journal transaction is in one currency.")
    txn = JournalTransaction(
        kind=kind,
        currency=currency,
        escrow_id=escrow.id if escrow else None,
        memo=memo[:200],
        actor_id=actor_id,
        instruction_id=instruction_id,
        reverses_id=reverses_id,
    )
    txn.entries = [JournalEntry(account_id=acc.id, amount=amount) for acc, amount in lines]
    db.session.add(txn)
    db.session.flush()
    return txn


def post_fund(escrow: EscrowAccount, amount: Money, *, actor_id: int | None, memo: str) -> None:
    """Money came in from the world into the escrow."""
    post(
        EntryKind.FUND,
        escrow.currency,
        [(outside(escrow.provider, escrow.currency), -amount.amount),
         (escrow_account(escrow), amount.amount)],
        escrow=escrow, actor_id=actor_id, memo=memo,
    )  # fmt: skip


def post_refund(
    escrow: EscrowAccount,
    amount: Money,
    *,
    actor_id: int | None,
    memo: str,
    instruction_id: int | None = None,
) -> None:
    """Money goes back from the escrow to the buyer (no fee)."""
    post(
        EntryKind.REFUND,
        escrow.currency,
        [(escrow_account(escrow), -amount.amount),
         (outside(escrow.provider, escrow.currency), amount.amount)],
        escrow=escrow, actor_id=actor_id, memo=memo, instruction_id=instruction_id,
    )  # fmt: skip


def post_release(
    escrow: EscrowAccount,
    gross: Money,
    fee: Money,
    *,
    actor_id: int | None,
    instruction_id: int | None = None,
) -> None:
    """Money goes from the escrow to the seller's payable account, less the platform fee."""
    post(
        EntryKind.RELEASE,
        escrow.currency,
        [(escrow_account(escrow), -gross.amount),
         (seller_payable(escrow.seller_company_id, escrow.currency), (gross - fee).amount),
         (platform_fee(escrow.currency), fee.amount)],
        escrow=escrow, actor_id=actor_id, memo="release", instruction_id=instruction_id,
    )  # fmt: skip


def post_payout(escrow: EscrowAccount, payout_id: int, amount: Money, company_id: int,
                *, actor_id: int | None) -> None:  # fmt: skip
    """Money left a seller's payable account to the seller (a transfer or a wire)."""
    post(
        EntryKind.PAYOUT,
        amount.currency,
        [(seller_payable(company_id, amount.currency), -amount.amount),
         (outside(escrow.provider, amount.currency), amount.amount)],
        escrow=escrow, actor_id=actor_id, memo=f"payout {payout_id}",
    )  # fmt: skip


def waiting_on(instruction_id: int) -> list[JournalTransaction]:
    """The transactions that wait for this provider movement and are not reversed (yet)."""
    return _of_movement(instruction_id, taken_back=False)


def reversed_for(instruction_id: int) -> list[JournalTransaction]:
    """The transactions of this provider movement that were taken back (to post again on a retry)."""
    return _of_movement(instruction_id, taken_back=True)


def _of_movement(instruction_id: int, *, taken_back: bool) -> list[JournalTransaction]:
    reversal = aliased(JournalTransaction)
    reversed_ = sa.exists().where(reversal.reverses_id == JournalTransaction.id)
    return list(
        db.session.execute(
            sa.select(JournalTransaction)
            .where(
                JournalTransaction.instruction_id == instruction_id,
                JournalTransaction.reverses_id.is_(None),
                reversed_ if taken_back else ~reversed_,
            )
            .order_by(JournalTransaction.id)
        ).scalars()
    )


def reverse(txn: JournalTransaction, *, memo: str, actor_id: int | None = None) -> None:
    """Take a transaction back: same kind, every entry negated, pointing at the original."""
    post(
        txn.kind,
        txn.currency,
        [(entry.account, -entry.amount) for entry in txn.entries],
        escrow=db.session.get(EscrowAccount, txn.escrow_id) if txn.escrow_id else None,
        memo=memo,
        actor_id=actor_id,
        reverses_id=txn.id,
    )


def repost(txn: JournalTransaction, *, memo: str, actor_id: int | None = None) -> None:
    """Post a reversed transaction's entries again, waiting for the same provider movement."""
    post(
        txn.kind,
        txn.currency,
        [(entry.account, entry.amount) for entry in txn.entries],
        escrow=db.session.get(EscrowAccount, txn.escrow_id) if txn.escrow_id else None,
        memo=memo,
        actor_id=actor_id,
        instruction_id=txn.instruction_id,
    )


def balance(acc: LedgerAccount) -> Money:
    total = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(JournalEntry.amount), 0)).where(
            JournalEntry.account_id == acc.id
        )
    ).scalar_one()
    return Money(int(total), acc.currency)


@dataclass(frozen=True)
class EscrowFigures:
    """Where the money of one escrow stands, recomputed from its journal transactions."""

    funded: Money
    released: Money  # reached the seller's payable account (net of the fee)
    refunded: Money
    fee: Money

    @property
    def held(self) -> Money:
        return self.funded - self.released - self.refunded - self.fee

    def to_json(self) -> dict:
        return {
            "funded": self.funded.to_json(),
            "held": self.held.to_json(),
            "released": self.released.to_json(),
            "refunded": self.refunded.to_json(),
            "fee": self.fee.to_json(),
        }


def figures(escrow: EscrowAccount) -> EscrowFigures:
    return figures_of([escrow])[escrow.id]


def figures_of(escrows: Iterable[EscrowAccount]) -> dict[int, EscrowFigures]:
    """The figures of many escrows in one query (a page of orders or disputes), by escrow id."""
    currencies = {escrow.id: escrow.currency for escrow in escrows}
    if not currencies:
        return {}
    rows = db.session.execute(
        sa.select(
            JournalTransaction.escrow_id,
            JournalTransaction.kind,
            LedgerAccount.kind,
            sa.func.sum(JournalEntry.amount),
        )
        .join(JournalEntry.transaction)
        .join(JournalEntry.account)
        .where(JournalTransaction.escrow_id.in_(currencies))
        .group_by(JournalTransaction.escrow_id, JournalTransaction.kind, LedgerAccount.kind)
    ).all()
    sums: dict[tuple[int, str, str], int] = {(e, t, a): int(s or 0) for e, t, a, s in rows}
    result = {}
    for escrow_id, cur in currencies.items():

        def total(txn_kind: str, account_kind: str, escrow_id: int = escrow_id) -> int:
            return sums.get((escrow_id, txn_kind, account_kind), 0)

        result[escrow_id] = EscrowFigures(
            funded=Money(total(EntryKind.FUND, AccountKind.ESCROW), cur),
            released=Money(total(EntryKind.RELEASE, AccountKind.SELLER_PAYABLE), cur),
            refunded=Money(-total(EntryKind.REFUND, AccountKind.ESCROW), cur),
            fee=Money(total(EntryKind.RELEASE, AccountKind.PLATFORM_FEE), cur),
        )
    return result


def check() -> list[str]:
    """Recompute everything from the journal and name every broken invariant."""
    problems: list[str] = []
    accounts = {a.id: a for a in db.session.execute(sa.select(LedgerAccount)).scalars()}
    entries = db.session.execute(
        sa.select(
            JournalEntry.transaction_id,
            JournalEntry.account_id,
            JournalEntry.amount,
            JournalTransaction.kind,
            JournalTransaction.currency,
            JournalTransaction.escrow_id,
        )
        .join(JournalEntry.transaction)
        .order_by(JournalEntry.transaction_id, JournalEntry.id)
    ).all()
    txn_sums: dict[int, int] = defaultdict(int)
    running: dict[int, int] = defaultdict(int)
    negative_reported: set[int] = set()
    per_escrow: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    last_txn = None

    def close_txn(txn_id: int | None) -> None:
        if txn_id is None:
            return
        if txn_sums[txn_id] != 0:
            problems.append(f"transaction {txn_id} sums to {txn_sums[txn_id]}, not zero")
        for acc_id, value in running.items():
            acc = accounts[acc_id]
            if (
                acc.kind in (AccountKind.ESCROW, AccountKind.SELLER_PAYABLE)
                and value < 0
                and acc_id not in negative_reported
            ):
                negative_reported.add(acc_id)
                problems.append(f"account {acc.key} {acc.currency} went negative ({value})")

    for txn_id, acc_id, amount, kind, currency, escrow_id in entries:
        if txn_id != last_txn:
            close_txn(last_txn)
            last_txn = txn_id
        acc = accounts[acc_id]
        txn_sums[txn_id] += amount
        running[acc_id] += amount
        if acc.currency != currency:
            problems.append(f"transaction {txn_id} mixes currencies")
        if escrow_id is not None:
            bucket = per_escrow[escrow_id]
            if kind == EntryKind.FUND and acc.kind == AccountKind.ESCROW:
                bucket["funded"] += amount
            elif kind == EntryKind.REFUND and acc.kind == AccountKind.ESCROW:
                bucket["refunded"] -= amount
            elif kind == EntryKind.RELEASE and acc.kind == AccountKind.SELLER_PAYABLE:
                bucket["released"] += amount
            elif kind == EntryKind.RELEASE and acc.kind == AccountKind.PLATFORM_FEE:
                bucket["fee"] += amount
    close_txn(last_txn)

    for escrow_id, b in sorted(per_escrow.items()):
        out = b["released"] + b["refunded"] + b["fee"]
        if out > b["funded"]:
            problems.append(
                f"escrow {escrow_id}: released + refunded + fee ({out}) exceed funded ({b['funded']})"
            )
    return problems
