"""The manufacturer's administration screens: administrators change, others only read."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from hotline.models import CalendarOverride, OwnerSmsTemplate, SlaPolicy
from tenants.models import Role

from ..conftest import client_for, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(hotline):
    return client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN))


def test_an_administrator_publishes_a_policy_version(admin_client, hotline):
    page = admin_client.get("/administration/", HTTP_ACCEPT_LANGUAGE="en")
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["w0_minutes"] = "90"
    data["note"] = "首次响应缩短为 90 分钟"

    assert admin_client.post("/administration/", data).status_code == 302
    with tenant_context(hotline):
        latest = SlaPolicy.objects.order_by("-version").first()
        assert latest.version == 2
        assert latest.windows.order_by("id").first().minutes == 90


def test_a_bad_policy_is_refused_by_the_field_and_nothing_is_published(admin_client, hotline):
    form = admin_client.get("/administration/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["w0_warn"] = "30, 500"  # after the 120-minute window's own start

    response = admin_client.post("/administration/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Warnings fire between one minute" in str(response.context["form"].errors["w0_warn"])
    with tenant_context(hotline):
        assert SlaPolicy.objects.count() == 1


def test_holidays_and_texts_are_set_by_administrators_only(admin_client, hotline, hotline_agent):
    assert (
        admin_client.post(
            "/administration/calendar/", {"day": "2027-10-09", "is_working_day": "yes", "name": "国庆调休"}
        ).status_code
        == 302
    )
    agent = client_for(hotline, hotline_agent)
    refused = agent.post(
        "/administration/calendar/", {"day": "2027-10-10", "is_working_day": "no"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 403

    bad = admin_client.post(
        "/administration/sms/", {"kind": "received", "body": "您好{nobody}"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Unknown placeholder(s): nobody." in bad.content.decode()
    assert (
        admin_client.post(
            "/administration/sms/",
            {"kind": "received", "body": "【{brand}】{owner}您好，工单 {number} 已受理。"},
        ).status_code
        == 302
    )
    with tenant_context(hotline):
        assert list(CalendarOverride.objects.values_list("name", flat=True)) == ["国庆调休"]
        assert OwnerSmsTemplate.objects.get(kind="received").body.startswith("【{brand}】")


def test_the_network_page_lists_the_networks_dealers(dealer, admin_client):
    assert "HQ-GD-001" in admin_client.get("/administration/network/").content.decode()


def test_the_text_messages_page_offers_the_due_time_not_hours(admin_client):
    page = admin_client.get("/administration/sms/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "{due}" in page
    assert "{hours}" not in page
    assert "以车主的说法写出" in page
    assert "将在{due}与您联系" in page  # the default wording of the received text

    refused = admin_client.post(
        "/administration/sms/",
        {"kind": "received", "body": "将在 {hours} 小时内联系您"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    assert "write {due}" in refused.content.decode()
