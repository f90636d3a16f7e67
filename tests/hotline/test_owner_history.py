"""The owner's history beside the work order: the hotline sees every earlier complaint, vehicle and
callback; a dealer sees only the work orders it handles and its own callbacks, never another
dealer's."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from hotline.models import CallbackAttempt, WorkOrder
from hotline.services.work_orders import work_order_create
from tenants.models import Role

from ..conftest import OTHER_VIN, client_for, parts_intake, person, vehicle

pytestmark = pytest.mark.django_db

PENGCHENG_COMPLAINT = "鹏程服务站喷漆色差，车主要求重喷。"


def _table(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</table>", start)]


@pytest.fixture
def earlier(manufacturer, network, agent, hotline):
    """Two earlier complaints of the same owner: one handled by 骏达 (with the dealer's callback),
    one by 鹏程 on another car (with the hotline's callback), then today's, again at 骏达."""
    with tenant_context(hotline):
        at_junda = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
        at_pengcheng = work_order_create(
            manufacturer=manufacturer,
            actor=agent,
            intake=parts_intake(
                type="complaint",
                category="repair_quality",
                complaint=PENGCHENG_COMPLAINT,
                part_lines=[],
                dealer_id=network["pengcheng"].pk,
                vehicle=vehicle(vin=OTHER_VIN, plate="粤B7Q1N5", model="华骐 X7"),
            ),
        )
        now = timezone.now()
        CallbackAttempt.objects.create(
            work_order=at_junda,
            at=now,
            agent_id=201,
            party="dealer",
            dealer_id=network["junda"].pk,
            method="phone",
            outcome="reached",
            score=8,
            solved=True,
        )
        CallbackAttempt.objects.create(
            work_order=at_pengcheng,
            at=now,
            agent_id=101,
            party="hotline",
            method="phone",
            outcome="reached",
            score=3,
            solved=False,
        )
        today = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    return {"junda": at_junda.number, "pengcheng": at_pengcheng.number, "today": today.number}


def test_the_hotline_sees_every_earlier_complaint_vehicle_and_callback(hotline, hotline_agent, earlier):
    client = client_for(hotline, hotline_agent)
    page = client.get(f"/work-orders/{earlier['today']}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    history = page[page.index('data-testid="owner-history"') :]
    assert "2 other work orders, 0 open." not in history  # both earlier ones are still open
    assert "2 other work orders, 2 open." in history
    assert earlier["junda"] in history
    assert earlier["pengcheng"] in history
    assert "华骐 X7" in history
    assert "粤B7Q1N5" in history
    assert "HQ-GD-002" in history  # which dealer had it
    callbacks = _table(history, "owner-history-callbacks")
    assert callbacks.count("<tr>") == 3  # the header and both callbacks


def test_the_history_is_in_chinese_for_a_chinese_reader(hotline, hotline_agent, earlier):
    client = client_for(hotline, hotline_agent)
    page = client.get(f"/work-orders/{earlier['today']}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "车主的历史记录" in page
    assert "另有 2 张工单，2 张未结。" in page


def test_a_dealer_sees_only_its_own_earlier_work_orders_and_callbacks(manufacturer, network, earlier):
    junda = network["junda"]
    client = client_for(junda, person("junda.crm", junda, Role.DEALER_CRM_MANAGER))
    page = client.get(
        f"/work-orders/{manufacturer.code}/{earlier['today']}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    history = page[page.index('data-testid="owner-history"') :]
    assert "1 other work order, 1 open." in history
    assert earlier["junda"] in history
    assert earlier["pengcheng"] not in page
    assert PENGCHENG_COMPLAINT not in page
    assert "HQ-GD-002" not in page  # nothing says another dealer had a complaint about this owner
    callbacks = _table(history, "owner-history-callbacks")
    assert callbacks.count("<tr>") == 2  # the header and its own callback; not the hotline's on 鹏程's


def test_a_first_complaint_shows_no_history(manufacturer, network, agent, hotline, hotline_agent):
    with tenant_context(hotline):
        first = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    page = client_for(hotline, hotline_agent).get(f"/work-orders/{first.number}/").content.decode()
    assert 'data-testid="owner-history"' not in page
    with tenant_context(hotline):
        assert WorkOrder.objects.count() == 1
