"""Major complaints on the dealer's portal and API: the pinned badge and the major queue, asking
for an upgrade, and senior management confirming the answer recorded on their behalf."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from hotline.models import Clock, ClockState, UpgradeRequest, WorkOrder
from hotline.services.work_orders import work_order_create
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, api_session, client_for, parts_intake, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(manufacturer, network, agent, hotline):
    """One major and one normal parts work order routed to 广州骏达."""
    with tenant_context(hotline):
        return {
            severity: work_order_create(
                manufacturer=manufacturer,
                actor=agent,
                intake=parts_intake(dealer_id=network["junda"].pk, severity=severity),
            )
            for severity in ("major", "normal")
        }


@pytest.fixture
def junda_people(network):
    junda = network["junda"]
    return {
        "crm": person("junda.crm", junda, Role.DEALER_CRM_MANAGER),
        "sd": person("junda.sd", junda, Role.SERVICE_DIRECTOR),
        "gm": person("zhao.gm", junda, Role.GENERAL_MANAGER),
    }


def _senior_clock(hotline, work_order) -> Clock:
    with tenant_context(hotline):
        return Clock.objects.get(work_order=work_order, kind="senior_answer")


def test_the_inbox_pins_the_major_complaints_and_filters_them(network, orders, junda_people):
    crm = client_for(network["junda"], junda_people["crm"])
    inbox = crm.get("/work-orders/").content.decode()
    pinned = inbox.split('data-testid="major-pinned"')[1].split("</p>")[0]
    assert "1" in pinned
    assert "?severity=major" in pinned
    major = crm.get("/work-orders/?severity=major").content.decode()
    assert orders["major"].number in major
    assert orders["normal"].number not in major


def test_no_pinned_badge_without_a_major_complaint(hotline, network, junda_people, manufacturer, agent):
    with tenant_context(hotline):
        work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    crm = client_for(network["junda"], junda_people["crm"])
    assert 'data-testid="major-pinned"' not in crm.get("/work-orders/").content.decode()


def test_the_dealer_asks_for_an_upgrade_on_the_page(hotline, network, orders, junda_people):
    crm = client_for(network["junda"], junda_people["crm"])
    url = f"/work-orders/HQ/{orders['normal'].number}/"
    assert 'data-testid="upgrade-form"' in crm.get(url).content.decode()
    assert (
        'data-testid="upgrade-form"'
        not in crm.get(f"/work-orders/HQ/{orders['major'].number}/").content.decode()
    )

    blank = crm.post(url + "upgrade/", {"reason": "  "}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert blank.status_code == 400
    with tenant_context(hotline):
        assert not UpgradeRequest.objects.exists()
    asked = crm.post(url + "upgrade/", {"reason": "车主扬言向媒体曝光"})
    assert asked.status_code == 302
    with tenant_context(hotline):
        (request,) = UpgradeRequest.objects.all()
        assert (request.work_order_id, request.state, request.reason) == (
            orders["normal"].pk,
            "pending",
            "车主扬言向媒体曝光",
        )
        assert WorkOrder.objects.get(pk=orders["normal"].pk).severity == "normal"


def test_the_service_director_confirms_on_the_page_what_was_recorded_for_them(
    hotline, network, orders, junda_people
):
    junda = network["junda"]
    work_order = orders["major"]
    url = f"/work-orders/HQ/{work_order.number}/"
    crm = client_for(junda, junda_people["crm"])
    choices = crm.get(url).content.decode().split('name="on_behalf_of_id"')[1].split("</select>")[0]
    assert "junda.sd" in choices
    assert "zhao.gm" in choices
    assert "junda.crm" not in choices  # only senior management can be answered for
    recorded = crm.post(
        url + "contact/",
        {
            "whom": "王建华",
            "method": "phone",
            "reached": "yes",
            "agreed": "服务总监致电致歉，免费更换大灯总成",
            "solution_offered": "on",
            "on_behalf_of_id": str(junda_people["sd"].pk),
        },
    )
    assert recorded.status_code == 302
    assert _senior_clock(hotline, work_order).state == ClockState.RUNNING
    assert 'data-testid="senior-confirm-form"' not in crm.get(url).content.decode()
    assert 'data-testid="senior-awaiting"' in crm.get(url).content.decode()

    gm = client_for(junda, junda_people["gm"])
    assert 'data-testid="senior-confirm-form"' not in gm.get(url).content.decode()
    assert gm.post(url + "senior_confirm/", {}).status_code == 400  # not recorded for the general manager
    assert _senior_clock(hotline, work_order).state == ClockState.RUNNING

    sd = client_for(junda, junda_people["sd"])
    page = sd.get(url).content.decode()
    assert 'data-testid="senior-confirm-form"' in page
    assert sd.post(url + "senior_confirm/", {}).status_code == 302
    clock = _senior_clock(hotline, work_order)
    assert (clock.state, clock.met) == (ClockState.STOPPED, True)
    assert 'data-testid="senior-awaiting"' not in sd.get(url).content.decode()


def test_on_behalf_of_a_non_senior_is_refused_by_the_field(hotline, network, orders, junda_people):
    crm = client_for(network["junda"], junda_people["crm"])
    response = crm.post(
        f"/work-orders/HQ/{orders['major'].number}/contact/",
        {
            "whom": "王建华",
            "method": "phone",
            "reached": "yes",
            "agreed": "致歉",
            "solution_offered": "on",
            "on_behalf_of_id": str(junda_people["crm"].pk + 1000),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    with tenant_context(hotline):
        assert WorkOrder.objects.get(pk=orders["major"].pk).first_contact_at is None


def test_another_dealer_gets_404_on_the_new_actions(hotline, network, foreign_dealer, orders):
    url = f"/work-orders/HQ/{orders['normal'].number}/"
    for tenant in (network["pengcheng"], foreign_dealer):
        for role in (Role.DEALER_CRM_MANAGER, Role.SERVICE_DIRECTOR):
            stranger = client_for(tenant, person(f"{tenant.slug}.{role}", tenant, role))
            assert stranger.post(url + "upgrade/", {"reason": "重大"}).status_code == 404
            stranger = client_for(tenant, person(f"{tenant.slug}.{role}.2", tenant, role))
            assert stranger.post(url + "senior_confirm/", {}).status_code == 404
        key = api_key_create(tenant=tenant, name="DMS", scope="write").secret
        answer = api_client(tenant, key).post(
            f"/api/v1/work-orders/HQ/{orders['normal'].number}/upgrade-requests/",
            {"reason": "重大"},
            format="json",
        )
        assert answer.status_code == 404
    with tenant_context(hotline):
        assert not UpgradeRequest.objects.exists()


def test_the_api_asks_for_an_upgrade_and_confirms_a_senior_answer(hotline, network, orders, junda_people):
    junda = network["junda"]
    crm = api_session(junda, junda_people["crm"], HTTP_ACCEPT_LANGUAGE="en")
    base = f"/api/v1/work-orders/HQ/{orders['normal'].number}/"
    blank = crm.post(base + "upgrade-requests/", {"reason": ""}, format="json")
    assert blank.status_code == 400
    assert set(blank.json()["errors"]) == {"reason"}
    asked = crm.post(base + "upgrade-requests/", {"reason": "车主要求总经理出面"}, format="json")
    assert asked.status_code == 200, asked.json()
    with tenant_context(hotline):
        assert UpgradeRequest.objects.filter(work_order=orders["normal"], state="pending").count() == 1

    major = f"/api/v1/work-orders/HQ/{orders['major'].number}/"
    contact = crm.post(
        major + "contacts/",
        {
            "whom": "王建华",
            "method": "phone",
            "reached": True,
            "agreed": "服务总监致歉",
            "solution_offered": True,
            "on_behalf_of_id": junda_people["sd"].pk,
        },
        format="json",
    )
    assert contact.status_code == 200, contact.json()
    assert _senior_clock(hotline, orders["major"]).state == ClockState.RUNNING
    assert crm.post(major + "senior-answer-confirmation/", {}, format="json").status_code == 403
    inbox = crm.get("/api/v1/inbox/?severity=major").json()["results"]
    assert [row["number"] for row in inbox] == [orders["major"].number]
    assert crm.get("/api/v1/inbox/?severity=urgent").status_code == 400
    sd = api_session(junda, junda_people["sd"])
    confirmed = sd.post(major + "senior-answer-confirmation/", {}, format="json")
    assert confirmed.status_code == 200, confirmed.json()
    assert _senior_clock(hotline, orders["major"]).state == ClockState.STOPPED
