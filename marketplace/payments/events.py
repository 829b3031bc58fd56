"""Signals payments send so that higher packages (orders) can follow the money without an import."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the EscrowAccount as sender once the full amount is held (bank receipt or Stripe).
escrow_funded = _signals.signal("escrow-funded")

# Sent with the EscrowAccount as sender (and the Money refunded as `amount`) when a card payment
# arrived after the escrow had closed unfunded and was refunded in full.
late_payment_refunded = _signals.signal("late-payment-refunded")

# Sent with the EscrowAccount as sender when the provider refused one of its money movements for
# good (`instruction`, with the reason in its last_error). `reopened`: the movement closed a
# settlement, whose journal entries were reversed, so the escrow holds the money again.
payment_refused = _signals.signal("payment-refused")
