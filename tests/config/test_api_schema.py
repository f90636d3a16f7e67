"""The OpenAPI contract and the API's behaviour around every endpoint: docs, limits, unknown paths."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tenants.services.api_keys import api_key_create

from ..conftest import api_client, client_for

SCHEMA = "/api/v1/schema/?format=json"


@pytest.fixture
def hotline_schema(hotline) -> dict:
    response = api_client(hotline).get(SCHEMA)
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_hotline_schema_names_every_endpoint_error_and_scheme(hotline_schema):
    paths = set(hotline_schema["paths"])
    assert {
        "/api/v1/work-orders/",
        "/api/v1/work-orders/{number}/cancel/",
        "/api/v1/kpis/",
        "/api/v1/parts-centre/parts-requests/",
        "/api/v1/parts-centre/parts-requests/{number}/shipments/",
    } <= paths
    assert set(hotline_schema["components"]["securitySchemes"]) == {"apiKey", "apiKeyHeader", "session"}
    for path, method, operation in operations(hotline_schema):
        for code in ("400", "401", "403", "404", "429"):
            assert "application/problem+json" in operation["responses"][code]["content"], (path, method, code)
        if method == "post":
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            assert "Idempotency-Key" in headers, path
    centre = hotline_schema["paths"]["/api/v1/parts-centre/parts-requests/"]["get"]
    # Either header of a parts centre's key, or the session of the centre's staff signed in.
    assert centre["security"] == [{"apiKey": []}, {"apiKeyHeader": []}, {"session": []}]
    assert {p["name"] for p in centre["parameters"]} >= {"state", "dealer", "since", "cursor"}


def test_dealer_schema_is_its_own(network):
    schema = api_client(network["junda"]).get(SCHEMA).json()
    assert "/api/v1/inbox/" in schema["paths"]
    assert not any(path.startswith("/api/v1/parts-centre/") for path in schema["paths"])


def test_docs_are_served_by_the_app_itself(hotline):
    page = api_client(hotline).get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
    asset = api_client(hotline).get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_documentation_opens_for_a_signed_in_member(hotline, hotline_agent, dealer, dealer_user, path):
    for tenant, user in ((hotline, hotline_agent), (dealer, dealer_user)):
        page = client_for(tenant, user).get(path)

        assert page.status_code == 200, (tenant.slug, path)
        assert "/static/drf_spectacular_sidecar/" in page.content.decode()


def test_unknown_api_path_is_a_problem_document(hotline):
    response = api_client(hotline).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@override_settings(API_MAX_BODY_BYTES=1000)
def test_oversized_body_is_refused(hotline, network):
    key = api_key_create(tenant=hotline, name="CTI", scope="write").secret
    response = api_client(hotline, key).post(
        "/api/v1/work-orders/", {"complaint": "长" * 2000}, format="json"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


@override_settings(API_RATE_READ="3/min")
def test_rate_limit_per_key_says_when_to_retry(hotline, network):
    first = api_client(hotline, api_key_create(tenant=hotline, name="A", scope="read").secret)
    second = api_client(hotline, api_key_create(tenant=hotline, name="B", scope="read").secret)
    assert [first.get("/api/v1/work-orders/").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/api/v1/work-orders/")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert limited["Content-Type"] == "application/problem+json"
    assert second.get("/api/v1/work-orders/").status_code == 200  # another key has its own budget


def test_malformed_json_is_a_problem_not_a_crash(hotline, network):
    key = api_key_create(tenant=hotline, name="CTI", scope="write").secret
    response = api_client(hotline, key).post(
        "/api/v1/work-orders/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
