"""A parts centre's warehouse system works its requests through the API only."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from hotline.models import WorkOrder, WorkOrderEvent
from parts_tickets.models import PartsRequest

from ..conftest import api_client, in_schema

BASE = "/api/v1/parts-centre/parts-requests/"


def test_centre_lists_reads_and_works_a_request_to_delivery(hotline, parts_request, south_key):
    client = api_client(hotline, south_key)
    listing = client.get(BASE)
    assert listing.status_code == 200
    [row] = listing.json()["results"]
    assert row["number"] == parts_request.number
    assert row["state"] == "submitted"
    assert row["dealer"]["code"] == "HQ-GD-001"
    assert [line["part_code"] for line in row["lines"]] == ["HQ-37110-01", "HQ-80210-07"]
    assert "+08:00" in row["raised_at"]  # ISO 8601 with the tenant's offset

    url = f"{BASE}{parts_request.number}/"
    read = client.get(url)
    assert read.status_code == 200
    assert read["ETag"] == f'"{read.json()["version"]}"'

    assert client.post(f"{url}acknowledge/").json()["state"] == "acknowledged"
    assert client.post(f"{url}lines/1/allocate/").json()["lines"][0]["state"] == "allocated"
    later = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    back = client.post(f"{url}lines/2/back-order/", {"expected_date": later}, format="json")
    assert back.json()["lines"][1]["expected_date"] == later

    partial = client.post(
        f"{url}shipments/",
        {
            "carrier": "顺丰",
            "tracking_number": "SF1001",
            "lines": [{"line_no": 1}, {"line_no": 2, "quantity": 1}],
        },
        format="json",
    )
    assert partial.status_code == 201
    assert [line["shipped_quantity"] for line in partial.json()["lines"]] == [1, 1]
    assert partial.json()["state"] == "in_progress"
    rest = client.post(
        f"{url}shipments/",
        {"carrier": "顺丰", "tracking_number": "SF1002", "lines": [{"line_no": 2}]},
        format="json",
    )
    assert rest.json()["state"] == "shipped"

    delivered = client.post(f"{url}delivered/", {}, format="json")
    assert delivered.status_code == 200
    assert delivered.json()["delivered_at"] is not None
    with in_schema(hotline):
        kinds = list(WorkOrderEvent.objects.filter(kind__startswith="parts.").values_list("kind", flat=True))
    assert kinds.count("parts.line_shipped") == 3
    assert kinds[-1] == "parts.delivered"


def test_filters_state_dealer_since(hotline, parts_request, south_key):
    client = api_client(hotline, south_key)
    assert len(client.get(BASE, {"state": "submitted"}).json()["results"]) == 1
    assert client.get(BASE, {"state": "shipped"}).json()["results"] == []
    assert len(client.get(BASE, {"dealer": "HQ-GD-001"}).json()["results"]) == 1
    assert client.get(BASE, {"dealer": "HQ-GD-002"}).json()["results"] == []
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert client.get(BASE, {"since": future}).json()["results"] == []
    bad = client.get(BASE, {"state": "lost", "since": "yesterday"})
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert set(bad.json()["errors"]) == {"state", "since"}


def test_another_centre_sees_nothing_and_changes_nothing(hotline, parts_request, east_key):
    client = api_client(hotline, east_key)
    assert client.get(BASE).json()["results"] == []
    url = f"{BASE}{parts_request.number}/"
    assert client.get(url).status_code == 404
    response = client.post(f"{url}acknowledge/")
    assert response.status_code == 404
    unknown = client.post(f"{BASE}HQ20990101-99999-P1/acknowledge/")
    body, unknown_body = response.json(), unknown.json()
    assert body.pop("instance") != unknown_body.pop("instance")
    assert body == unknown_body  # the same answer as for a number that does not exist
    with in_schema(hotline):
        assert PartsRequest.objects.get(pk=parts_request.pk).state == "submitted"


def test_key_of_one_tenant_is_useless_on_another_host(hotline, other_manufacturer, parts_request, south_key):
    client = api_client(other_manufacturer.hotline, south_key)
    response = client.get(BASE)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_read_key_cannot_write(hotline, parts_request, south_read_key):
    client = api_client(hotline, south_read_key)
    assert client.get(BASE).status_code == 200
    assert client.post(f"{BASE}{parts_request.number}/acknowledge/").status_code == 403
    with in_schema(hotline):
        assert PartsRequest.objects.get(pk=parts_request.pk).state == "submitted"


def test_bad_input_is_refused_with_the_services_rule_in_the_requests_language(
    hotline, parts_request, south_key
):
    client = api_client(hotline, south_key, HTTP_ACCEPT_LANGUAGE="en")
    url = f"{BASE}{parts_request.number}/"
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(f"{url}lines/1/back-order/", {"expected_date": past}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"expected_date": ["Give the expected date, today or later."]}
    too_many = client.post(
        f"{url}shipments/",
        {
            "carrier": "顺丰",
            "tracking_number": "SF1",
            "lines": [{"line_no": 1}, {"line_no": 2, "quantity": 9}],
        },
        format="json",
    )
    assert too_many.status_code == 400
    assert too_many.json()["errors"] == {"lines[2].quantity": ["Ship between 1 and 2."]}
    zh = api_client(hotline, south_key, HTTP_ACCEPT_LANGUAGE="zh-hans")
    reject = zh.post(f"{url}lines/1/reject/", {"reason": " "}, format="json")
    assert reject.status_code == 400
    assert reject.json()["errors"]["reason"] != ["Say why the line cannot be supplied."]
    with in_schema(hotline):
        assert not PartsRequest.objects.get(pk=parts_request.pk).lines.filter(shipped_quantity__gt=0).exists()
        assert WorkOrder.objects.get(pk=parts_request.work_order_id).state == "awaiting_parts"


def test_a_retried_shipment_ships_once_and_a_stale_write_is_refused(hotline, parts_request, south_key):
    client = api_client(hotline, south_key)
    url = f"{BASE}{parts_request.number}/"
    etag = client.get(url)["ETag"]
    parcel = {"carrier": "顺丰", "tracking_number": "SF2001", "lines": [{"line_no": 2, "quantity": 1}]}
    first = client.post(
        f"{url}shipments/", parcel, format="json", HTTP_IDEMPOTENCY_KEY="wms-5501", HTTP_IF_MATCH=etag
    )
    again = client.post(
        f"{url}shipments/", parcel, format="json", HTTP_IDEMPOTENCY_KEY="wms-5501", HTTP_IF_MATCH=etag
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    with in_schema(hotline):
        assert PartsRequest.objects.get(pk=parts_request.pk).lines.get(line_no=2).shipped_quantity == 1
    stale = client.post(f"{url}lines/1/allocate/", format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    with in_schema(hotline):
        assert PartsRequest.objects.get(pk=parts_request.pk).lines.get(line_no=1).state == "pending"
