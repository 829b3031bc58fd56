"""Buyers browse the directory of companies with simple filters and cursor pagination."""

from __future__ import annotations

from marketplace.companies import verification
from tests import factories


def _market(operator):
    steel = factories.company(
        name="Steel One",
        country="PL",
        industries=["metals"],
        legal_name="Steel One S.A.",
        nip="5260250274",
        city="Katowice",
        street="ul. Hutnicza 1",
    )
    chem = factories.company(name="Chem Two", country="DE", industries=["chemicals"])
    pack = factories.company(
        name="Pack Three", country="PL", industries=["packaging", "paper-printing"]
    )
    verification.request_verification(factories.user(steel), steel)
    verification.decide_verification(operator, steel, approved=True)
    return steel, chem, pack


def test_filters_by_industry_country_and_verification(client, operator):
    steel, chem, pack = _market(operator)
    names = lambda url: [c["name"] for c in client.get(url).json["items"]]  # noqa: E731
    assert names("/api/v1/companies?industry=packaging") == ["Pack Three"]
    assert names("/api/v1/companies?country=pl") == ["Pack Three", "Steel One"]
    assert names("/api/v1/companies?verified=true") == ["Steel One"]
    assert names("/api/v1/companies?verified=false&country=DE") == ["Chem Two"]
    page = client.get("/companies?industry=packaging").text
    assert "Pack Three" in page and "Steel One" not in page


def test_cursor_pages_through_everything_once(client):
    made = {factories.company(name=f"Firm {n}").id for n in range(7)}
    seen, cursor = [], None
    while True:
        url = "/api/v1/companies?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).json
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


def test_bad_directory_parameters_name_the_parameter(client):
    for query, field in [
        ("industry=space", "industry"),
        ("country=POL", "country"),
        ("verified=perhaps", "verified"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("cursor=%%%", "cursor"),
        ("cursor=WzFd", "cursor"),
    ]:
        response = client.get(f"/api/v1/companies?{query}")
        assert response.status_code == 422, query
        assert field in response.json["errors"], query
    assert client.get("/companies?cursor=garbage").status_code == 302


def test_unknown_or_foreign_ids_answer_404(client, api_a, company_b):
    assert client.get("/api/v1/companies/424242").status_code == 404
    assert client.get("/companies/no-such-company").status_code == 404
    assert client.get(f"/companies/{company_b.id}/logo").status_code == 404
