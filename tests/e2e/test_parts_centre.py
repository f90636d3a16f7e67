"""The parts-centre portal in a real browser: a centre's clerk acknowledges a request and ships a
line, and the dealer's work order page shows the shipment. In both languages, on a desktop and a
phone."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from config.actor import Actor
from dealers.gateway import DealerGateway
from hotline.services.work_orders import work_order_create
from tenants.models import PartsCentre, Role

from ..conftest import host_of, join, parts_intake, person
from .conftest import DESKTOP, PHONE, overflows, serious_violations, shoot, signed_in

TEXTS = {
    "zh-CN": {"queue": "配件支持申请", "acknowledged": "已受理", "shipped": "已发货"},
    "en-US": {"queue": "Parts requests", "acknowledged": "Acknowledged", "shipped": "Shipped"},
}


@pytest.fixture
def world(server, manufacturer):
    """A parts work order of 广州骏达 waiting for the 华南 parts centre; the centre's clerk and the
    dealer's parts clerk."""
    junda = join(manufacturer, "gz-junda", "HQ-GD-001", city="广州", name="广州骏达").dealer
    hotline = manufacturer.hotline
    south = PartsCentre.objects.get(manufacturer=manufacturer, code="PC-GZ")
    person("pc.gz", hotline, Role.PARTS_CENTRE_STAFF, parts_centre=south)
    person("junda.parts", junda, Role.PARTS_CLERK)
    agent = Actor(user_id=101, name="李娜", tenant_id=hotline.pk, role="hotline_agent")
    clerk = Actor(user_id=201, name="郑敏", tenant_id=junda.pk, role="dealer_crm_manager")
    with tenant_context(hotline):
        work_order = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=junda.pk)
        )
    with tenant_context(junda):
        gateway = DealerGateway(junda)
        number = work_order.number
        gateway.act(
            "contact", "HQ", number, actor=clerk, at=None, whom="王建华", method="phone",
            reached=True, agreed="配件到货后通知车主进店",
        )  # fmt: skip
        gateway.act("stock", "HQ", number, actor=clerk, result="parts_centre")
        request = gateway.act("parts", "HQ", number, actor=clerk)
    connection.set_schema_to_public()
    return {
        "number": number,
        "request": request.number,
        "hotline": f"http://{host_of(hotline)}:{server}",
        "junda": f"http://{host_of(junda)}:{server}",
    }


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_centres_clerk_acknowledges_and_ships_and_the_dealer_sees_the_shipment(
    new_context, world, locale
):
    words = TEXTS[locale]
    clerk = signed_in(new_context, world["hotline"], "pc.gz", locale, DESKTOP, bypass_csp=True)
    assert clerk.url.endswith("/parts-centre/")  # their start page on the manufacturer's host
    expect(clerk.locator("h1")).to_contain_text(words["queue"])
    row = clerk.locator(f"[data-testid=parts-queue] tr[data-number='{world['request']}']")
    expect(row).to_contain_text(world["number"])
    expect(row).to_contain_text("HQ-GD-001")
    assert serious_violations(clerk) == []
    shoot(clerk, f"parts-centre-queue-{locale}")
    row.locator("a").first.click()

    clerk.click("[data-testid=acknowledge] button")
    expect(clerk.locator("[data-testid=request-state]")).to_have_text(words["acknowledged"])
    ship = clerk.locator("[data-testid=ship-1]")
    ship.locator("input[name='l1-carrier']").fill("顺丰速运")
    ship.locator("button[type=submit]").click()  # no tracking number: named on its field
    expect(clerk.locator("[data-testid=ship-1] #id_l1-tracking_number_error")).to_be_visible()
    clerk.locator("[data-testid=ship-1] input[name='l1-tracking_number']").fill("SF7788990011")
    clerk.locator("[data-testid=ship-1] button[type=submit]").click()
    expect(clerk.locator("[data-testid=line-1] [data-testid=line-state]")).to_have_text(words["shipped"])
    expect(clerk.locator("[data-testid=ship-1]")).to_have_count(0)
    assert serious_violations(clerk) == []

    dealer = signed_in(new_context, world["junda"], "junda.parts", locale, DESKTOP)
    dealer.goto(f"{world['junda']}/work-orders/HQ/{world['number']}/")
    shipment = dealer.locator("[data-testid=parts-request]")
    expect(shipment).to_contain_text("SF7788990011")
    expect(shipment.locator(".line-shipped")).to_have_count(1)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_portal_fits_a_phone_and_keeps_to_the_centre(new_context, world, locale):
    clerk = signed_in(new_context, world["hotline"], "pc.gz", locale, PHONE)
    assert overflows(clerk) <= 0
    clerk.goto(f"{world['hotline']}/parts-centre/{world['request']}/")
    expect(clerk.locator("[data-testid=ship-2]")).to_be_visible()
    assert overflows(clerk) <= 0
    answer = clerk.goto(f"{world['hotline']}/work-orders/")
    assert answer is not None
    assert answer.status == 403
