"""The dealer's side of the conversation with the customer-service centre: its page and its API,
through the gateway; another dealer, of this network or another, gets a 404 and changes nothing."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.models import Message, WorkOrder
from hotline.services.conversation import message_post
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, api_session, client_for, host_of, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(hotline, network, foreign_dealer):
    return {
        "zhang": person("zhang", hotline, Role.HOTLINE_AGENT),
        "huang": person("huang", network["junda"], Role.SERVICE_ADVISOR),
        "chen": person("chen", network["junda"], Role.RECEPTIONIST),
        "peng": person("peng", network["pengcheng"], Role.DEALER_CRM_MANAGER),
        "xs": person("xs", foreign_dealer, Role.DEALER_CRM_MANAGER),
    }


def _messages(hotline, number):
    with tenant_context(hotline):
        return list(
            Message.objects.filter(work_order__number=number).values_list("side", "author_name", "text")
        )


def test_the_dealer_page_posts_and_reads_the_conversation(hotline, network, parts_work_order, people):
    number = parts_work_order.number
    with tenant_context(hotline):
        message_post(
            work_order_id=parts_work_order.pk,
            actor=Actor(people["zhang"].pk, "zhang", hotline.pk, Role.HOTLINE_AGENT),
            text="请告知配件到货时间",
        )
    client = client_for(network["junda"], people["chen"])  # a receptionist: staff who see it may write
    page = client.get(f"/work-orders/HQ/{number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    section = page[page.index('id="conversation"') :]
    assert "请告知配件到货时间" in section
    assert "1 条未读" in section
    assert "客户服务中心" in section  # the side of the message
    assert f'<option value="{people["zhang"].pk}">zhang</option>' in section
    assert f'<option value="{people["huang"].pk}">huang</option>' in section
    assert f'value="{people["peng"].pk}"' not in section

    response = client.post(
        f"/work-orders/HQ/{number}/messages/",
        {"message-text": "周五到货", "message-mentions": [str(people["zhang"].pk)]},
    )

    assert response.status_code == 302
    assert _messages(hotline, number)[-1] == ("dealer", "chen", "周五到货")
    page = client.get(f"/work-orders/HQ/{number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="conversation-unread"' not in page  # read on opening, one's own never new


def test_a_bad_message_names_the_field_on_the_dealer_page_and_saves_nothing(
    hotline, network, parts_work_order, people
):
    client = client_for(network["junda"], people["huang"])
    url = f"/work-orders/HQ/{parts_work_order.number}/messages/"
    for body, field in (
        ({"message-text": " "}, "text"),
        ({"message-text": "好", "message-mentions": [str(people["peng"].pk)]}, "mentions"),
    ):
        response = client.post(url, body, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert f'id="id_message-{field}_error"' in response.content.decode()
    assert _messages(hotline, parts_work_order.number) == []


def test_the_dealer_api_posts_and_lists_its_conversation(hotline, network, parts_work_order, people):
    junda = network["junda"]
    secret = api_key_create(tenant=junda, name="DMS", scope="write").secret
    url = f"/api/v1/work-orders/HQ/{parts_work_order.number}/messages/"
    created = api_client(junda, secret).post(
        url, {"text": "已联系车主", "mentions": [people["zhang"].pk, people["huang"].pk]}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["side"], body["author"], body["author_id"], body["dealer"]) == (
        "dealer",
        "DMS",
        None,
        "gz-junda 4S店",
    )
    assert [m["user_id"] for m in body["mentions"]] == [people["zhang"].pk, people["huang"].pk]
    listed = api_session(junda, people["huang"]).get(url)
    assert [(m["text"], m["new"]) for m in listed.json()] == [("已联系车主", True)]
    refused = api_client(junda, secret).post(
        url, {"text": "好", "mentions": [people["xs"].pk]}, format="json"
    )
    assert refused.status_code == 400
    assert "mentions" in refused.content.decode()
    assert len(_messages(hotline, parts_work_order.number)) == 1


def test_another_dealer_gets_a_404_on_the_page_the_post_and_the_api(
    hotline, network, foreign_dealer, parts_work_order, people
):
    number = parts_work_order.number
    with tenant_context(hotline):
        message_post(
            work_order_id=WorkOrder.objects.get(number=number).pk,
            actor=Actor(people["zhang"].pk, "zhang", hotline.pk, Role.HOTLINE_AGENT),
            text="只给骏达看的话",
        )
    for tenant, user in ((network["pengcheng"], people["peng"]), (foreign_dealer, people["xs"])):
        client = client_for(tenant, user)
        assert client.get(f"/work-orders/HQ/{number}/").status_code == 404
        assert client.post(f"/work-orders/HQ/{number}/messages/", {"message-text": "x"}).status_code == 404
        secret = api_key_create(tenant=tenant, name="DMS", scope="write").secret
        url = f"/api/v1/work-orders/HQ/{number}/messages/"
        for response in (
            api_client(tenant, secret).get(url),
            api_client(tenant, secret).post(url, {"text": "x"}, format="json"),
        ):
            assert response.status_code == 404
            assert "只给骏达看的话" not in response.content.decode()
        # Junda's host with another dealer's session or key: nothing there either.
        carried = client_for(tenant, user)
        carried.defaults["HTTP_HOST"] = host_of(network["junda"])
        assert carried.get(f"/work-orders/HQ/{number}/").status_code == 404
        assert api_client(network["junda"], secret).get(url).status_code == 401
    assert _messages(hotline, number) == [("hotline", "zhang", "只给骏达看的话")]
