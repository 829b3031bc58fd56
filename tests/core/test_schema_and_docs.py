"""The migrations build exactly the models' schema, and the API describes itself."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from marketplace.core.extensions import db


def test_migrations_match_the_models():
    with db.engine.connect().execution_options(read_only=True) as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_openapi_document_lists_the_routes_with_their_schemas(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    signup = spec["paths"]["/api/v1/auth/signup"]["post"]
    assert "requestBody" in signup and "201" in signup["responses"]
    assert "/api/v1/companies/{company_id}" in spec["paths"]
    assert spec["paths"]["/api/v1/companies/me"]["patch"]["security"] == [{"bearer": []}]
    assert "Company" in spec["components"]["schemas"]


def test_api_docs_page_renders(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/api/v1/auth/tokens" in page.text


def test_unknown_api_route_is_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
