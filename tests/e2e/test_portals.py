"""The two portals in a real browser: a parts-shortage work order from the call to its closure, live."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from config.actor import Actor
from hotline.services.work_orders import work_order_create
from parts_tickets import services as parts
from parts_tickets.models import PartsRequest
from tenants.models import Role

from ..conftest import VIN, authenticator_for, host_of, join, parts_intake, person
from .conftest import fill_conclusion, shoot, signed_in


@pytest.fixture
def world(server, manufacturer):
    """华骐's hotline with an agent and a supervisor; two dealers in 广州 and 深圳, each with staff."""
    junda = join(manufacturer, "gz-junda", "HQ-GD-001", city="广州", name="广州骏达").dealer
    pengcheng = join(manufacturer, "sz-pengcheng", "HQ-GD-002", city="深圳", name="深圳鹏程").dealer
    hotline = manufacturer.hotline
    person("hq.agent", hotline, Role.HOTLINE_AGENT)
    person("hq.supervisor", hotline, Role.HOTLINE_SUPERVISOR)
    for user in (
        person("junda.crm", junda, Role.DEALER_CRM_MANAGER),
        person("pc.crm", pengcheng, Role.DEALER_CRM_MANAGER),
    ):
        authenticator_for(user)  # dealer managers sign in with a second factor
    connection.set_schema_to_public()
    return {
        "manufacturer": manufacturer,
        "hotline": hotline,
        "junda": junda,
        "pengcheng": pengcheng,
        "url": {
            name: f"http://{host_of(t)}:{server}"
            for name, t in (("hotline", hotline), ("junda", junda), ("pengcheng", pengcheng))
        },
    }


def live(page) -> None:
    """Wait until the page's live subscriptions are confirmed by the server."""
    expect(page.locator("body[data-live-state=open]")).to_have_count(1)


def recorded_for_junda(world) -> tuple[str, str]:
    """A parts work order the agent 李娜 recorded for 广州骏达: its number and the manufacturer's code."""
    hotline = world["hotline"]
    with tenant_context(hotline):
        work_order = work_order_create(
            manufacturer=world["manufacturer"],
            actor=Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent"),
            intake=parts_intake(dealer_id=world["junda"].pk),
        )
    connection.set_schema_to_public()
    return work_order.number, world["manufacturer"].code


def fill_intake(page, lines: list[tuple[str, str, str]]) -> None:
    page.select_option("select[name=type]", "parts_shortage")
    page.select_option("select[name=category]", "parts_shortage")
    page.fill("textarea[name=complaint]", "前大灯闪烁，服务站称需更换总成但无库存。")
    page.fill("input[name=owner_name]", "王建华")
    page.fill("input[name=owner_mobile]", "13802561234")
    page.fill("input[name=owner_city]", "广州")
    page.fill("input[name=vehicle_vin]", VIN)
    page.fill("input[name=vehicle_plate]", "粤A3K8M2")
    page.fill("input[name=vehicle_model]", "华骐 S5")
    for i, (code, name, quantity) in enumerate(lines):
        page.click("[data-testid=add-line]")
        page.locator("input[name=part_code]").nth(i).fill(code)
        page.locator("input[name=part_name]").nth(i).fill(name)
        page.locator("input[name=quantity]").nth(i).fill(quantity)


def parts_centre_ships(world, number: str) -> None:
    """The regional parts centre acknowledges and ships every line (its API calls these services)."""
    centre = Actor(user_id=None, name="华南配件分中心", tenant_id=None, role="parts_centre")
    with tenant_context(world["hotline"]):
        request = PartsRequest.objects.get(work_order__number=number)
        parts.parts_request_acknowledge(
            request_id=request.pk, parts_centre_id=request.parts_centre_id, actor=centre
        )
        for line in request.lines.all():
            parts.parts_line_ship(
                request_id=request.pk,
                parts_centre_id=request.parts_centre_id,
                line_no=line.line_no,
                carrier="顺丰",
                tracking_number=f"SF90{line.line_no}",
                actor=centre,
            )
    connection.set_schema_to_public()


def test_a_parts_work_order_from_the_call_to_its_closure_live_on_both_portals(world, new_context):
    agent = signed_in(new_context, world["url"]["hotline"], "hq.agent")
    dealer = signed_in(new_context, world["url"]["junda"], "junda.crm", locale="en-US")
    dealer.goto(world["url"]["junda"] + "/work-orders/")
    live(dealer)
    shoot(dealer, "dealer-inbox-empty")

    # The agent records the call; it goes to the dealer in the owner's city.
    agent.goto(f"{world['url']['hotline']}/work-orders/new/")
    fill_intake(agent, [("HQ-37110-01", "前大灯总成", "1"), ("HQ-80210-07", "鼓风机", "2")])
    expect(agent.locator("[data-testid=suggestion]")).to_contain_text("广州骏达")
    shoot(agent, "hotline-intake")
    agent.click("[data-testid=save-work-order]")
    expect(agent.locator("[data-testid=state]")).to_have_attribute("data-state", "dispatched")
    number = agent.url.rstrip("/").rsplit("/", 1)[-1]
    live(agent)

    # The dealer's inbox shows it without a reload.
    row = dealer.locator(f"tr[data-number='{number}']")
    expect(row).to_be_visible()
    expect(row.locator("[data-testid=clock]")).to_have_class("clock clock-ok")
    shoot(dealer, "dealer-inbox")

    # First contact, stock check, parts request: the agent's page follows live.
    row.locator("a").click()
    live(dealer)
    dealer.fill("[data-testid=contact-form] input[name=whom]", "王建华")
    dealer.select_option("[data-testid=contact-form] select[name=reached]", "yes")
    dealer.fill("[data-testid=contact-form] textarea[name=agreed]", "已致电车主，确认缺件，配件到店后通知。")
    dealer.click("[data-testid=contact-form] button[type=submit]")
    expect(dealer.locator("[data-testid=state]")).to_have_attribute("data-state", "processing")
    expect(agent.locator("[data-testid=state]")).to_have_attribute("data-state", "processing")

    dealer.select_option("[data-testid=stock-form] select[name=result]", "parts_centre")
    dealer.click("[data-testid=stock-form] button[type=submit]")
    expect(dealer.locator("[data-testid=parts-form] input[name=part_code]")).to_have_count(2)
    dealer.click("[data-testid=parts-form] button[type=submit]")
    expect(dealer.locator("[data-testid=state]")).to_have_attribute("data-state", "awaiting_parts")
    expect(agent.locator("[data-testid=state]")).to_have_attribute("data-state", "awaiting_parts")
    expect(agent.locator("[data-testid=parts-request]")).to_be_visible()

    # The parts centre ships; both pages show it without a reload.
    parts_centre_ships(world, number)
    expect(dealer.locator("[data-testid=parts-request] .line-shipped")).to_have_count(2)
    expect(agent.locator("[data-testid=parts-request] .line-shipped")).to_have_count(2)
    shoot(dealer, "dealer-work-order")

    dealer.click("[data-testid=received-form] button[type=submit]")
    expect(dealer.locator("[data-testid=state]")).to_have_attribute("data-state", "processing")
    dealer.locator("[data-testid=resolve-form]").locator("xpath=..").locator("summary").click()
    dealer.fill(
        "[data-testid=resolve-form] textarea[name=result_summary]", "更换前大灯总成和鼓风机，试车正常。"
    )
    fill_conclusion(dealer)
    dealer.click("[data-testid=resolve-form] button[type=submit]")
    expect(dealer.locator("[data-testid=state]")).to_have_attribute("data-state", "resolved")

    # The agent calls the owner back and the work order closes.
    expect(agent.locator("[data-testid=state]")).to_have_attribute("data-state", "resolved")
    expect(agent.locator("[data-testid=callback-form]")).to_be_visible()
    shoot(agent, "hotline-work-order")
    agent.fill("[data-testid=callback-form] input[name=score]", "9")
    agent.select_option("[data-testid=callback-form] select[name=solved]", "yes")
    agent.click("[data-testid=callback-form] button[type=submit]")
    expect(agent.locator("[data-testid=state]")).to_have_attribute("data-state", "closed")
    expect(dealer.locator("[data-testid=state]")).to_have_attribute("data-state", "closed")

    # The board and the notification centre.
    agent.goto(f"{world['url']['hotline']}/work-orders/?state=all")
    expect(agent.locator(f"#rows tr[data-number='{number}']")).to_be_visible()
    shoot(agent, "hotline-board")
    agent.goto(f"{world['url']['hotline']}/kpis/")
    expect(agent.locator("[data-testid=kpi-chart]")).to_be_visible()
    shoot(agent, "hotline-kpis")
    dealer.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright
    shoot(dealer, "dealer-work-order-tablet")
    dealer.goto(f"{world['url']['junda']}/notifications/")
    expect(dealer.locator("[data-testid=notification-group]").first).to_be_visible()
    shoot(dealer, "dealer-notifications")


def test_the_parts_editor_never_offers_a_seventh_line(world, new_context):
    agent = signed_in(new_context, world["url"]["hotline"], "hq.agent", locale="en-US")
    agent.goto(f"{world['url']['hotline']}/work-orders/new/")
    for _n in range(6):
        agent.click("[data-testid=add-line]")

    expect(agent.locator("[data-testid=part-lines] [data-row]")).to_have_count(6)
    expect(agent.locator("[data-testid=add-line]")).to_be_disabled()
    agent.locator("[data-testid=add-line]").click(force=True)
    expect(agent.locator("[data-testid=part-lines] [data-row]")).to_have_count(6)


def test_an_overdue_clock_shows_as_overdue(world, new_context):
    with tenant_context(world["hotline"]):
        work_order = work_order_create(
            manufacturer=world["manufacturer"],
            intake=parts_intake(dealer_id=world["junda"].pk),
            actor=Actor(user_id=None, name="李娜", tenant_id=world["hotline"].pk, role="hotline_agent"),
        )
        due = work_order.clocks.order_by("due_at").first().due_at
    connection.set_schema_to_public()
    dealer = signed_in(new_context, world["url"]["junda"], "junda.crm", locale="en-US")
    dealer.goto(world["url"]["junda"] + "/work-orders/")
    # Three hours later by the browser's clock: the first-contact window (2 h) has passed.
    dealer.clock.set_system_time(due + dt.timedelta(hours=1))
    dealer.reload()

    clock = dealer.locator(f"tr[data-number='{work_order.number}'] [data-testid=clock]")
    expect(clock).to_have_class("clock clock-over")
    expect(clock).to_contain_text("overdue by 1h")


def test_a_dealer_cannot_open_another_dealers_work_order(world, new_context):
    with tenant_context(world["hotline"]):
        number = work_order_create(
            manufacturer=world["manufacturer"],
            intake=parts_intake(dealer_id=world["junda"].pk),
            actor=Actor(user_id=None, name="李娜", tenant_id=world["hotline"].pk, role="hotline_agent"),
        ).number
    connection.set_schema_to_public()
    stranger = signed_in(new_context, world["url"]["pengcheng"], "pc.crm", locale="en-US")

    response = stranger.goto(f"{world['url']['pengcheng']}/work-orders/HQ/{number}/")
    assert response.status == 404
    expect(stranger.locator("body")).not_to_contain_text("王建华")
    stranger.goto(world["url"]["pengcheng"] + "/work-orders/")
    expect(stranger.locator("[data-testid=inbox]")).not_to_contain_text(number)


@pytest.mark.parametrize(
    ("locale", "expected", "foreign"),
    [
        ("zh-CN", ["工单", "新建工单", "通知"], ["Board", "New work order", "Notifications", "Sign out"]),
        ("en-US", ["Board", "New work order", "Notifications"], ["新建工单", "退出"]),
    ],
)
def test_pages_render_in_the_browsers_language(world, new_context, locale, expected, foreign):
    agent = signed_in(new_context, world["url"]["hotline"], "hq.agent", locale=locale)
    for path in (
        "/work-orders/",
        "/work-orders/new/",
        "/queues/",
        "/kpis/",
        "/notifications/",
        "/administration/",
        "/administration/calendar/",
    ):
        agent.goto(world["url"]["hotline"] + path)
        text = agent.locator("body").inner_text()
        for word in expected:
            assert word in text, (path, word)
        for word in foreign:
            assert word not in text, (path, word)
    if locale == "zh-CN":
        shoot(agent, "hotline-calendar")
        agent.goto(world["url"]["hotline"] + "/administration/")
        shoot(agent, "hotline-administration")
        agent.goto(world["url"]["hotline"] + "/notifications/")
        shoot(agent, "hotline-notifications")


def test_where_the_car_stands_is_asked_only_for_a_rescue(world, new_context):
    agent = signed_in(new_context, world["url"]["hotline"], "hq.agent", locale="en-US")
    agent.goto(f"{world['url']['hotline']}/work-orders/new/")
    location = agent.locator("[data-testid=rescue-location]")

    expect(location).to_be_hidden()
    agent.select_option("[name=type]", "rescue")
    expect(location).to_be_visible()
    agent.fill("[name=location_city]", "深圳")
    agent.select_option("[name=type]", "complaint")
    expect(location).to_be_hidden()
    # What was typed there for a rescue is not sent with another type (the server refuses a
    # location for any other), and comes back if the type goes back to rescue.
    fill_intake(agent, [("HQ-37110-01", "前大灯总成", "1")])
    agent.select_option("[name=type]", "rescue")
    expect(agent.locator("[name=location_city]")).to_have_value("深圳")
    agent.select_option("[name=type]", "parts_shortage")
    agent.click("[data-testid=save-work-order]")
    expect(agent.locator("[data-testid=state]")).to_have_attribute("data-state", "dispatched")
