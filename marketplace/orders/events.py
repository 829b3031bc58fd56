"""Signals orders send so that procurement can follow an order without orders importing it."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the Order as sender (and the buyer's person as `actor`) when an order above the
# person's spending limit is held for an approver instead of going to the seller.
order_held = _signals.signal("order-held")
