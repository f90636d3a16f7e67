"""The notification centre in a real browser, in both languages: one entry per work order with
what happened last and how many changes are unread, opened to see each; a work order marked
read; the tab's title counts the unread and follows live."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from config.actor import Actor
from hotline.services.notes import owner_call_log
from hotline.services.work_orders import work_order_create
from notifications.models import Notification

from ..conftest import parts_intake, wait_for
from .conftest import signed_in
from .test_portals import world  # noqa: F401 (the fixture)


def _told(dealer, user_count: int) -> bool:
    with tenant_context(dealer):
        return Notification.objects.count() >= user_count


@pytest.mark.parametrize(
    ("locale", "called", "unread"),
    [
        ("zh-CN", "的车主致电热线：车主询问进展", "2 条未读"),
        ("en-GB", "called the hotline: Asks about progress", "2 unread"),
    ],
)
def test_notifications_are_grouped_per_work_order_and_the_tab_counts_them(
    world,  # noqa: F811
    new_context,
    locale,
    called,
    unread,
):
    hotline, junda = world["hotline"], world["junda"]
    agent = Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent")
    with tenant_context(hotline):
        first = work_order_create(
            manufacturer=world["manufacturer"], actor=agent, intake=parts_intake(dealer_id=junda.pk)
        )
        second = work_order_create(
            manufacturer=world["manufacturer"], actor=agent, intake=parts_intake(dealer_id=junda.pk)
        )
        owner_call_log(work_order_id=first.pk, actor=agent, topic="chasing", summary="三天没人联系")
    connection.set_schema_to_public()
    assert wait_for(lambda: _told(junda, 3))
    connection.set_schema_to_public()

    page = signed_in(new_context, world["url"]["junda"], "junda.crm", locale=locale)
    page.goto(f"{world['url']['junda']}/notifications/")
    expect(page).to_have_title(re.compile(r"^\(3\) "))
    groups = page.locator("[data-testid=notification-group]")
    expect(groups).to_have_count(2)
    one = page.locator(f"[data-testid=notification-group][data-work-order='{first.number}']")
    expect(one.locator("[data-testid=group-sentence]")).to_contain_text(called)
    expect(one.locator("[data-testid=group-unread]")).to_contain_text(unread)
    one.locator("summary").click()
    expect(one.locator("[data-testid=group-items] li")).to_have_count(2)
    expect(one.locator("[data-testid=group-items]")).to_contain_text("李娜")

    one.locator("[data-testid=mark-group-read]").click()
    expect(page).to_have_title(re.compile(r"^\(1\) "))
    expect(one.locator("[data-testid=group-unread]")).to_have_count(0)
    other = page.locator(f"[data-testid=notification-group][data-work-order='{second.number}']")
    expect(other.locator("[data-testid=group-unread]")).to_be_visible()

    with tenant_context(hotline):  # more news while the page is open: the title follows live
        owner_call_log(work_order_id=second.pk, actor=agent, topic="chasing", summary="又来电")
    connection.set_schema_to_public()
    expect(page).to_have_title(re.compile(r"^\(2\) "))

    page.locator("[data-testid=mark-all-read]").click()
    expect(page).not_to_have_title(re.compile(r"^\(\d+\) "))
    expect(page.locator("[data-testid=group-unread]")).to_have_count(0)
