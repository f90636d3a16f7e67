"""An incoming call in a real browser: the PBX posts, the agent's page pops the caller up live."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from config.actor import Actor
from hotline.services.work_orders import work_order_create
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, parts_intake
from .conftest import shoot, signed_in
from .test_portals import live, world  # noqa: F401 (the fixture)

MOBILE = "13802561234"


@pytest.mark.parametrize(
    ("locale", "ringing", "repeat", "button"),
    [
        ("zh-CN", "来电", "重复投诉", "为此来电新建工单"),
        ("en-GB", "Incoming call", "counts as a repeat", "New work order for this caller"),
    ],
)
def test_a_call_pops_up_the_caller_and_opens_a_prefilled_intake(
    world,  # noqa: F811
    new_context,
    locale,
    ringing,
    repeat,
    button,
):
    hotline = world["hotline"]
    with tenant_context(hotline):
        earlier = work_order_create(
            manufacturer=world["manufacturer"],
            actor=Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent"),
            intake=parts_intake(dealer_id=world["junda"].pk),
        )
    connection.set_schema_to_public()
    pbx = api_client(hotline, api_key_create(tenant=hotline, name="CTI", scope="write").secret)
    page = signed_in(new_context, world["url"]["hotline"], "hq.agent", locale=locale)
    page.goto(f"{world['url']['hotline']}/work-orders/")
    live(page)

    response = pbx.post(
        "/api/v1/telephony/calls/",
        {"event": "newCall", "callId": f"e2e-{locale}", "from": MOBILE, "user": "hq.agent"},
        format="json",
    )
    assert response.status_code == 200

    popup = page.locator("[data-testid=call-popup]")
    expect(popup).to_contain_text(ringing)
    expect(popup).to_contain_text("王建华")
    expect(popup.locator("[data-testid=call-open]")).to_contain_text(earlier.number)
    expect(popup.locator("[data-testid=call-repeat]")).to_contain_text(repeat)
    if locale == "en-GB":
        shoot(page, "hotline-call-pop-up")

    page.reload()  # a page opened during the call shows it too
    expect(page.locator("[data-testid=call-popup]")).to_contain_text("王建华")

    page.get_by_role("link", name=button).click()
    expect(page.locator("input[name=owner_mobile]")).to_have_value(MOBILE)
    expect(page.locator("input[name=owner_name]")).to_have_value("王建华")
    expect(page.locator("select[name=channel]")).to_have_value("phone")
