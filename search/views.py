"""Search pages: offers with facets, suppliers, and the similar-items fragments detail pages load."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from marketplace.core.text_input import any_text
from search import service
from search.query import COMPANIES, OFFERS, SORTS, SearchResult

bp = Blueprint("search", __name__, url_prefix="/search")

FILTER_PARAMS = ("category", "industry", "country", "certificate", "verified", "price_min",
                 "price_max", "currency", "moq_max", "lead_time_max", "near", "radius_km")  # fmt: skip

FACET_LABELS = {"category": _l("Category"), "industry": _l("Industry"), "country": _l("Country"),
                "verified": _l("Verification"), "certificate": _l("Certificates"),
                "price": _l("Price"), "moq": _l("Minimum order"), "lead_time": _l("Lead time")}  # fmt: skip
SORT_LABELS = {"relevance": _l("Best match"), "newest": _l("Newest"),
               "price_asc": _l("Price: low to high"), "price_desc": _l("Price: high to low"),
               "distance": _l("Distance")}  # fmt: skip


def _chips() -> list[tuple[str, str]]:
    """Active filters as (parameter, value) pairs, each removable from the page."""
    chips = []
    for name in FILTER_PARAMS:
        for value in request.args.getlist(name):
            if value:
                chips.append((name, value))
    for name, value in request.args.items(multi=True):
        if name.startswith("attr.") and value:
            chips.append((name, value))
    return chips


def _page(kind: str, template: str):
    error = None
    try:
        query = service.build_query(kind, request.args)
        result = service.run(query)
    except service.BadSearchParameter as exc:
        error, query, result = exc, None, SearchResult(0, [], {}, None)
    status = error.status if error else 200
    return render_template(
        template,
        query=query,
        result=result,
        error=error,
        chips=_chips(),
        sorts=SORTS[kind],
        facet_labels={**FACET_LABELS, **service.attribute_titles(query)},
        sort_labels=SORT_LABELS,
        grouped=service.offers_by_supplier(result)
        if request.args.get("view") == "suppliers"
        else None,
        q=request.args.get("q", ""),
    ), status


@bp.get("")
@any_text
def offers():
    return _page(OFFERS, "search/offers.html")


@bp.get("/suppliers")
@any_text
def companies():
    return _page(COMPANIES, "search/companies.html")


@bp.get("/similar/offers/<int:offer_id>")
def similar_offers(offer_id: int):
    hits = service.similar_offers(offer_id)
    return render_template("search/_similar.html", hits=hits, kind=OFFERS)


@bp.get("/similar/companies/<int:company_id>")
def similar_companies(company_id: int):
    hits = service.similar_companies(company_id)
    return render_template("search/_similar.html", hits=hits, kind=COMPANIES)
