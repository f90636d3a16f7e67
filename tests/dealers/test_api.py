"""A dealer group's own tools pull its inbox and act on work orders through the API."""

from __future__ import annotations

import pytest

from dealers.models import InternalNote
from hotline.models import WorkOrder
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, api_session, conclusion_posted, in_schema, person


@pytest.fixture
def crm_client(network):
    user = person("api.crm", network["junda"], Role.DEALER_CRM_MANAGER)
    client = api_session(network["junda"], user, HTTP_ACCEPT_LANGUAGE="en")
    client.user = user
    return client


@pytest.fixture
def dms_key(network) -> str:
    return api_key_create(tenant=network["junda"], name="骏达 DMS", scope="write").secret


def url(work_order, tail: str = "") -> str:
    return f"/api/v1/work-orders/HQ/{work_order.number}/{tail}"


def test_inbox_and_a_parts_work_order_handled_to_resolution(
    hotline, network, parts_work_order, crm_client, dms_key
):
    inbox = crm_client.get("/api/v1/inbox/")
    assert inbox.status_code == 200
    [row] = inbox.json()["results"]
    assert (row["manufacturer"], row["number"], row["next_due"]["kind"]) == (
        "HQ",
        parts_work_order.number,
        "internal_handoff",  # the dealer's own inbox: the hand-off to a department comes first
    )

    read = crm_client.get(url(parts_work_order))
    assert read.status_code == 200
    etag = read["ETag"]
    contact = crm_client.post(
        url(parts_work_order, "contacts/"),
        {"whom": "王建华", "method": "phone", "reached": True, "agreed": "配件到货后通知车主进店"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert contact.status_code == 200, contact.json()
    assert contact.json()["state"] == "processing"
    stale = crm_client.post(
        url(parts_work_order, "stock-check/"), {"result": "own_stock"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412

    dms = api_client(network["junda"], dms_key)
    assert dms.post(url(parts_work_order, "notes/"), {"text": "车主脾气急"}, format="json").status_code == 200
    assert (
        dms.post(
            url(parts_work_order, "assignment/"), {"assignee_id": crm_client.user.pk}, format="json"
        ).json()["assignee_id"]
        == crm_client.user.pk
    )
    assert (
        dms.post(url(parts_work_order, "stock-check/"), {"result": "parts_centre"}, format="json").status_code
        == 200
    )
    raised = dms.post(
        url(parts_work_order, "parts-requests/"), {}, format="json", HTTP_IDEMPOTENCY_KEY="dms-77"
    )
    again = dms.post(
        url(parts_work_order, "parts-requests/"), {}, format="json", HTTP_IDEMPOTENCY_KEY="dms-77"
    )
    assert raised.json()["state"] == again.json()["state"] == "awaiting_parts"
    assert len(again.json()["parts_requests"]) == 1
    early = dms.post(
        url(parts_work_order, "resolve/"),
        {"result_summary": "已更换", "owner_acceptance": "accepted", **conclusion_posted()},
        format="json",
    )
    assert early.status_code == 409
    with in_schema(network["junda"]):
        assert InternalNote.objects.count() == 1


def test_bad_input_names_the_field(network, parts_work_order, crm_client):
    response = crm_client.post(
        url(parts_work_order, "contacts/"), {"whom": " ", "method": "phone", "reached": True}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"whom", "agreed"}
    lines = crm_client.post(url(parts_work_order, "assignment/"), {"assignee_id": 999999}, format="json")
    assert lines.json()["errors"] == {"assignee_id": ["Choose a member of this dealer."]}


def test_another_dealer_sees_nothing_and_changes_nothing(hotline, network, foreign_dealer, parts_work_order):
    other = network["pengcheng"]
    for tenant in (other, foreign_dealer):
        key = api_key_create(tenant=tenant, name="DMS", scope="write").secret
        client = api_client(tenant, key)
        assert client.get("/api/v1/inbox/").json()["results"] == []
        assert client.get(url(parts_work_order)).status_code == 404
        response = client.post(
            url(parts_work_order, "contacts/"),
            {"whom": "王建华", "method": "phone", "reached": False},
            format="json",
        )
        assert response.status_code == 404
    user = person("pc.crm", other, Role.DEALER_CRM_MANAGER)
    member = api_session(other, user)
    assert member.get(url(parts_work_order)).status_code == 404
    # The dealer's key is useless on the manufacturer's host, and junda's on pengcheng's.
    junda_key = api_key_create(tenant=network["junda"], name="DMS", scope="write").secret
    assert api_client(other, junda_key).get("/api/v1/inbox/").status_code == 401
    assert api_client(hotline, junda_key).get("/api/v1/work-orders/").status_code == 401
    with in_schema(hotline):
        assert WorkOrder.objects.get(pk=parts_work_order.pk).state == "dispatched"
