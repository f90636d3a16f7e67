"""The dealer portal's pages through a browser-like client: the inbox, one work order, its actions."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.models import WorkOrder
from tenants.models import Role

from ..conftest import client_for, conclusion_posted, intake_post, numbers, person

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
        stranger.post(
            url + "resolve/", {"result_summary": "x", "owner_acceptance": "accepted", **conclusion_posted()}
        ).status_code
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
    crm.post(
        url + "resolve/",
        {"result_summary": "已向车主道歉并培训员工", "owner_acceptance": "accepted", **conclusion_posted()},
    )
    assert (
        agent_client.post(
            f"/work-orders/{number}/callback/", {"outcome": "reached", "score": "9", "solved": "yes"}
        ).status_code
        == 302
    )

    page = crm.get("/kpis/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["table"][0][1] == 1
    advisor = page.context["sat_rows"][0]
    assert dealer_user.username in advisor["label"]
    assert (advisor["attempted"], advisor["reached"], advisor["scored"], advisor["high_rate"]) == (
        1,
        1,
        1,
        100.0,
    )
    assert crm.get("/kpis/?export=satisfaction&format=xlsx").content[:2] == b"PK"


def test_the_contact_form_asks_whether_the_owner_was_reached(agent_client, hotline, dealer, dealer_user):
    agent_client.post("/work-orders/new/", intake_post())
    number = numbers(hotline)[0]
    crm = client_for(dealer, dealer_user)
    page = crm.get(f"/work-orders/HQ/{number}/").content.decode()
    reached = page.split('name="reached"', 1)[1].split("</select>", 1)[0]

    assert '<option value="" selected>' in reached
    refused = crm.post(f"/work-orders/HQ/{number}/contact/", {"whom": "王建华", "method": "phone"})
    assert refused.status_code == 400
    assert 'data-testid="error-summary"' in refused.content.decode()
    with tenant_context(hotline):
        assert WorkOrder.objects.get(number=number).state == "dispatched"


def test_more_time_is_offered_only_for_windows_still_running(agent_client, hotline, dealer, dealer_user):
    agent_client.post("/work-orders/new/", intake_post())
    number = numbers(hotline)[0]
    crm = client_for(dealer, dealer_user)
    crm.post(
        f"/work-orders/HQ/{number}/contact/",
        {"whom": "王建华", "method": "phone", "reached": "yes", "agreed": "明天到店"},
    )
    page = crm.get(f"/work-orders/HQ/{number}/").content.decode()
    offered = page.split('name="clock_kind"', 1)[1].split("</select>", 1)[0]

    assert 'value="first_contact"' not in offered  # met and stopped
    assert 'value="answer"' in offered
    assert 'value="callback"' not in offered  # not started


def test_the_start_page_counts_what_the_inbox_lists_and_bulk_assignment_sets_my_work(
    agent_client, hotline, dealer, dealer_user
):
    for mobile in ("13800000001", "13800000002"):
        agent_client.post("/work-orders/new/", intake_post(token=mobile, owner_mobile=mobile))
    first, second = sorted(numbers(hotline))
    crm = client_for(dealer, dealer_user)

    before = crm.get("/").content.decode()
    assert 'data-testid="fig-mine" href="/work-orders/?mine=on"><b>0</b>' in before
    assert 'data-testid="fig-due-soon" href="/work-orders/?due_within=120&amp;sort=due"><b>2</b>' in before
    answer = crm.post(
        "/work-orders/bulk/",
        {"work_order": [f"HQ/{first}", f"HQ/{second}"], "bulk-assignee_id": dealer_user.pk},
    )

    assert answer.status_code == 302
    mine = crm.get("/work-orders/?mine=on").content.decode()
    assert first in mine
    assert second in mine
    assert "<b>2</b>" in crm.get("/").content.decode().split('data-testid="fig-mine"', 1)[1][:120]


def test_bulk_assignment_of_another_dealers_work_order_changes_nothing(
    agent_client, hotline, dealer, other_dealer, dealer_user
):
    agent_client.post("/work-orders/new/", intake_post())
    number = numbers(hotline)[0]
    stranger = person("pc.crm", other_dealer, Role.DEALER_CRM_MANAGER)
    client = client_for(other_dealer, stranger)

    client.post("/work-orders/bulk/", {"work_order": [f"HQ/{number}"], "bulk-assignee_id": stranger.pk})
    answer = client.get("/work-orders/?closed=on", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    missing = client.post(
        "/work-orders/bulk/", {"work_order": ["HQ/HQ00000000-99999"], "bulk-assignee_id": 1}
    )

    # The same words as for a number that does not exist: nothing is learnt.
    assert f"{number}: not routed to this dealer" in answer
    assert f'data-number="{number}"' not in answer
    assert missing.status_code == 302
    junda = client_for(dealer, dealer_user).get("/work-orders/").content.decode()
    assert f'data-number="{number}"' in junda
    assert "—</td>" in junda.split(f'data-number="{number}"', 1)[1].split("</tr>", 1)[0]  # still unassigned
