"""Factories for escrow accounts; they flush and never commit."""

from __future__ import annotations

from marketplace.core.money import Money
from marketplace.payments import services
from marketplace.payments.models import EscrowAccount
from tests import factories


def escrow(
    amount: int = 10_000,
    currency: str = "EUR",
    provider: str = "bank_transfer",
    buyer=None,
    seller=None,
    **kwargs,
) -> EscrowAccount:
    buyer = buyer or factories.company(name="Buyer Co", country="PL")
    seller = seller or factories.company(name="Seller Co", country="DE")
    return services.open_escrow(
        label="test order",
        due=Money(amount, currency),
        buyer_company_id=buyer.id,
        seller_company_id=seller.id,
        provider=provider,
        **kwargs,
    )
