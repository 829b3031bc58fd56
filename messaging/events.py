"""Signals messaging sends so that trade packages can follow conversations without messaging importing them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the new Message as sender, after it is flushed, for every message a person writes
# (not for system messages). Receivers run inside the same transaction.
message_posted = _signals.signal("message-posted")
