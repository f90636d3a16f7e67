"""Work order fixtures, set up through the real services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from config.actor import Actor
from dealers.gateway import DealerGateway
from hotline.services.work_orders import Intake, work_order_create
from hotline.vin import with_check_digit
from tenants.models import Manufacturer, Tenant

from ..conftest import join

VIN = with_check_digit("LHKS5A2B0RG100231")
OTHER_VIN = with_check_digit("LHKX5P4C0SH200517")


def owner(**changes: str) -> dict:
    return {
        "name": "王建华",
        "gender": "male",
        "mobile": "13802561234",
        "province": "广东",
        "city": "广州",
        "address": "天河区体育西路 103 号",
        **changes,
    }


def vehicle(**changes: object) -> dict:
    return {
        "vin": VIN,
        "plate": "粤A3K8M2",
        "model": "华骐 S5",
        "purchase_date": "2024-05-18",
        "mileage_km": 28650,
        **changes,
    }


LINES = [
    {"part_code": "HQ-37110-01", "part_name": "前大灯总成", "quantity": 1},
    {"part_code": "HQ-80210-07", "part_name": "鼓风机", "quantity": 2},
]


def parts_intake(**changes: object) -> Intake:
    values = {
        "type": "parts_shortage",
        "category": "parts_shortage",
        "channel": "phone",
        "complaint": "前大灯闪烁，服务站称需更换总成但无库存。",
        "owner": owner(),
        "vehicle": vehicle(),
        "part_lines": [dict(x) for x in LINES],
    }
    values.update(changes)
    return Intake(**values)


@pytest.fixture
def network(manufacturer: Manufacturer) -> dict[str, Tenant]:
    """Two active dealers in 广州 and 深圳 (region SOUTH), one inactive in 佛山."""
    from tenants.models import NetworkMembership

    junda = join(manufacturer, "gz-junda", "HQ-GD-001", city="广州").dealer
    pengcheng = join(manufacturer, "sz-pengcheng", "HQ-GD-002", city="深圳").dealer
    chancheng = join(manufacturer, "fs-chancheng", "HQ-GD-003", city="佛山").dealer
    NetworkMembership.objects.filter(dealer=chancheng).update(is_active=False)
    return {"junda": junda, "pengcheng": pengcheng, "chancheng": chancheng}


@pytest.fixture
def foreign_dealer(other_manufacturer: Manufacturer) -> Tenant:
    """A dealer of another manufacturer's network only."""
    return join(other_manufacturer, "cs-xingsha", "DY-HN-001", city="长沙").dealer


@pytest.fixture
def agent(hotline: Tenant) -> Actor:
    return Actor(user_id=101, name="李娜", tenant_id=hotline.pk, role="hotline_agent")


@pytest.fixture
def supervisor(hotline: Tenant) -> Actor:
    return Actor(user_id=102, name="王强", tenant_id=hotline.pk, role="hotline_supervisor")


@pytest.fixture
def admin(hotline: Tenant) -> Actor:
    return Actor(user_id=103, name="张伟", tenant_id=hotline.pk, role="hotline_admin")


@pytest.fixture
def dealer_actor(network: dict[str, Tenant]) -> Actor:
    return Actor(user_id=201, name="黄丽", tenant_id=network["junda"].pk, role="dealer_crm_manager")


@pytest.fixture
def in_hotline(hotline: Tenant) -> Iterator[None]:
    with tenant_context(hotline):
        yield
    connection.set_schema_to_public()


@pytest.fixture
def parts_work_order(manufacturer, network, agent, in_hotline):
    return work_order_create(
        manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
    )


@pytest.fixture
def junda_gateway(network: dict[str, Tenant]) -> Iterator[DealerGateway]:
    with tenant_context(network["junda"]):
        yield DealerGateway(network["junda"])
