"""The conversation between the hotline and the dealer in a real browser, in both languages: the
agent writes mentioning a dealer person; the dealer's open page shows it live, marked new, and
the dealer replies mentioning the agent, whose open page shows the reply live."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from config.actor import Actor
from hotline.models import WorkOrder
from hotline.services.conversation import message_post
from tenants.models import User

from .conftest import shoot, signed_in
from .test_attachments import a_photo
from .test_portals import live, recorded_for_junda, world  # noqa: F401 (the fixture)


@pytest.mark.parametrize(
    ("locale", "title", "unread", "new", "hotline_side"),
    [
        ("zh-CN", "沟通", "1 条未读", "新", "客户服务中心"),
        ("en-GB", "Conversation", "1 unread", "new", "Customer-service centre"),
    ],
)
def test_the_agent_mentions_a_dealer_person_who_sees_it_live_and_replies(
    world,  # noqa: F811
    new_context,
    locale,
    title,
    unread,
    new,
    hotline_side,
):
    number, code = recorded_for_junda(world)
    crm = User.objects.get(username="junda.crm")
    agent_user = User.objects.get(username="hq.agent")

    dealer = signed_in(new_context, world["url"]["junda"], "junda.crm", locale=locale)
    dealer.goto(f"{world['url']['junda']}/work-orders/{code}/{number}/")
    live(dealer)
    agent = signed_in(new_context, world["url"]["hotline"], "hq.agent", locale=locale)
    agent.goto(f"{world['url']['hotline']}/work-orders/{number}/")

    card = agent.locator("[data-testid=conversation]")
    expect(card.locator("h2")).to_contain_text(title)
    form = agent.locator("[data-testid=message-form]")
    form.locator("textarea[name=message-text]").fill("@junda.crm 车主下午三点到店，请安排技师。")
    form.locator("select[name=message-mentions]").select_option(str(crm.pk))
    form.locator("button[type=submit]").click()
    agent.wait_for_url(lambda url: url.endswith("#conversation"))
    mine = agent.locator("[data-testid=message]")
    expect(mine).to_have_count(1)
    expect(mine.first).to_contain_text("车主下午三点到店")
    expect(mine.first.locator("mark.mention").first).to_have_text("@junda.crm")
    expect(agent.locator("[data-testid=conversation-unread]")).to_have_count(0)

    # The dealer's open page: the thread refreshes by itself, the message marked new.
    live(agent)
    thread = dealer.locator("[data-testid=message]")
    expect(thread).to_have_count(1)
    expect(thread.first).to_contain_text("车主下午三点到店，请安排技师。")
    expect(thread.first).to_contain_text(hotline_side)
    expect(thread.first.locator("[data-testid=message-new]")).to_have_text(new)
    expect(dealer.locator("[data-testid=conversation-unread]")).to_have_text(unread)

    reply = dealer.locator("[data-testid=message-form]")
    reply.locator("textarea[name=message-text]").fill("@hq.agent 收到，已安排技师。")
    reply.locator("select[name=message-mentions]").select_option(str(agent_user.pk))
    reply.locator("input[name=message-file]").set_input_files(
        [{"name": "维修工单.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}]
    )
    reply.locator("button[type=submit]").click()
    dealer.wait_for_url(lambda url: url.endswith("#conversation"))
    expect(dealer.locator("[data-testid=message]")).to_have_count(2)
    # Opening the page read the thread: nothing is new to the dealer any more.
    expect(dealer.locator("[data-testid=message-new]")).to_have_count(0)

    answered = agent.locator("[data-testid=message]")
    expect(answered).to_have_count(2)
    expect(answered.nth(1)).to_contain_text("收到，已安排技师。")
    expect(answered.nth(1)).to_contain_text("广州骏达")
    expect(answered.nth(1).locator("[data-testid=message-new]")).to_have_text(new)
    # The file sent with the reply is under it, and among the work order's files (live).
    expect(answered.nth(1).locator("[data-testid=message-file]")).to_have_text("维修工单.jpg")
    expect(agent.locator("[data-testid=attachments] [data-testid=attachment]")).to_contain_text(
        "维修工单.jpg"
    )

    # The dealer adds the photo of the fault; the agent's page keeps the file beside the thread.
    files = dealer.locator("[data-testid=attachments]")
    files.locator("input[type=file]").set_input_files(
        [{"name": "大灯进水.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}]
    )
    files.locator("[data-testid=attach-form] button[type=submit]").click()
    expect(files.locator("[data-testid=attachment][data-name='大灯进水.jpg']")).to_be_visible()
    agent.reload()
    expect(agent.locator("[data-testid=attachments] [data-testid=attachment-thumbnail]")).to_have_count(2)
    expect(agent.locator("[data-testid=message]")).to_have_count(2)
    if locale == "zh-CN":
        agent.locator("[data-testid=attachments]").scroll_into_view_if_needed()
        shoot(agent, "hotline-work-order-conversation")


def test_a_message_that_comes_while_the_page_is_fetching_the_one_before_still_shows(
    world,  # noqa: F811
    new_context,
):
    """Two messages a moment apart: the page's refresh for the first is still on its way (its
    answer, taken before the second was written, is held back) when the second is announced; once
    that answer is in, the page fetches again and shows both, without a reload."""
    number, code = recorded_for_junda(world)
    agent = User.objects.get(username="hq.agent")
    actor = Actor(user_id=agent.pk, name="李娜", tenant_id=world["hotline"].pk, role="hotline_agent")
    page_url = f"{world['url']['junda']}/work-orders/{code}/{number}/"

    dealer = signed_in(new_context, world["url"]["junda"], "junda.crm")
    dealer.goto(page_url)
    live(dealer)

    held: list = []
    holding = True

    def refreshes(route) -> None:
        if holding and route.request.headers.get("hx-request"):
            # answered now, delivered later (fetched by Playwright, which resolves no tenant host)
            request = route.request
            host = request.url.split("/")[2]
            answer = route.fetch(
                url=request.url.replace(host, "127.0.0.1:" + host.rsplit(":", 1)[1], 1),
                headers={**request.headers, "host": host},
            )
            held.append((route, answer))
        else:
            route.continue_()

    dealer.route(page_url, refreshes)

    def post(text: str) -> None:
        with tenant_context(world["hotline"]):
            message_post(work_order_id=work_order_id(number), actor=actor, text=text)
        connection.set_schema_to_public()

    post("车主下午三点到店。")
    until(dealer, lambda: len(held) == 2)  # the work order and its thread

    # The page announces each change it is told of (for screen readers) as it handles it.
    status = dealer.locator("[data-live-status]")
    until(dealer, lambda: status.text_content() != "")  # the first
    dealer.evaluate("document.querySelector('[data-live-status]').textContent = ''")
    post("车主改为四点到店。")
    until(dealer, lambda: status.text_content() != "")
    holding = False
    for route, answer in held:
        route.fulfill(response=answer)

    thread = dealer.locator("[data-testid=message]")
    expect(thread).to_have_count(2)
    expect(thread.nth(1)).to_contain_text("车主改为四点到店。")


def until(page, condition, seconds: float = 15) -> None:
    """Wait, letting the page's events run, until ``condition()`` holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the page did not get there in time"
        page.wait_for_timeout(50)


def work_order_id(number: str) -> int:
    return WorkOrder.objects.values_list("pk", flat=True).get(number=number)
