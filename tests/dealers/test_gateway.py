"""The dealer's inbox, filtered in each hotline's schema through the gateway."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import tenant_context

from config.listing import Cursor
from dealers.gateway import DealerGateway
from hotline.models import Clock
from hotline.services.work_orders import work_order_create
from tenants.models import Role

from ..conftest import owner, parts_intake, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_work_orders(manufacturer, network, agent, hotline):
    """Junda's: one overdue, one in processing for 王建华, one major for 李雷."""
    with tenant_context(hotline):
        made = [
            work_order_create(
                manufacturer=manufacturer,
                actor=agent,
                intake=parts_intake(
                    dealer_id=network["junda"].pk, owner=owner(name=name, mobile=mobile), **extra
                ),
            )
            for name, mobile, extra in (
                ("张三", "13900000001", {}),
                ("王建华", "13900000002", {}),
                ("李雷", "13900000003", {"severity": "major"}),
            )
        ]
        past = made[0].received_at - dt.timedelta(hours=1)
        Clock.objects.filter(work_order=made[0], kind="first_contact").update(due_at=past)
    return made


def numbers(rows) -> set[str]:
    return {row.work_order.number for row in rows}


def test_the_inbox_filters_in_the_database(three_work_orders, junda_gateway, dealer_actor):
    late, processing, major = three_work_orders
    junda_gateway.act(
        "contact", "HQ", processing.number, actor=dealer_actor, at=None, whom="王建华", method="phone",
        reached=True, agreed="约明天进店",
    )  # fmt: skip
    advisor = person("advisor", junda_gateway.dealer, Role.SERVICE_ADVISOR)
    junda_gateway.act("assign", "HQ", major.number, actor=dealer_actor, assignee_id=advisor.pk)

    assert numbers(junda_gateway.inbox()) == {late.number, processing.number, major.number}
    assert numbers(junda_gateway.inbox(overdue=True)) == {late.number}
    assert numbers(junda_gateway.inbox(state="processing")) == {processing.number}
    assert numbers(junda_gateway.inbox(severity="major")) == {major.number}
    assert numbers(junda_gateway.inbox(q="王建")) == {processing.number}
    assert numbers(junda_gateway.inbox(q=late.number[-5:])) == {late.number}
    assert numbers(junda_gateway.inbox(assignee_id=advisor.pk)) == {major.number}
    [row] = junda_gateway.inbox(overdue=True)
    assert row.overdue is True


def test_the_inbox_finds_a_partial_mobile_and_a_vin(three_work_orders, junda_gateway):
    late, _processing, _major = three_work_orders

    assert numbers(junda_gateway.inbox(q="00000001")) == {late.number}
    assert len(junda_gateway.inbox(q="RG10023")) == 3


def test_inbox_pages_merge_every_network_in_one_order_without_a_cap(
    manufacturer, other_manufacturer, agent, hotline
):
    from ..conftest import join

    junda = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    join(other_manufacturer, "gz-junda", "DY-GD-001")
    for maker, count in ((manufacturer, 4), (other_manufacturer, 3)):
        with tenant_context(maker.hotline):
            for i in range(count):
                work_order_create(
                    manufacturer=maker,
                    actor=agent,
                    intake=parts_intake(dealer_id=junda.pk, owner=owner(mobile=f"1390000{i:04d}")),
                )
    seen, cursor, pages = [], None, 0
    with tenant_context(junda):
        gateway = DealerGateway(junda)
        while True:
            page = gateway.inbox_page(sort="-age", cursor=cursor, size=3)
            pages += 1
            seen += [(row.manufacturer.code, row.work_order.received_at) for row in page.rows]
            assert page.total == 7
            if page.next is None:
                break
            cursor = Cursor.decode(page.next)

    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert [at for _code, at in seen] == sorted((at for _code, at in seen), reverse=True)
