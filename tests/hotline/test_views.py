"""The portals' pages through a browser-like client: intake, board, work order pages, actions."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.models import WorkOrder
from tenants.models import Role

from ..conftest import LINES, VIN, client_for, intake_post, numbers, person

pytestmark = pytest.mark.django_db


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


def test_a_form_refused_once_is_saved_when_corrected(agent_client, hotline, other_dealer):
    """The form's token is claimed only by a saved work order: a refusal leaves it free."""
    refused = agent_client.post("/work-orders/new/", intake_post(token="t9", owner_mobile="12345678901"))
    saved = agent_client.post("/work-orders/new/", intake_post(token="t9", dealer="HQ-GD-002"))
    again = agent_client.post("/work-orders/new/", intake_post(token="t9", dealer="HQ-GD-002"))

    assert refused.status_code == 400
    assert refused.context["form"].errors["owner_mobile"]
    assert saved.status_code == 302
    assert again["Location"] == saved["Location"]
    with tenant_context(hotline):
        assert list(WorkOrder.objects.values_list("dealer_code", flat=True)) == ["HQ-GD-002"]


def test_bad_input_shows_errors_by_the_field_and_keeps_what_was_typed(agent_client, hotline):
    lines = [*LINES, *({"part_code": f"X-{i}", "part_name": "件", "quantity": 1} for i in range(5))]
    response = agent_client.post(
        "/work-orders/new/",
        intake_post(owner_mobile="1380256", lines=lines, complaint="  "),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "At most 6 part lines; 7 were given." in body
    assert 'value="1380256"' in body  # what was typed stays
    assert "X-4" in body
    assert numbers(hotline) == []


def test_the_board_lists_open_work_orders_with_their_clock(agent_client, hotline):
    agent_client.post("/work-orders/new/", intake_post())
    body = agent_client.get("/work-orders/").content.decode()

    assert numbers(hotline)[0] in body
    assert 'data-due="' in body


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
    assert refused.status_code == 403  # the matrix: agents do not reassign
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
