"""Bank-transfer escrow: receipts, release with the platform fee, refunds, payouts and the check."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.payments import ledger, services, settlement
from marketplace.payments.models import (
    EntryKind,
    EscrowStatus,
    JournalEntry,
    PaymentInstruction,
)
from tests.payments.factories import escrow as make_escrow


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def test_partial_payment_waits_for_the_rest_then_funds(operator):
    escrow = make_escrow(10_000)
    assert escrow.payment_reference.startswith("MP-")
    services.record_bank_receipt(operator, escrow, eur(4_000))
    assert escrow.status == EscrowStatus.PARTIAL
    services.record_bank_receipt(operator, escrow, eur(6_000))
    assert escrow.status == EscrowStatus.FUNDED
    assert ledger.figures(escrow).held == eur(10_000)
    assert ledger.check() == []


def test_overpayment_is_flagged_and_handed_back(operator):
    escrow = make_escrow(10_000)
    services.record_bank_receipt(operator, escrow, eur(10_500))
    figures = ledger.figures(escrow)
    assert escrow.overpayment_flagged and escrow.status == EscrowStatus.FUNDED
    assert figures.held == eur(10_000) and figures.refunded == eur(500)
    [refund] = services.pending_payouts()
    assert refund.kind == "buyer_refund" and refund.amount == 500


def test_release_takes_the_fee_rounded_half_up(app, operator):
    escrow = make_escrow(10_010)  # 2.5 % of 100.10 = 2.5025 -> 2.50
    services.record_bank_receipt(operator, escrow, eur(10_010))
    settlement.release(operator, escrow)
    figures = ledger.figures(escrow)
    assert figures.fee == eur(250)
    assert figures.released == eur(9_760)
    assert figures.held == eur(0)
    assert escrow.status == EscrowStatus.RELEASED
    assert services.seller_released_total(escrow.seller_company_id, "EUR") == eur(9_760)
    assert Money(10_020, "EUR").percent(250) == eur(251)  # 2.505 rounds half up


def test_the_fee_is_configurable_and_fixed_when_the_escrow_opens(app, operator):
    saved = app.config["ESCROW_FEE_BASIS_POINTS"]
    app.config["ESCROW_FEE_BASIS_POINTS"] = 125  # 1.25 %
    try:
        escrow = make_escrow(9_999)
    finally:
        app.config["ESCROW_FEE_BASIS_POINTS"] = saved
    services.record_bank_receipt(operator, escrow, eur(9_999))
    settlement.release(operator, escrow)
    assert ledger.figures(escrow).fee == eur(125)  # 124.9875 -> 125


def test_second_release_is_refused_and_changes_nothing(operator):
    escrow = make_escrow(5_000)
    services.record_bank_receipt(operator, escrow, eur(5_000))
    settlement.release(operator, escrow)
    count = db.session.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one()
    with pytest.raises(Conflict):
        settlement.release(operator, escrow)
    after = db.session.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one()
    assert after == count


def test_refund_larger_than_held_is_refused(operator):
    escrow = make_escrow(5_000)
    services.record_bank_receipt(operator, escrow, eur(5_000))
    with pytest.raises(ValidationError) as info:
        settlement.settle(operator, escrow, eur(5_001))
    assert "refund_amount" in info.value.errors
    assert escrow.status == EscrowStatus.FUNDED
    assert ledger.figures(escrow).held == eur(5_000)


def test_split_refunds_part_and_releases_the_rest(operator):
    escrow = make_escrow(8_000)
    services.record_bank_receipt(operator, escrow, eur(8_000))
    settlement.settle(operator, escrow, eur(3_000))
    figures = ledger.figures(escrow)
    assert escrow.status == EscrowStatus.SETTLED
    assert figures.refunded == eur(3_000)
    assert figures.released + figures.fee == eur(5_000)
    kinds = sorted(p.kind for p in services.pending_payouts())
    assert kinds == ["buyer_refund", "seller_payout"]


def test_operator_executes_a_seller_payout_once(operator):
    escrow = make_escrow(5_000)
    services.record_bank_receipt(operator, escrow, eur(5_000))
    settlement.release(operator, escrow)
    payout = db.session.execute(
        sa.select(PaymentInstruction).where(PaymentInstruction.kind == "seller_payout")
    ).scalar_one()
    services.execute_payout(operator, payout.id)
    assert payout.status == "executed"
    assert services.seller_released_total(escrow.seller_company_id, "EUR") == eur(0)
    with pytest.raises(Conflict):
        services.execute_payout(operator, payout.id)
    assert ledger.check() == []


def test_unbalanced_journal_transaction_is_refused():
    escrow = make_escrow(1_000)
    with pytest.raises(Conflict):
        ledger.post(EntryKind.FUND, "EUR", [(ledger.escrow_account(escrow), 100)], escrow=escrow)


def test_receipt_in_another_currency_is_refused(operator):
    escrow = make_escrow(1_000)
    with pytest.raises(ValidationError):
        services.record_bank_receipt(operator, escrow, Money(1_000, "PLN"))
    assert escrow.status == EscrowStatus.AWAITING


def test_ledger_check_api_reports_a_tampered_journal(client, api_operator, operator):
    escrow = make_escrow(1_000)
    services.record_bank_receipt(operator, escrow, eur(1_000))
    answer = client.get("/api/v1/admin/ledger/check", headers=api_operator)
    assert answer.status_code == 200 and answer.json == {"balanced": True, "problems": []}
    entry = db.session.execute(sa.select(JournalEntry).limit(1)).scalar_one()
    entry.amount += 1
    db.session.flush()
    answer = client.get("/api/v1/admin/ledger/check", headers=api_operator)
    assert answer.json["balanced"] is False
    assert any("sums to" in p for p in answer.json["problems"])


def test_ledger_check_is_for_operators_only(app, api_a):
    assert app.test_client().get("/api/v1/admin/ledger/check", headers=api_a).status_code == 403


def test_payout_api_marks_executed_and_refuses_twice(client, api_operator, operator):
    escrow = make_escrow(2_000)
    services.record_bank_receipt(operator, escrow, eur(2_000))
    settlement.release(operator, escrow)
    [payout] = client.get("/api/v1/admin/payouts", headers=api_operator).json
    url = f"/api/v1/admin/payouts/{payout['id']}/executed"
    assert client.post(url, headers=api_operator).json["status"] == "executed"
    assert client.post(url, headers=api_operator).status_code == 409
    assert (
        client.post("/api/v1/admin/payouts/999999/executed", headers=api_operator).status_code
        == 404
    )
