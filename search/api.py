"""JSON search API: offers, suppliers and suggestions, all through the one query model."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from marketplace.core.api import doc
from marketplace.core.text_input import any_text
from search import schemas, service
from search.query import COMPANIES, OFFERS, SearchResult

bp = Blueprint("search_api", __name__, url_prefix="/api/v1/search")


def result_json(result: SearchResult) -> dict:
    return {
        "total": result.total,
        "hits": [
            {
                **hit.data,
                "score": hit.score,
                "distance_km": round(hit.distance_km, 2) if hit.distance_km is not None else None,
                "highlight": {k: str(v) for k, v in hit.highlight.items()},
            }
            for hit in result.hits
        ],
        "facets": {
            name: [
                {"value": b.value, "label": b.label, "count": b.count}
                | (
                    {"params": {k: v for k, v in b.params.items() if v is not None}}
                    if b.params
                    else {}
                )
                for b in buckets
            ]
            for name, buckets in result.facets.items()
        },
        "next_cursor": result.next_cursor,
    }


@bp.get("/offers")
@any_text
@doc(summary="Search published offers", query=schemas.OfferSearchArgs, tags=["search"])
def offers():
    return jsonify(result_json(service.run(service.build_query(OFFERS, request.args))))


@bp.get("/companies")
@any_text
@doc(summary="Search supplier profiles", query=schemas.CompanySearchArgs, tags=["search"])
def companies():
    return jsonify(result_json(service.run(service.build_query(COMPANIES, request.args))))


@bp.get("/suggest")
@any_text
@doc(summary="Suggestions while typing: offers, suppliers, categories", query=schemas.SuggestArgs,
     tags=["search"])  # fmt: skip
def suggest():
    return jsonify({"suggestions": service.suggest(request.args.get("q") or "")})
