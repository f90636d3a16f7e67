"""The hotline's call-centre systems record and decide work orders through the API."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from hotline.models import WorkOrder, WorkOrderEvent
from tenants.models import NetworkMembership, Role
from tenants.services.api_keys import api_key_create

from ..conftest import (
    LINES,
    PASSWORD,
    WORK_ORDERS_API,
    api_client,
    api_intake,
    api_session,
    client_for,
    conclusion_posted,
    in_schema,
    owner,
    person,
    vehicle,
)


@pytest.fixture
def agent_client(hotline, network):
    user = person("api.agent", hotline, Role.HOTLINE_AGENT)
    client = api_client(hotline, HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def integration_key(hotline, network) -> str:
    return api_key_create(tenant=hotline, name="呼叫中心 CTI", scope="write").secret


def count_work_orders(hotline) -> int:
    with in_schema(hotline):
        return WorkOrder.objects.count()


def test_create_read_list_a_parts_work_order(hotline, integration_key):
    client = api_client(hotline, integration_key)
    created = client.post(WORK_ORDERS_API, api_intake(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "dispatched"
    assert body["dealer"] == {"code": "HQ-GD-001", "name": "gz-junda 4S店"}
    assert [line["part_code"] for line in body["part_lines"]] == ["HQ-37110-01", "HQ-80210-07"]
    assert created["Location"] == f"{WORK_ORDERS_API}{body['number']}/"
    assert created["ETag"] == f'"{body["version"]}"'
    with in_schema(hotline):
        event = WorkOrderEvent.objects.filter(work_order__number=body["number"]).first()
    assert event.actor_name == "呼叫中心 CTI"

    read = client.get(created["Location"])
    assert read.json()["number"] == body["number"]
    assert (
        client.get(WORK_ORDERS_API, {"state": "dispatched"}).json()["results"][0]["number"] == body["number"]
    )
    assert client.get(WORK_ORDERS_API, {"state": "closed"}).json()["results"] == []
    assert client.get(WORK_ORDERS_API, {"dealer": "HQ-GD-002"}).json()["results"] == []
    assert client.get("/api/v1/kpis/").json()["totals"]["total"] == 1


@time_machine.travel(dt.datetime(2027, 3, 8, 12, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=False)
def test_the_created_answer_is_the_document_a_read_gives(hotline, integration_key):
    """The 201 body is built from what the creation wrote; a read straight after gives the same
    document, for a first complaint with every optional field and for a repeat without a car."""
    client = api_client(hotline, integration_key)
    first = client.post(
        WORK_ORDERS_API,
        api_intake(
            owner=owner(name=" 王建华 ", gender="female"),
            vehicle=vehicle(plate="粤a3k8m2", mileage_km=12000),
            part_lines=[{"part_code": " hq-37110-01 ", "part_name": " 前大灯总成 ", "quantity": "2"}],
            severity="major",
            owner_demand=" 尽快到货 ",
            received_at="2027-03-08T09:15:30.123456+08:00",
            incident_at="2027-03-07T18:00:00+08:00",
            complainant={"name": "王芳", "phone": "13902561234", "relation": "配偶"},
            preferred_contact_time="工作日下午",
            sales_contract_number="HT-2026-0042",
            sales_consultant="李明",
        ),
        format="json",
    )
    assert first.status_code == 201, first.json()["errors"]
    assert_same_as_read(client, first)
    again = client.post(
        WORK_ORDERS_API,
        api_intake(
            vehicle={},
            received_at="2027-03-08T10:00:00+08:00",
            type="complaint",
            category="service_attitude",
            part_lines=[],
        ),
        format="json",
    )
    assert again.status_code == 201, again.json()
    assert again.json()["repeat_of"] == first.json()["number"]
    assert again.json()["vehicle"] is None
    assert again.json()["owner"]["gender"] == "male"  # the owner's record, updated by the call
    assert_same_as_read(client, again)


def assert_same_as_read(client, created) -> None:
    read = client.get(created["Location"])
    assert created.json() == read.json()
    assert created["ETag"] == read["ETag"]


def test_intake_refused_with_the_portals_rules_and_nothing_written(hotline, agent_client):
    bad = api_intake(
        owner=owner(mobile="2380256"),
        vehicle=vehicle(vin="LHKS5A2B0RG10023I"),
        part_lines=[*LINES, {"part_code": "HQ-37110-01", "part_name": "前大灯总成", "quantity": 0}],
    )
    response = agent_client.post(WORK_ORDERS_API, bad, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert "owner.mobile" in errors
    assert "vehicle.vin" in errors
    assert any(name.startswith("part_lines[3]") for name in errors)
    assert count_work_orders(hotline) == 0

    seven = api_intake(
        part_lines=[{"part_code": f"P-{i}", "part_name": "件", "quantity": 1} for i in range(7)]
    )
    assert "part_lines" in agent_client.post(WORK_ORDERS_API, seven, format="json").json()["errors"]
    unknown = agent_client.post(WORK_ORDERS_API, api_intake(dealer="XX-000"), format="json")
    assert unknown.json()["errors"] == {"dealer": ["No dealer with the code XX-000 in this network."]}
    assert count_work_orders(hotline) == 0


def test_a_dealer_that_left_the_network_is_refused_by_its_code_and_nothing_written(
    hotline, network, agent_client
):
    NetworkMembership.objects.filter(dealer=network["junda"]).update(is_active=False)
    left = agent_client.post(WORK_ORDERS_API, api_intake(dealer="HQ-GD-001"), format="json")
    assert left.status_code == 400
    assert left.json()["errors"] == {
        "dealer": ["This dealer is not an active member of the 华骐汽车 network."]
    }
    assert count_work_orders(hotline) == 0


def test_error_messages_follow_accept_language(hotline, integration_key):
    en = api_client(hotline, integration_key, HTTP_ACCEPT_LANGUAGE="en")
    zh = api_client(hotline, integration_key, HTTP_ACCEPT_LANGUAGE="zh-hans")
    payload = api_intake(complaint=" ")
    english = en.post(WORK_ORDERS_API, payload, format="json").json()
    chinese = zh.post(WORK_ORDERS_API, payload, format="json").json()
    assert english["errors"]["complaint"] == ["Describe the owner's complaint."]
    assert chinese["errors"]["complaint"] != english["errors"]["complaint"]
    assert chinese["title"] != english["title"]


def test_a_retried_create_makes_one_work_order(hotline, integration_key):
    client = api_client(hotline, integration_key)
    first = client.post(WORK_ORDERS_API, api_intake(), format="json", HTTP_IDEMPOTENCY_KEY="cti-call-8812")
    again = client.post(WORK_ORDERS_API, api_intake(), format="json", HTTP_IDEMPOTENCY_KEY="cti-call-8812")
    assert first.status_code == again.status_code == 201
    assert again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert count_work_orders(hotline) == 1

    other = client.post(
        WORK_ORDERS_API,
        api_intake(complaint="另一个问题"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="cti-call-8812",
    )
    assert other.status_code == 422
    assert count_work_orders(hotline) == 1
    fresh = client.post(WORK_ORDERS_API, api_intake(), format="json", HTTP_IDEMPOTENCY_KEY="cti-call-8813")
    assert fresh.status_code == 201
    assert count_work_orders(hotline) == 2


@pytest.fixture
def supervisor_client(hotline, network):
    return api_session(hotline, person("api.sup", hotline, Role.HOTLINE_SUPERVISOR))


def test_integrations_and_agents_may_not_cancel(hotline, integration_key, agent_client):
    client = api_client(hotline, integration_key)
    url = client.post(WORK_ORDERS_API, api_intake(), format="json")["Location"]

    for caller in (client, agent_client):
        refused = caller.post(f"{url}cancel/", {"reason": "重复录入"}, format="json")
        assert refused.status_code == 403
    assert client.get(url).json()["state"] == "dispatched"


def test_two_writers_cannot_overwrite_each_other(hotline, integration_key, agent_client, supervisor_client):
    client = api_client(hotline, integration_key)
    created = client.post(WORK_ORDERS_API, api_intake(), format="json")
    url, etag = created["Location"], created["ETag"]
    cancel = supervisor_client.post(
        f"{url}cancel/", {"reason": "重复录入"}, format="json", HTTP_IF_MATCH=etag
    )
    assert cancel.status_code == 200
    assert cancel.json()["state"] == "cancelled"
    stale = agent_client.post(f"{url}reopen/", {"reason": "误取消"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert client.get(url).json()["state"] == "cancelled"


def test_illegal_step_is_a_conflict_and_supervisor_steps_need_a_supervisor(hotline, agent_client):
    created = agent_client.post(WORK_ORDERS_API, api_intake(), format="json")
    url = created["Location"]
    callback = agent_client.post(
        f"{url}callbacks/", {"outcome": "reached", "score": 9, "solved": True}, format="json"
    )
    assert callback.status_code == 409
    verify = agent_client.post(f"{url}verify/", {"reason": "车主失联"}, format="json")
    assert verify.status_code in (403, 409)
    assert agent_client.get(url).json()["state"] == "dispatched"


def test_read_key_reads_only_and_a_dealer_or_foreign_key_gets_nothing(
    hotline, network, other_manufacturer, integration_key
):
    created = api_client(hotline, integration_key).post(WORK_ORDERS_API, api_intake(), format="json")
    reader = api_client(hotline, api_key_create(tenant=hotline, name="BI", scope="read").secret)
    assert reader.get(WORK_ORDERS_API).status_code == 200
    assert reader.post(WORK_ORDERS_API, api_intake(), format="json").status_code == 403
    foreign = api_key_create(tenant=other_manufacturer.hotline, name="DY CTI", scope="write").secret
    assert api_client(hotline, foreign).get(created["Location"]).status_code == 401
    dealer_key = api_key_create(tenant=network["junda"], name="DMS", scope="write").secret
    assert api_client(hotline, dealer_key).get(WORK_ORDERS_API).status_code == 401
    anonymous = api_client(hotline).get(WORK_ORDERS_API)
    assert anonymous.status_code == 401
    assert count_work_orders(hotline) == 1


def test_revoked_key_stops_working(hotline, integration_key):
    from tenants.services.api_keys import api_key_revoke

    client = api_client(hotline, integration_key)
    assert client.get(WORK_ORDERS_API).status_code == 200
    api_key_revoke(tenant=hotline, prefix=integration_key.split("_")[1])
    assert client.get(WORK_ORDERS_API).status_code == 401


def test_kpis_count_what_the_manufacturer_measures(hotline, integration_key, supervisor_client):
    client = api_client(hotline, integration_key)
    first = client.post(WORK_ORDERS_API, api_intake(), format="json")
    client.post(
        WORK_ORDERS_API,
        api_intake(
            type="complaint",
            category="service_attitude",
            part_lines=[],
            owner=owner(mobile="13911112222"),
            vehicle=None,
        ),
        format="json",
    )
    supervisor_client.post(f"{first['Location']}cancel/", {"reason": "重复录入"}, format="json")
    kpis = client.get("/api/v1/kpis/").json()
    assert kpis["totals"]["total"] == 1  # the cancelled work order does not count
    assert kpis["totals"]["response_rate"] is None  # no first contact decided yet
    assert (kpis["group"], kpis["rows"]) == (None, [])
    by_category = client.get("/api/v1/kpis/", {"group": "category"}).json()["rows"]
    assert [(r["key"], r["label"], r["total"]) for r in by_category] == [("service_attitude", "服务态度", 1)]
    assert client.get("/api/v1/kpis/", {"dealer": "HQ-GD-002"}).json()["totals"]["total"] == 0
    bad = client.get("/api/v1/kpis/", {"since": "last week"})
    assert bad.status_code == 400
    assert "since" in bad.json()["errors"]
    backwards = client.get(
        "/api/v1/kpis/",
        {"since": "2026-02-01T00:00:00+08:00", "until": "2026-01-01T00:00:00+08:00", "group": "year"},
    )
    assert backwards.status_code == 400
    assert {"group"} <= set(backwards.json()["errors"])


def test_the_api_gives_the_figures_of_the_kpi_page(hotline, network, integration_key, supervisor_client):
    client = api_client(hotline, integration_key)
    parts = client.post(WORK_ORDERS_API, api_intake(), format="json").json()
    complaint = client.post(
        WORK_ORDERS_API,
        api_intake(
            type="complaint",
            category="service_attitude",
            part_lines=[],
            owner=owner(mobile="13911112222"),
            vehicle=None,
            dealer="HQ-GD-002",
        ),
        format="json",
    ).json()
    client.post(
        WORK_ORDERS_API, api_intake(type="complaint", category="charges", part_lines=[]), format="json"
    )  # a repeat
    twice = client.post(
        WORK_ORDERS_API,
        api_intake(
            type="complaint",
            category="charges",
            part_lines=[],
            owner=owner(mobile="13933334444"),
            vehicle=None,
        ),
        format="json",
    )
    supervisor_client.post(f"{twice['Location']}cancel/", {"reason": "重复录入"}, format="json")
    for dealer, number in ((network["junda"], parts["number"]), (network["pengcheng"], complaint["number"])):
        dms = api_client(dealer, api_key_create(tenant=dealer, name="DMS", scope="write").secret)
        assert (
            dms.post(
                f"/api/v1/work-orders/HQ/{number}/contacts/",
                {"whom": "王建华", "method": "phone", "reached": True, "agreed": "道歉"},
                format="json",
            ).status_code
            == 200
        )
    resolved = dms.post(
        f"/api/v1/work-orders/HQ/{complaint['number']}/resolve/",
        {"result_summary": "已向车主道歉并培训员工", "owner_acceptance": "accepted", **conclusion_posted()},
        format="json",
    )
    assert resolved.status_code == 200
    callback = client.post(
        f"{WORK_ORDERS_API}{complaint['number']}/callbacks/",
        {"outcome": "reached", "score": 7, "solved": True},
        format="json",
    )
    assert callback.status_code == 201
    assert (callback.json()["score"], callback.json()["work_order"]["state"]) == (7, "closed")

    zone = zoneinfo.ZoneInfo(hotline.time_zone)
    today = timezone.now().astimezone(zone).date()
    since, until = (
        dt.datetime.combine(day, dt.time(), zone).isoformat()
        for day in (today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    )
    portal = client_for(hotline, person("kpi.agent", hotline, Role.HOTLINE_AGENT))
    for group in ("dealer", "category", "month"):
        page = portal.get(
            "/kpis/",
            {"group": group, "since": str(today - dt.timedelta(days=1)), "until": str(today)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        api = client.get(
            "/api/v1/kpis/", {"group": group, "since": since, "until": until}, HTTP_ACCEPT_LANGUAGE="en"
        ).json()
        assert api["rows"] == page.context["rows"]
        assert api["totals"] == page.context["totals"]
    assert api["totals"] == {
        "total": 3,
        "response_rate": 100.0,
        "completion_rate": 100.0,
        "overdue": 0,
        "repeat_rate": 33.3,
        "reopen_rate": 0.0,
        "scored": 1,
        "band_high": 0,
        "band_mid": 1,
        "band_low": 0,
    }
    junda = client.get("/api/v1/kpis/", {"dealer": "HQ-GD-001", "group": "dealer"}).json()
    [row] = junda["rows"]
    assert (row.pop("key"), row.pop("label")) == ("HQ-GD-001", "HQ-GD-001 gz-junda 4S店")
    assert junda["totals"] == row
    assert row["total"] == 2
