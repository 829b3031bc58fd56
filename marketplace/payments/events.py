"""Signals payments send so that higher packages (orders) can follow the money without an import."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the EscrowAccount as sender once the full amount is held (bank receipt or Stripe).
escrow_funded = _signals.signal("escrow-funded")

# Sent with the EscrowAccount as sender (and the Money refunded as `amount`) when a card payment
# arrived after the escrow had closed unfunded and was refunded in full.
late_payment_refunded = _signals.signal("late-payment-refunded")
