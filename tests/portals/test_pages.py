"""The portals' pages through a browser-like client: intake, board, work order pages, actions."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.models import WorkOrder
from tenants.models import Role

from ..conftest import client_for, person
from ..hotline.conftest import LINES, VIN

pytestmark = pytest.mark.django_db


def intake_post(
    token: str = "t1",  # noqa: S107 (a form token, not a secret)
    lines=LINES,
    **changes,
) -> dict:
    data = {
        "token": token,
        "type": "parts_shortage",
        "category": "parts_shortage",
        "severity": "normal",
        "channel": "phone",
        "complaint": "前大灯闪烁，服务站称需更换总成但无库存。",
        "owner_demand": "",
        "owner_name": "王建华",
        "owner_gender": "male",
        "owner_mobile": "13802561234",
        "owner_province": "广东",
        "owner_city": "广州",
        "owner_address": "天河区体育西路 103 号",
        "vehicle_vin": VIN,
        "vehicle_plate": "粤A3K8M2",
        "vehicle_model": "华骐 S5",
        "vehicle_purchase_date": "2024-05-18",
        "vehicle_mileage_km": "28650",
        "vehicle_use": "private",
        "dealer": "",
        "part_code": [x["part_code"] for x in lines],
        "part_name": [x["part_name"] for x in lines],
        "quantity": [str(x["quantity"]) for x in lines],
    }
    data.update(changes)
    return data


@pytest.fixture
def agent_client(hotline, hotline_agent, dealer):
    return client_for(hotline, hotline_agent)


def numbers(hotline) -> list[str]:
    with tenant_context(hotline):
        return list(WorkOrder.objects.values_list("number", flat=True))


def test_an_agent_records_a_work_order_and_submitting_twice_makes_one(agent_client, hotline):
    first = agent_client.post("/work-orders/new/", intake_post())
    second = agent_client.post("/work-orders/new/", intake_post())

    assert first.status_code == 302
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert len(numbers(hotline)) == 1
    page = agent_client.get(first["Location"]).content.decode()
    assert "HQ-37110-01" in page
    assert "gz-junda 4S店" in page


def test_bad_input_shows_errors_by_the_field_and_keeps_what_was_typed(agent_client, hotline):
    lines = [*LINES, *({"part_code": f"X-{i}", "part_name": "件", "quantity": 1} for i in range(5))]
    response = agent_client.post(
        "/work-orders/new/",
        intake_post(owner_mobile="1380256", lines=lines, complaint="  "),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "At most 6 part lines; 7 were given." in body
    assert 'value="1380256"' in body  # what was typed stays
    assert "X-4" in body
    assert numbers(hotline) == []


def test_the_board_lists_open_work_orders_with_their_clock(agent_client, hotline):
    agent_client.post("/work-orders/new/", intake_post())
    body = agent_client.get("/work-orders/").content.decode()

    assert numbers(hotline)[0] in body
    assert 'data-due="' in body


def test_the_dealer_works_the_order_and_another_dealer_gets_404(
    other_dealer, dealer, dealer_user, agent_client, hotline
):
    agent_client.post("/work-orders/new/", intake_post())
    number = numbers(hotline)[0]
    crm = client_for(dealer, dealer_user)
    url = f"/work-orders/HQ/{number}/"

    assert number in crm.get("/").content.decode()
    assert (
        crm.post(
            url + "contact/", {"whom": "王建华", "method": "phone", "reached": "yes", "agreed": "明天到店"}
        ).status_code
        == 302
    )
    assert crm.post(url + "stock/", {"result": "parts_centre"}).status_code == 302
    assert (
        crm.post(
            url + "parts/", {"part_code": ["HQ-37110-01"], "part_name": ["前大灯总成"], "quantity": ["1"]}
        ).status_code
        == 302
    )
    with tenant_context(hotline):
        assert WorkOrder.objects.get(number=number).state == "awaiting_parts"

    connection.set_schema_to_public()
    stranger = client_for(other_dealer, person("other-crm", other_dealer, Role.DEALER_CRM_MANAGER))
    assert stranger.get(url).status_code == 404
    assert (
        stranger.post(url + "resolve/", {"result_summary": "x", "owner_acceptance": "accepted"}).status_code
        == 404
    )
    assert number not in stranger.get("/").content.decode()


def test_a_dealer_form_error_is_shown_next_to_the_field(agent_client, hotline, dealer, dealer_user):
    agent_client.post("/work-orders/new/", intake_post())
    number = numbers(hotline)[0]
    crm = client_for(dealer, dealer_user)
    response = crm.post(
        f"/work-orders/HQ/{number}/contact/",
        {"whom": "王建华", "method": "phone", "reached": "yes", "agreed": ""},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert "has-error" in response.content.decode()
    with tenant_context(hotline):
        assert WorkOrder.objects.get(number=number).state == "dispatched"


def test_notification_centre_and_queues_answer(agent_client, dealer, dealer_user):
    assert agent_client.get("/notifications/").status_code == 200
    assert agent_client.get("/queues/").status_code == 200
    assert client_for(dealer, dealer_user).get("/notifications/").status_code == 200


def test_kpis_count_the_period_and_every_table_downloads(agent_client, hotline, dealer, dealer_user):
    agent_client.post("/work-orders/new/", intake_post())
    number = numbers(hotline)[0]
    client_for(dealer, dealer_user).post(
        f"/work-orders/HQ/{number}/contact/",
        {"whom": "王建华", "method": "phone", "reached": "yes", "agreed": "明天到店"},
    )

    page = agent_client.get("/kpis/", HTTP_ACCEPT_LANGUAGE="en")
    rows = {r["label"]: r for r in page.context["rows"]}
    assert rows["HQ-GD-001 gz-junda 4S店"]["total"] == 1
    assert rows["HQ-GD-001 gz-junda 4S店"]["response_rate"] == 100.0
    assert (page.context["totals"]["total"], page.context["totals"]["response_rate"]) == (1, 100.0)
    assert "kpi-chart" in page.content.decode()
    assert "kpi-totals" in page.content.decode()

    csv = agent_client.get("/kpis/?group=category&export=kpis&format=csv", HTTP_ACCEPT_LANGUAGE="en")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Timely response %" in csv.content.decode("utf-8-sig")
    xlsx = agent_client.get("/kpis/parts-centres/?format=xlsx")
    assert xlsx.content[:2] == b"PK"
    bad = agent_client.get("/kpis/?since=2026-02-01&until=2026-01-01", HTTP_ACCEPT_LANGUAGE="en")
    assert "The end of the period is before its start." in bad.content.decode()


def test_the_dealer_sees_its_own_rates_and_satisfaction_per_advisor(
    agent_client, hotline, dealer, dealer_user
):
    agent_client.post(
        "/work-orders/new/", intake_post(type="complaint", category="service_attitude", lines=[])
    )
    number = numbers(hotline)[0]
    crm = client_for(dealer, dealer_user)
    url = f"/work-orders/HQ/{number}/"
    crm.post(url + "assign/", {"assignee_id": str(dealer_user.pk)})
    crm.post(url + "contact/", {"whom": "王建华", "method": "phone", "reached": "yes", "agreed": "道歉"})
    crm.post(url + "resolve/", {"result_summary": "已向车主道歉并培训员工", "owner_acceptance": "accepted"})
    assert (
        agent_client.post(
            f"/work-orders/{number}/callback/", {"outcome": "reached", "score": "9", "solved": "yes"}
        ).status_code
        == 302
    )

    page = crm.get("/kpis/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["table"][0][1] == 1
    assert page.context["advisor_table"][0][1:3] == [1, 9.0]
    assert dealer_user.username in page.context["advisor_table"][0][0]
    assert crm.get("/kpis/?export=advisors&format=xlsx").content[:2] == b"PK"


def test_a_supervisor_reassigns_and_the_old_dealer_loses_the_work_order(
    other_dealer, dealer, dealer_user, agent_client, hotline
):
    agent_client.post("/work-orders/new/", intake_post())
    number = numbers(hotline)[0]
    connection.set_schema_to_public()
    supervisor = client_for(hotline, person("sup", hotline, Role.HOTLINE_SUPERVISOR))

    refused = agent_client.post(
        f"/work-orders/{number}/reassign/",
        {"reassign-to_dealer": str(other_dealer.pk), "reassign-reason": "车主要求"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    assert "Only a hotline supervisor may decide this." in refused.content.decode()
    assert (
        supervisor.post(
            f"/work-orders/{number}/reassign/",
            {"reassign-to_dealer": str(other_dealer.pk), "reassign-reason": "车主要求"},
        ).status_code
        == 302
    )

    with tenant_context(hotline):
        assert WorkOrder.objects.get(number=number).dealer_id == other_dealer.pk
    assert client_for(dealer, dealer_user).get(f"/work-orders/HQ/{number}/").status_code == 404


def test_intake_finds_the_owner_prefills_and_warns_of_a_repeat(agent_client, hotline):
    agent_client.post("/work-orders/new/", intake_post())
    number = numbers(hotline)[0]

    found = agent_client.get("/work-orders/new/", {"lookup": "粤a3k8m2"}).content.decode()
    assert "王建华" in found
    with tenant_context(hotline):
        wo = WorkOrder.objects.get(number=number)
        owner_id, vehicle_id = wo.owner_id, wo.vehicle_id
    page = agent_client.get(
        "/work-orders/new/", {"owner": owner_id, "vehicle": vehicle_id}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'value="13802561234"' in page
    assert f'value="{VIN}"' in page
    assert 'data-testid="repeat-warning"' in page
    assert number in page
    assert 'data-testid="suggestion"' in page


def test_live_pages_carry_the_position_they_are_current_to(agent_client, hotline, dealer, dealer_user):
    board = agent_client.get("/work-orders/").content.decode()
    inbox = client_for(dealer, dealer_user).get("/").content.decode()

    assert f'data-live-since="{{&quot;{hotline.pk}&quot;: 0}}"' in board
    assert f'data-live-since="{{&quot;{hotline.pk}&quot;: 0}}"' in inbox


def test_intake_hints_follow_what_the_agent_types(agent_client, hotline):
    assert (
        'data-testid="suggestion"'
        in agent_client.get("/work-orders/new/hints/", {"owner_city": "广州"}).content.decode()
    )
    assert (
        'data-testid="repeat-warning"'
        not in agent_client.get("/work-orders/new/hints/", {"owner_mobile": "13802561234"}).content.decode()
    )
    agent_client.post("/work-orders/new/", intake_post())

    hints = agent_client.get("/work-orders/new/hints/", {"vehicle_vin": VIN.lower()}).content.decode()
    assert 'data-testid="repeat-warning"' in hints
    assert numbers(hotline)[0] in hints
