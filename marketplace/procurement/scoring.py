"""Weighted scoring of sealed bids: pure arithmetic on whole numbers, in hundredths of a point.

For a criterion of weight W (percent, all weights add up to 100):
- price:      W × lowest price / this price      (a bid's price is its total over every item)
- lead time:  W × (1 + shortest lead time) / (1 + this lead time)   (days; 0 days is best)
- rating:     W × supplier's overall rating / 5                     (no rating yet scores 0)
- custom:     W × the buyer's mark / 10                             (marks 0-10, unmarked scores 0)
Each part is rounded half up to 0.01 point; the score is the sum of the rounded parts. Ranking: higher
score first, then lower price, then the earlier bid.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction


@dataclasses.dataclass(frozen=True)
class Entry:
    key: int
    price: int  # the bid's total in minor units: unit price × quantity summed over the items
    lead_time_days: int
    rating: float | None
    marks: dict[str, int]
    submitted_order: int


@dataclasses.dataclass(frozen=True)
class Weights:
    price: int
    lead_time: int
    rating: int
    custom: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        return self.price + self.lead_time + self.rating + sum(w for _, w in self.custom)


def _hundredths(value: Fraction) -> int:
    return int((value * 100 + Fraction(1, 2)) // 1)


def score(entries: list[Entry], weights: Weights) -> dict[int, dict]:
    """Per entry key: {"price": .., "lead_time": .., "rating": .., "custom": {name: ..}, "total": .., "rank": ..}."""
    if not entries:
        return {}
    lowest = min(e.price for e in entries)
    shortest = min(e.lead_time_days for e in entries)
    result: dict[int, dict] = {}
    for e in entries:
        parts = {
            "price": _hundredths(Fraction(weights.price * lowest, e.price)),
            "lead_time": _hundredths(
                Fraction(weights.lead_time * (1 + shortest), 1 + e.lead_time_days)
            ),
            "rating": _hundredths(
                weights.rating * Fraction(str(e.rating or 0)) / 5 if e.rating else Fraction(0)
            ),
        }
        custom = {
            name: _hundredths(Fraction(weight * min(max(int(e.marks.get(name, 0)), 0), 10), 10))
            for name, weight in weights.custom
        }
        total = parts["price"] + parts["lead_time"] + parts["rating"] + sum(custom.values())
        result[e.key] = {**parts, "custom": custom, "total": total}
    ordered = sorted(entries, key=lambda e: (-result[e.key]["total"], e.price, e.submitted_order))
    for rank, e in enumerate(ordered, start=1):
        result[e.key]["rank"] = rank
    return result
