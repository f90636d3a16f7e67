"""Each input that once earned a server error is now refused as bad input, naming what is wrong."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import tenant_context

from ..conftest import WORK_ORDERS_API, api_client, api_intake, client_for, host_of, intake_post, person

pytestmark = pytest.mark.django_db

DEEP = "[" * 3000 + "]" * 3000


@pytest.fixture
def integration(hotline) -> str:
    from tenants.services.api_keys import api_key_create

    return api_key_create(tenant=hotline, name="呼叫中心", scope="write").secret


def test_a_word_where_the_intake_expects_an_owners_id(agent_client):
    assert agent_client.get("/work-orders/new/", {"owner": "abc", "vehicle": "x"}).status_code == 200


def test_a_nul_byte_in_a_work_order_number(agent_client, hotline, integration):
    assert agent_client.get("/work-orders/HQ\x0020261201-00001/").status_code in (400, 404)
    response = api_client(hotline, integration).get(f"{WORK_ORDERS_API}HQ%0020261201-00001/")
    assert response.status_code in (400, 404)
    assert response["Content-Type"] == "application/problem+json"


def test_a_part_quantity_beyond_any_counter(hotline, integration, agent_client):
    body = api_intake(part_lines=[{"part_code": "HQ-1", "part_name": "件", "quantity": 2**31}])
    response = api_client(hotline, integration).post(WORK_ORDERS_API, body, format="json")

    assert response.status_code == 400
    assert "part_lines[1].quantity" in response.json()["errors"]
    page = agent_client.post(
        "/work-orders/new/", intake_post(lines=[{"part_code": "A", "part_name": "件", "quantity": 2**31}])
    )
    assert page.status_code == 400  # the form again, with the line's error
    assert "9999" in page.content.decode()


def test_json_nested_deeper_than_anything_we_send(hotline, integration):
    from notifications.sms import sms_reply_token

    api = api_client(hotline, integration).post(WORK_ORDERS_API, DEEP, content_type="application/json")
    reply = client_for(hotline).post(
        f"/sms/replies/aliyun/{sms_reply_token(hotline.schema_name)}/", DEEP, content_type="application/json"
    )

    assert api.status_code == 400
    assert reply.status_code == 400


def test_a_received_time_in_the_year_1(hotline, network, integration):
    body = api_intake(received_at="0001-01-01T00:00:00+08:00")
    response = api_client(hotline, integration).post(WORK_ORDERS_API, body, format="json")

    assert response.status_code == 400
    assert "received_at" in response.json()["errors"]


def test_a_kpi_period_ending_on_the_last_day_of_the_calendar(agent_client, dealer):
    from tenants.models import Role

    hotline_page = agent_client.get("/kpis/", {"since": "2026-01-01", "until": "9999-12-31"})
    dealer_page = client_for(dealer, person("sm", dealer, Role.SERVICE_MANAGER)).get(
        "/kpis/", {"until": "9999-12-31"}
    )

    assert hotline_page.status_code == 200
    assert dealer_page.status_code == 200


def test_a_nul_byte_in_a_form_field(agent_client, hotline):
    response = agent_client.post("/work-orders/new/", intake_post(owner_mobile="138\x0002561234"))

    assert response.status_code == 400
    assert host_of(hotline)  # the tenant still answers afterwards
    assert agent_client.get("/work-orders/").status_code == 200


@pytest.mark.parametrize(
    ("key", "field", "where"),
    [
        ("complaint", "complaint", lambda body: body),
        ("owner.name", "name", lambda body: body["owner"]),
        ("part_lines[1].part_name", "part_name", lambda body: body["part_lines"][0]),
    ],
)
def test_a_lone_surrogate_in_a_text(hotline, network, integration, key, field, where):
    from hotline.models import WorkOrder

    body = api_intake()
    where(body)[field] = "前大灯\ud800闪烁"  # sent as the JSON escape \ud800, valid JSON
    response = api_client(hotline, integration).post(
        WORK_ORDERS_API, json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert "U+D800" in str(response.json()["errors"][key])
    with tenant_context(hotline):
        assert not WorkOrder.objects.exists()
