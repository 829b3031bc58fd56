"""Transaction documents: issuing them with their numbers, and rendering the PDF from a template.

Invoice numbers are gapless per seller and year (FV/2026/000123): the counter row is bumped by
one UPDATE inside the completing transaction, which holds its row lock until commit, so two
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
from marketplace.orders.models import DocumentKind, InvoiceCounter, Order, OrderDocument

# Roboto ships inside the font-roboto package (a declared dependency), so every machine renders
# Polish letters the same way, whatever fonts the system has.
FONT_DIR = Path(str(resources.files("font_roboto") / "files"))


def _next_invoice_number(seller_company_id: int, year: int) -> str:
    exists = db.session.get(InvoiceCounter, (seller_company_id, year))
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(InvoiceCounter(seller_company_id=seller_company_id, year=year))
        except IntegrityError:
            pass  # another transaction created it first; the UPDATE below waits for it
    number = db.session.execute(
        sa.update(InvoiceCounter)
        .where(InvoiceCounter.seller_company_id == seller_company_id, InvoiceCounter.year == year)
        .values(last_number=InvoiceCounter.last_number + 1)
        .returning(InvoiceCounter.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"FV/{year}/{number:06d}"


def issue(order: Order, kind: str) -> OrderDocument:
    """The order's document of this kind, issued once."""
    existing = next((d for d in order.documents if d.kind == kind), None)
    if existing is not None:
        return existing
    now = clock.now()
    if kind == DocumentKind.INVOICE:
        number = _next_invoice_number(order.seller_company_id, now.year)
    elif kind == DocumentKind.PROFORMA:
        number = f"PF/{now.year}/{order.id:06d}"
    else:
        number = f"OC/{now.year}/{order.id:06d}"
    document = OrderDocument(order_id=order.id, kind=kind, number=number, issued_at=now)
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
    }.get(kind, kind)


def _pdf() -> tuple[FPDF, str]:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("Roboto", "", str(FONT_DIR / "Roboto-Regular.ttf"))
    pdf.add_font("Roboto", "B", str(FONT_DIR / "Roboto-Bold.ttf"))
    pdf.add_font("Roboto", "I", str(FONT_DIR / "Roboto-Italic.ttf"))
    return pdf, "Roboto"


def render_pdf(order: Order, document: OrderDocument) -> bytes:
    """The document as PDF bytes, laid out from templates/orders/pdf/document.html."""
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
