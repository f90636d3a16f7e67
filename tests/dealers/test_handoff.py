"""Inside the dealership: the complaint reaches the responsible department's head within 30
minutes and the department answers customer relations within 48 hours, both the dealer's own
windows (the hotline sees only how many); the dealer reports progress to the hotline."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django_tenants.utils import tenant_context

from config.actor import Actor
from dealers.models import DepartmentHandoff
from hotline.events import EventKind
from hotline.models import Clock, WorkOrder
from hotline.services.clocks import clocks_fire_due
from hotline.services.work_orders import work_order_create
from live.relay import relay_everywhere
from notifications.models import Notification
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, client_for, dispatch_relayed, parts_intake, person

pytestmark = pytest.mark.django_db

# Tuesday 2 March 2027, 10:00 in Shanghai.
NOON = dt.datetime(2027, 3, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff(network):
    junda = network["junda"]
    return {
        "crm": person("junda.crm", junda, Role.DEALER_CRM_MANAGER),
        "head": person("junda.sm", junda, Role.SERVICE_MANAGER),
        "clerk": person("junda.parts", junda, Role.PARTS_CLERK),
    }


@pytest.fixture
def recorded(manufacturer, network, hotline):
    agent_user = person("hq.agent", hotline, Role.HOTLINE_AGENT)
    agent = Actor(user_id=agent_user.pk, name="李娜", tenant_id=hotline.pk, role="hotline_agent")
    with time_machine.travel(NOON, tick=False), tenant_context(hotline):
        wo = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    connection.set_schema_to_public()
    return wo, agent_user


def clocks_of(hotline, wo) -> dict[str, Clock]:
    with tenant_context(hotline):
        return {c.kind: c for c in Clock.objects.filter(work_order_id=wo.pk).order_by("started_at")}


def test_the_hand_off_and_the_departments_answer_stop_their_windows(hotline, network, staff, recorded):
    wo, _agent = recorded
    handoff = clocks_of(hotline, wo)["internal_handoff"]
    assert handoff.due_at - handoff.started_at == dt.timedelta(minutes=30)
    url = f"/work-orders/HQ/{wo.number}/"

    with time_machine.travel(NOON + dt.timedelta(minutes=20), tick=False):
        crm = client_for(network["junda"], staff["crm"])
        refused = crm.post(url + "hand_off/", {"department": "", "head_id": staff["head"].pk})
        assert refused.status_code == 400
        assert "department" in refused.context["hand_off_form"].errors
        early = crm.post(url + "department_answer/", {"result": "已检查"})
        assert early.status_code == 400
        assert "result" in early.context["department_answer_form"].errors
        handed = crm.post(url + "hand_off/", {"department": "service", "head_id": staff["head"].pk})
        assert handed.status_code == 302
    clocks = clocks_of(hotline, wo)
    assert clocks["internal_handoff"].met is True
    result = clocks["department_result"]
    assert result.due_at == NOON + dt.timedelta(minutes=20, hours=48)

    with time_machine.travel(NOON + dt.timedelta(hours=30), tick=False):
        head = client_for(network["junda"], staff["head"])
        answered = head.post(url + "department_answer/", {"result": "线束接触不良，已约车主周四到店"})
        assert answered.status_code == 302
        assert clocks_of(hotline, wo)["department_result"].met is True
        connection.set_schema_to_public()
        page = head.get(url).content.decode()
        assert "线束接触不良，已约车主周四到店" in page
        assert "junda.sm" in page  # the head, by name

        # The hotline sees how many windows run inside the dealership, never them or the answer.
        agent = client_for(hotline, person("hq.sup", hotline, Role.HOTLINE_SUPERVISOR))
        hotline_page = agent.get(f"/work-orders/{wo.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "线束接触不良" not in hotline_page
    assert "Handed to the responsible department's head" not in hotline_page
    assert "Department's result to customer relations" not in hotline_page
    assert "Handed to a department" in hotline_page  # the timeline says it happened


def test_a_missed_hand_off_warns_and_escalates_inside_the_dealership(hotline, network, staff, recorded):
    wo, _agent = recorded
    with tenant_context(hotline):
        clocks_fire_due(NOON + dt.timedelta(minutes=21))  # the warning, 10 minutes before
        clocks_fire_due(NOON + dt.timedelta(minutes=31))  # missed
        fired = {
            e.kind: e.data
            for e in WorkOrder.objects.get(pk=wo.pk).events.filter(data__clock_kind="internal_handoff")
        }
    assert EventKind.CLOCK_WARNING in fired
    assert fired[EventKind.CLOCK_BREACHED]["escalate_to"] == ["dealer_crm_manager"]
    relay_everywhere()
    dispatch_relayed()
    with tenant_context(network["junda"]):
        told = set(Notification.objects.filter(kind__startswith="clock.").values_list("user_id", "kind"))
    assert (staff["crm"].pk, "clock.warning") in told
    assert (staff["crm"].pk, "clock.breached") in told
    assert not any(user == staff["clerk"].pk for user, _kind in told)

    # The hotline's board does not count the dealer's internal window as overdue.
    connection.set_schema_to_public()
    with time_machine.travel(NOON + dt.timedelta(minutes=40), tick=False):
        agent = client_for(hotline, person("hq.sup", hotline, Role.HOTLINE_SUPERVISOR))
        kpis = agent.get("/kpis/", {"since": "2027-03-01", "until": "2027-03-03"}).context["totals"]
        page = agent.get(f"/work-orders/{wo.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert kpis["overdue"] == 0
    assert "1 missed" in page


def test_a_progress_report_reaches_the_hotline_and_tells_the_agent(hotline, network, staff, recorded):
    wo, agent_user = recorded
    crm = client_for(network["junda"], staff["crm"])
    url = f"/work-orders/HQ/{wo.number}/"
    assert crm.post(url + "progress/", {"text": ""}).status_code == 400
    assert crm.post(url + "note/", {"text": "内部：车主脾气急"}).status_code == 302
    assert crm.post(url + "progress/", {"text": "已联系配件中心，预计周五到货"}).status_code == 302

    connection.set_schema_to_public()
    relay_everywhere()
    dispatch_relayed()
    with tenant_context(hotline):
        told = list(
            Notification.objects.filter(kind=EventKind.PROGRESS_REPORTED).values_list("user_id", flat=True)
        )
    assert told == [agent_user.pk]
    connection.set_schema_to_public()
    agent = client_for(hotline, agent_user)
    page = agent.get(f"/work-orders/{wo.number}/").content.decode()
    assert "已联系配件中心，预计周五到货" in page
    assert "车主脾气急" not in page  # the dealer's note stays the dealer's


def test_the_api_hands_off_and_a_stranger_learns_nothing(hotline, network, foreign_dealer, staff, recorded):
    wo, _agent = recorded
    dms = api_client(
        network["junda"], api_key_create(tenant=network["junda"], name="DMS", scope="write").secret
    )
    base = f"/api/v1/work-orders/HQ/{wo.number}/"
    bad = dms.post(
        base + "department/", {"department": "marketing", "head_id": staff["head"].pk}, format="json"
    )
    assert bad.status_code == 400
    assert "department" in bad.json()["errors"]
    stranger = person("x.sm", foreign_dealer, Role.SERVICE_MANAGER)
    not_ours = dms.post(base + "department/", {"department": "parts", "head_id": stranger.pk}, format="json")
    assert not_ours.status_code == 400
    assert "head_id" in not_ours.json()["errors"]
    done = dms.post(
        base + "department/", {"department": "parts", "head_id": staff["clerk"].pk}, format="json"
    )
    assert done.status_code == 200
    with tenant_context(network["junda"]):
        assert DepartmentHandoff.objects.get().department == "parts"

    connection.set_schema_to_public()
    other = network["pengcheng"]
    other_key = api_key_create(tenant=other, name="DMS", scope="write").secret
    answer = api_client(other, other_key).post(base + "department-answer/", {"result": "看看"}, format="json")
    assert answer.status_code == 404
    assert "parts" not in answer.content.decode()
    with tenant_context(network["junda"]):
        assert DepartmentHandoff.objects.get().result == ""


def test_a_department_that_does_not_answer_warns_and_escalates_to_the_crm_manager(
    hotline, network, staff, recorded
):
    wo, _agent = recorded
    url = f"/work-orders/HQ/{wo.number}/"
    with time_machine.travel(NOON + dt.timedelta(minutes=10), tick=False):
        crm = client_for(network["junda"], staff["crm"])
        crm.post(url + "hand_off/", {"department": "parts", "head_id": staff["clerk"].pk})
    due = clocks_of(hotline, wo)["department_result"].due_at
    assert due == NOON + dt.timedelta(minutes=10, hours=48)
    with tenant_context(hotline):
        clocks_fire_due(due - dt.timedelta(hours=8))  # the warning, 8 hours before
        clocks_fire_due(due + dt.timedelta(minutes=1))  # missed
        fired = {
            e.kind: e.data
            for e in WorkOrder.objects.get(pk=wo.pk).events.filter(data__clock_kind="department_result")
        }
    assert EventKind.CLOCK_WARNING in fired
    assert fired[EventKind.CLOCK_BREACHED]["escalate_to"] == ["dealer_crm_manager"]
    connection.set_schema_to_public()
    relay_everywhere()
    dispatch_relayed()
    with tenant_context(network["junda"]):
        told = set(
            Notification.objects.filter(kind__startswith="clock.", work_order_number=wo.number).values_list(
                "user_id", "kind"
            )
        )
    assert (staff["crm"].pk, "clock.warning") in told
    assert (staff["crm"].pk, "clock.breached") in told
