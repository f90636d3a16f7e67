"""A whole working day on the portals, in a real browser: start pages, lists, search, phones,
forms, the language switch and an accessibility check of every main page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from config.actor import Actor
from hotline.models import Clock
from hotline.services.work_orders import work_order_create
from tenants.models import Role

from ..conftest import authenticator_for, host_of, join, owner, parts_intake, person
from .conftest import DESKTOP, PHONE, overflows, serious_violations, shoot
from .conftest import signed_in as sign_in


@pytest.fixture
def day(server, manufacturer):
    """华骐's hotline (agent, supervisor, administrator) and 广州骏达 (its CRM manager), with a day's
    work: six open work orders, one of them overdue, one awaiting parts."""
    junda = join(manufacturer, "gz-junda", "HQ-GD-001", city="广州", name="广州骏达").dealer
    hotline = manufacturer.hotline
    person("hq.agent", hotline, Role.HOTLINE_AGENT)
    authenticator_for(person("hq.supervisor", hotline, Role.HOTLINE_SUPERVISOR))
    crm = person("junda.crm", junda, Role.DEALER_CRM_MANAGER)
    authenticator_for(crm)  # supervisors and dealer managers sign in with a second factor
    agent = Actor(user_id=None, name="李娜", tenant_id=hotline.pk, role="hotline_agent")
    names = ["王建华", "李雷", "韩梅梅", "张伟", "刘洋", "陈静"]
    with tenant_context(hotline):
        made = [
            work_order_create(
                manufacturer=manufacturer,
                actor=agent,
                intake=parts_intake(
                    dealer_id=junda.pk,
                    owner=owner(name=name, mobile=f"1380256{i:04d}"),
                    **(
                        {}
                        if i == 0
                        else {"type": "complaint", "category": "service_attitude", "part_lines": []}
                    ),
                    **({} if i == 0 else {"vehicle": None}),
                ),
            )
            for i, name in enumerate(names)
        ]
        late = made[1]
        Clock.objects.filter(work_order=late, kind="first_contact").update(
            due_at=late.received_at - dt.timedelta(minutes=30)
        )
    connection.set_schema_to_public()
    return {
        "junda": junda,
        "crm": crm,
        "numbers": [w.number for w in made],
        "late": late.number,
        "url": {
            name: f"http://{host_of(t)}:{server}" for name, t in (("hotline", hotline), ("junda", junda))
        },
    }


def signed_in(new_context, base: str, username: str, locale: str = "zh-CN", viewport=DESKTOP):
    return sign_in(new_context, base, username, locale, viewport, bypass_csp=True)


def main_pages(day) -> dict[str, list[str]]:
    first = day["numbers"][0]
    return {
        "hotline": [
            "/",
            "/work-orders/",
            "/work-orders/?q=0256",
            "/work-orders/new/",
            f"/work-orders/{first}/",
            "/queues/",
            "/kpis/",
            "/notifications/",
            "/notifications/preferences/",
            "/network/",
            "/administration/",
        ],
        "junda": [
            "/",
            "/work-orders/",
            f"/work-orders/HQ/{first}/",
            "/kpis/",
            "/notifications/",
            "/notifications/preferences/",
            "/administration/robots/",
        ],
    }


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_every_main_page_fits_the_screen_and_has_no_serious_accessibility_violation(
    day, new_context, locale, viewport
):
    who = {"hotline": "hq.supervisor", "junda": "junda.crm"}
    for portal, paths in main_pages(day).items():
        page = signed_in(new_context, day["url"][portal], who[portal], locale, viewport)
        for path in paths:
            page.goto(day["url"][portal] + path)
            expect(page.locator("main#main")).to_be_visible()
            assert overflows(page) <= 0, (portal, path, viewport)
            assert serious_violations(page) == [], (portal, path, viewport, locale)
        page.context.close()


def test_the_start_pages_count_the_day_and_follow_it_live(day, new_context, manufacturer):
    boss = signed_in(new_context, day["url"]["hotline"], "hq.supervisor")
    dealer = signed_in(new_context, day["url"]["junda"], "junda.crm", "en-US")
    for page in (boss, dealer):
        expect(page.locator("body[data-live-state=open]")).to_have_count(1)
    expect(boss.locator("[data-testid=fig-intake-today] b")).to_have_text("6")
    expect(boss.locator("[data-testid=fig-overdue] b")).to_have_text("1")
    expect(dealer.locator("[data-testid=fig-overdue] b")).to_have_text("1")
    shoot(boss, "hotline-dashboard")
    shoot(dealer, "dealer-dashboard")

    with tenant_context(manufacturer.hotline):
        work_order_create(
            manufacturer=manufacturer,
            actor=Actor(user_id=None, name="李娜", tenant_id=manufacturer.hotline_id, role="hotline_agent"),
            intake=parts_intake(dealer_id=day["junda"].pk, owner=owner(mobile="13900009999")),
        )
    connection.set_schema_to_public()

    # Both start pages change without a reload; screen readers hear that they did.
    expect(boss.locator("[data-testid=fig-intake-today] b")).to_have_text("7")
    # Every open work order's hand-off to a department is due within 30 minutes: all seven.
    expect(dealer.locator("[data-testid=fig-due-soon] b")).to_have_text("7")
    expect(boss.locator("[data-live-status]")).not_to_be_empty()

    # A figure opens the list it counts.
    boss.click("[data-testid=fig-overdue]")
    expect(boss.locator("#rows tr[data-number]")).to_have_count(1)
    expect(boss.locator(f"#rows tr[data-number='{day['late']}']")).to_be_visible()


def test_lists_sort_page_search_and_show_on_a_phone_as_cards(day, new_context):
    agent = signed_in(new_context, day["url"]["hotline"], "hq.agent", "en-US")
    agent.goto(day["url"]["hotline"] + "/work-orders/")
    expect(agent.locator("[data-testid=window]").first).to_be_visible()
    agent.click("th[data-sort=age] a")
    expect(agent.locator("th[data-sort=age]")).to_have_attribute("aria-sort", "ascending")
    assert agent.locator("#rows tr[data-number]").first.get_attribute("data-number") == day["numbers"][0]
    agent.click("th[data-sort=age] a")
    expect(agent.locator("th[data-sort=age]")).to_have_attribute("aria-sort", "descending")
    assert agent.locator("#rows tr[data-number]").first.get_attribute("data-number") == day["numbers"][-1]
    shoot(agent, "hotline-board")

    # The top bar's search finds part of a mobile number.
    agent.fill("#global-q", "02560003")
    agent.press("#global-q", "Enter")
    expect(agent.locator("#rows tr[data-number]")).to_have_count(1)
    expect(agent.locator(f"#rows tr[data-number='{day['numbers'][3]}']")).to_be_visible()

    # The dealer finds it by mobile too, and on a phone each work order is a card with its clock.
    dealer = signed_in(new_context, day["url"]["junda"], "junda.crm", "zh-CN", PHONE)
    dealer.fill("#global-q", "02560003")
    dealer.press("#global-q", "Enter")
    expect(dealer.locator("#rows tr[data-number]")).to_have_count(1)
    dealer.goto(day["url"]["junda"] + "/work-orders/")
    card = dealer.locator(f"#rows tr[data-number='{day['late']}']")
    expect(card.locator("[data-testid=clock]")).to_be_visible()
    expect(card.locator("[data-testid=clock]")).to_have_class("clock clock-over")
    box = card.bounding_box()
    assert box is not None
    assert box["width"] <= PHONE[0]
    assert overflows(dealer) <= 0
    shoot(dealer, "dealer-inbox-phone")
    dealer.goto(day["url"]["junda"] + "/")
    shoot(dealer, "dealer-dashboard-phone")


def test_the_intake_says_every_error_at_once_and_takes_the_reader_to_them(day, new_context):
    agent = signed_in(new_context, day["url"]["hotline"], "hq.agent", "en-US")
    agent.goto(day["url"]["hotline"] + "/work-orders/new/")
    agent.fill("input[name=owner_mobile]", "13802561234")
    agent.fill("input[name=vehicle_vin]", "NOT-A-VIN")
    expect(agent.locator("label[for=id_vehicle_model] abbr.required")).to_be_visible()
    agent.click("[data-testid=save-work-order]")

    summary = agent.locator("[data-testid=error-summary]")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_owner_name']")).to_be_visible()
    expect(summary.locator("a[href='#id_vehicle_vin']")).to_be_visible()
    expect(summary.locator("a[href='#id_complaint']")).to_be_visible()
    summary.locator("a[href='#id_vehicle_vin']").click()
    expect(agent.locator("#id_vehicle_vin")).to_be_focused()


@pytest.mark.parametrize(
    ("start", "switch_to", "word"), [("zh-CN", "English", "Board"), ("en-US", "简体中文", "工单")]
)
def test_the_language_switch_in_the_top_bar_works(day, new_context, start, switch_to, word):
    agent = signed_in(new_context, day["url"]["hotline"], "hq.agent", start)
    agent.goto(day["url"]["hotline"] + "/work-orders/")
    agent.click(f"[data-testid=language] button:has-text('{switch_to}')")

    expect(agent.locator("nav.main")).to_contain_text(word)
    expect(agent).to_have_url(day["url"]["hotline"] + "/work-orders/")


def test_a_keyboard_reader_skips_to_the_content_and_knows_where_they_are(day, new_context):
    agent = signed_in(new_context, day["url"]["hotline"], "hq.agent", "en-US")
    agent.goto(day["url"]["hotline"] + "/queues/")
    agent.keyboard.press("Tab")
    skip = agent.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    agent.keyboard.press("Enter")
    expect(agent.locator("main#main")).to_be_focused()
    expect(agent.locator("nav.main a[aria-current=page]")).to_have_text("Queues")
    expect(agent.locator("link[rel=icon]")).to_have_count(1)
    icon = agent.goto(day["url"]["hotline"] + "/favicon.ico")
    assert icon is not None
    assert icon.ok
    assert "svg" in icon.headers["content-type"]
