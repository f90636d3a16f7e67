"""The dealer portal's pages through a browser-like client: the inbox, one work order, its actions."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.models import WorkOrder
from tenants.models import Role

from ..conftest import client_for, intake_post, numbers, person

pytestmark = pytest.mark.django_db


def test_the_dealer_works_the_order_and_another_dealer_gets_404(
    other_dealer, dealer, dealer_user, agent_client, hotline
):
    agent_client.post("/work-orders/new/", intake_post())
    number = numbers(hotline)[0]
    crm = client_for(dealer, dealer_user)
    url = f"/work-orders/HQ/{number}/"

    assert number in crm.get("/work-orders/").content.decode()
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
    assert number not in stranger.get("/work-orders/").content.decode()


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
