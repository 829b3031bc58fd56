"""Transaction documents: issuing them with their numbers, and rendering the PDF from a template.

Invoice numbers are gapless per seller and year (FV/2026/000123), and so are correcting
invoices in their own series (FK/2026/000004, see `corrections`): the counter row is bumped by
one UPDATE inside the issuing transaction, which holds its row lock until commit, so two
invoices never share a number and a rolled-back completion gives its number back.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext as _
from fpdf import FPDF
from sqlalchemy.exc import IntegrityError

from marketplace.core import clock
from marketplace.core.errors import NotFound
from marketplace.core.extensions import db
from marketplace.orders import corrections
from marketplace.orders.models import DocumentKind, InvoiceCounter, Order, OrderDocument

# Roboto ships inside the font-roboto package (a declared dependency), so every machine renders
# Polish letters the same way, whatever fonts the system has.
FONT_DIR = Path(str(resources.files("font_roboto") / "files"))


# Gapless series per seller and year: invoices and correcting invoices.
SERIES = {DocumentKind.INVOICE: "FV", DocumentKind.CORRECTION: "FK"}


def _next_number(seller_company_id: int, year: int, series: str) -> str:
    key = (seller_company_id, year, series)
    if db.session.get(InvoiceCounter, key) is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    InvoiceCounter(seller_company_id=seller_company_id, year=year, series=series)
                )
        except IntegrityError:
            pass  # another transaction created it first; the UPDATE below waits for it
    number = db.session.execute(
        sa.update(InvoiceCounter)
        .where(
            InvoiceCounter.seller_company_id == seller_company_id,
            InvoiceCounter.year == year,
            InvoiceCounter.series == series,
        )
        .values(last_number=InvoiceCounter.last_number + 1)
        .returning(InvoiceCounter.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"{series}/{year}/{number:06d}"


def issue(order: Order, kind: str, *, amount: int | None = None) -> OrderDocument:
    """The order's document of this kind, issued once (`amount`: a correction's gross)."""
    existing = next((d for d in order.documents if d.kind == kind), None)
    if existing is not None:
        return existing
    now = clock.now()
    if kind in SERIES:
        number = _next_number(order.seller_company_id, now.year, SERIES[kind])
    elif kind == DocumentKind.PROFORMA:
        number = f"PF/{now.year}/{order.id:06d}"
    else:
        number = f"OC/{now.year}/{order.id:06d}"
    document = OrderDocument(
        order_id=order.id, kind=kind, number=number, issued_at=now, amount=amount
    )
    db.session.add(document)
    db.session.flush()
    db.session.expire(order, ["documents"])
    return document


def get_document(order: Order, kind: str) -> OrderDocument:
    document = next((d for d in order.documents if d.kind == kind), None)
    if document is None:
        raise NotFound(_("This document has not been issued yet."))
    return document


def title_of(kind: str) -> str:
    return {
        DocumentKind.CONFIRMATION: _("Order confirmation"),
        DocumentKind.PROFORMA: _("Pro-forma invoice"),
        DocumentKind.INVOICE: _("Invoice"),
        DocumentKind.CORRECTION: _("Correcting invoice"),
    }.get(kind, kind)


def _pdf() -> tuple[FPDF, str]:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("Roboto", "", str(FONT_DIR / "Roboto-Regular.ttf"))
    pdf.add_font("Roboto", "B", str(FONT_DIR / "Roboto-Bold.ttf"))
    pdf.add_font("Roboto", "I", str(FONT_DIR / "Roboto-Italic.ttf"))
    return pdf, "Roboto"


def render_pdf(order: Order, document: OrderDocument) -> bytes:
    """The document as PDF bytes, laid out from templates/orders/pdf/ (document or correction)."""
    if document.kind == DocumentKind.CORRECTION:
        html = render_template(
            "orders/pdf/correction.html",
            order=order,
            document=document,
            corrected=get_document(order, DocumentKind.INVOICE),
            rows=corrections.rows(order, document.amount or 0),
            title=title_of(document.kind),
        )
    else:
        html = render_template(
            "orders/pdf/document.html",
            order=order,
            document=document,
            title=title_of(document.kind),
        )
    pdf, family = _pdf()
    pdf.set_title(f"{title_of(document.kind)} {document.number}")
    pdf.add_page()
    pdf.set_font(family, size=10)
    pdf.write_html(html, font_family=family, table_line_separators=True)
    return bytes(pdf.output())
