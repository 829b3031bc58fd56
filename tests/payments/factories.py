"""Factories for escrow accounts; they flush and never commit."""

from __future__ import annotations

import datetime as dt
import secrets

from marketplace.core.money import Money
from marketplace.payments import services
from marketplace.payments.models import EscrowAccount
from marketplace.payments.providers import IntentRequest, StripeProvider
from tests import factories


def escrow(
    amount: int = 10_000,
    currency: str = "EUR",
    provider: str = "bank_transfer",
    buyer=None,
    seller=None,
    latest_release: dt.date | None = None,
    **kwargs,
) -> EscrowAccount:
    buyer = buyer or factories.company(name="Buyer Co", country="PL")
    seller = seller or factories.company(name="Seller Co", country="DE")
    due = Money(amount, currency)
    card = None
    if provider == "stripe":  # as the order's payment step does, before the escrow opens
        card = StripeProvider.create_intent(
            IntentRequest(due, latest_release, key=f"test-{secrets.token_hex(8)}", label="test")
        )
    return services.open_escrow(
        label="test order",
        due=due,
        buyer_company_id=buyer.id,
        seller_company_id=seller.id,
        provider=provider,
        card=card,
        **kwargs,
    )
