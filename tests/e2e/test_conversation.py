"""The conversation between the hotline and the dealer in a real browser, in both languages: the
agent writes mentioning a dealer person; the dealer's open page shows it live, marked new, and
the dealer replies mentioning the agent, whose open page shows the reply live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
