"""A deprecated operation says so in the schema and on every answer (``config.api.deprecation``).

No operation of v1 is deprecated yet, so the test marks one, ``work_orders_read``,
with the same decorator a retiring operation will get, and undoes it after.
"""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest

from config.api.deprecation import deprecated
from hotline.api.views import WorkOrderDetail
from tenants.services.api_keys import api_key_create

from ..conftest import api_client

SCHEMA = "/api/v1/schema/?format=json"
SINCE = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
SUNSET = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)


@pytest.fixture
def read_deprecated(monkeypatch):
    monkeypatch.setattr(WorkOrderDetail, "get", deprecated(since=SINCE, sunset=SUNSET)(WorkOrderDetail.get))


@pytest.fixture
def cti(hotline, network):
    return api_client(hotline, api_key_create(tenant=hotline, name="CTI", scope="write").secret)


def test_no_operation_of_v1_is_deprecated_yet(hotline, network):
    for tenant in (hotline, network["junda"]):
        schema = api_client(tenant).get(SCHEMA).json()
        for methods in schema["paths"].values():
            for operation in methods.values():
                assert "deprecated" not in operation, operation["operationId"]
                for response in operation["responses"].values():
                    assert not {"Deprecation", "Sunset", "Link"} & set(response.get("headers", {}))


def test_the_schema_announces_a_deprecated_operation(read_deprecated, hotline, network):
    schema = api_client(hotline).get(SCHEMA).json()
    read = schema["paths"]["/api/v1/work-orders/{number}/"]["get"]

    assert read["deprecated"] is True
    assert read["description"].startswith("**Deprecated since 2026-12-01**")
    assert "stops working on 2027-06-01" in read["description"]
    for code in ("200", "401", "404", "429"):
        headers = read["responses"][code]["headers"]
        assert headers["Deprecation"]["example"] == f"@{int(SINCE.timestamp())}"
        assert headers["Sunset"]["example"] == "Tue, 01 Jun 2027 00:00:00 GMT"
        assert headers["Link"]["example"].endswith('; rel="deprecation"')
        assert all(headers[name]["required"] for name in ("Deprecation", "Sunset", "Link"))
    assert "Deprecation" not in read["responses"]["500"].get("headers", {})  # never reaches the handler
    listed = schema["paths"]["/api/v1/work-orders/"]["get"]
    assert "deprecated" not in listed
    assert "Deprecation" not in listed["responses"]["200"].get("headers", {})


def test_every_answer_of_a_deprecated_operation_carries_the_headers(read_deprecated, hotline, cti):
    created = cti.post(
        "/api/v1/work-orders/",
        {
            "type": "complaint",
            "category": "service_attitude",
            "channel": "phone",
            "complaint": "服务顾问态度差。",
            "dealer": "HQ-GD-001",
            "owner": {"name": "王建华", "mobile": "13802561234"},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert "Deprecation" not in created  # the create is not deprecated

    found = cti.get(f"/api/v1/work-orders/{created.json()['number']}/")
    missing = cti.get("/api/v1/work-orders/HQ20200101-99999/")
    anonymous = api_client(hotline).get(f"/api/v1/work-orders/{created.json()['number']}/")

    assert (found.status_code, missing.status_code, anonymous.status_code) == (200, 404, 401)
    for answer in (found, missing, anonymous):
        assert answer["Deprecation"] == f"@{int(SINCE.timestamp())}"
        assert email.utils.parsedate_to_datetime(answer["Sunset"]) == SUNSET
        assert answer["Link"] == '<https://complaint-desk.example/docs/api-changelog>; rel="deprecation"'
    assert found.json()["number"] == created.json()["number"]  # and it still works
