"""Correcting invoices (faktura korygująca): the part of a sale given back when a dispute is split.

Why a correction and not an invoice for the released part only: the goods were sold at the
order's price, and the refund the operator decides is a later reduction of that price. Polish VAT
law (art. 106j of the VAT Act) and the EU VAT Directive (art. 90 on price reductions after the
supply, art. 219 on documents amending an invoice) want the sale invoiced in full and the
reduction documented by a correcting invoice that names the invoice it corrects, the reason and
how net and VAT change. Correcting invoices are numbered in their own gapless series per seller
and year (FK/2026/000001). A full refund is no sale: no invoice and no correction are issued.

The refunded gross amount is shared over the order's VAT rates in proportion to their gross
(largest remainder, so the parts add up exactly), and each part split into net and VAT at its
rate, rounded half up like the order's own VAT.
"""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

from marketplace.orders.models import Order


@dataclasses.dataclass(frozen=True)
class CorrectionRow:
    """One VAT rate of the corrected invoice: before, the change (negative) and after."""

    vat_rate_bp: int
    net_before: int
    vat_before: int
    net_change: int
    vat_change: int

    @property
    def net_after(self) -> int:
        return self.net_before + self.net_change

    @property
    def vat_after(self) -> int:
        return self.vat_before + self.vat_change


def _share(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, in whole minor units that add up to `total`."""
    whole = sum(weights)
    if whole == 0:
        return [0 for _ in weights]
    exact = [Decimal(total) * w / whole for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(
        range(len(weights)), key=lambda i: (exact[i] - parts[i], -i), reverse=True
    )
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def rows(order: Order, refund_gross: int) -> list[CorrectionRow]:
    """How the order's invoice changes when `refund_gross` of it is given back."""
    rates: dict[int, list[int]] = {}
    for line in order.lines:
        net_vat = rates.setdefault(line.vat_rate_bp, [0, 0])
        net_vat[0] += line.net_amount
        net_vat[1] += line.vat_amount
    ordered = sorted(rates.items())
    parts = _share(refund_gross, [net + vat for _rate, (net, vat) in ordered])
    result = []
    for (rate, (net, vat)), part in zip(ordered, parts, strict=True):
        if part == net + vat:  # the whole rate given back: exactly what was invoiced
            vat_part = vat
        else:
            vat_part = int(
                (Decimal(part) * rate / (10000 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            )
            # never below zero on either side of the corrected invoice
            vat_part = max(min(vat_part, vat), part - net)
        result.append(
            CorrectionRow(
                vat_rate_bp=rate,
                net_before=net,
                vat_before=vat,
                net_change=-(part - vat_part),
                vat_change=-vat_part,
            )
        )
    return result
