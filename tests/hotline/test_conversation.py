"""The conversation on a work order between the hotline and the dealer: one thread both sides
read, @mentions of people who may read the work order (told by a notification), each reader's
unread messages; bad input and strangers change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.models import MESSAGE_MAX_LENGTH, Message, WorkOrder, WorkOrderEvent
from hotline.selectors import conversation_of
from hotline.services.conversation import conversation_mark_read, message_post
from hotline.services.decisions import work_order_reassign
from live.relay import relay_everywhere
from notifications.models import Notification, NotificationPreference
from notifications.services import notification_text
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, api_session, client_for, dispatch_relayed, host_of, person

pytestmark = pytest.mark.django_db

KIND = "conversation.message_posted"


@pytest.fixture
def people(hotline, network, other_manufacturer, foreign_dealer):
    junda, pengcheng = network["junda"], network["pengcheng"]
    return {
        "zhang": person("zhang", hotline, Role.HOTLINE_AGENT),
        "wang": person("wang", hotline, Role.HOTLINE_SUPERVISOR),
        "huang": person("huang", junda, Role.SERVICE_ADVISOR),
        "chen": person("chen", junda, Role.PARTS_CLERK),
        "peng": person("peng", pengcheng, Role.SERVICE_ADVISOR),
        "dy": person("dy", other_manufacturer.hotline, Role.HOTLINE_AGENT),
        "xs": person("xs", foreign_dealer, Role.SERVICE_ADVISOR),
    }


def as_actor(user, tenant, role) -> Actor:
    return Actor(user_id=user.pk, name=user.get_full_name(), tenant_id=tenant.pk, role=role)


@pytest.fixture
def zhang(people, hotline) -> Actor:
    return as_actor(people["zhang"], hotline, Role.HOTLINE_AGENT)


@pytest.fixture
def huang(people, network) -> Actor:
    return as_actor(people["huang"], network["junda"], Role.SERVICE_ADVISOR)


def _state(hotline, work_order):
    with tenant_context(hotline):
        return (
            list(Message.objects.filter(work_order=work_order).values_list("text", flat=True)),
            WorkOrderEvent.objects.filter(work_order=work_order, kind=KIND).count(),
        )


def _told(tenant):
    with tenant_context(tenant):
        return list(Notification.objects.filter(kind=KIND))


def test_the_hotline_writes_mentioning_a_dealer_person_who_is_told(
    hotline, network, parts_work_order, people, zhang
):
    junda = network["junda"]
    relay_everywhere()
    dispatch_relayed()
    with tenant_context(hotline):
        message = message_post(
            work_order_id=parts_work_order.pk,
            actor=zhang,
            text="  @huang 车主下午三点到店，请安排技师。 ",
            mentions=[people["huang"].pk, people["wang"].pk, people["huang"].pk],
        )
    assert message.text == "@huang 车主下午三点到店，请安排技师。"
    assert (message.side, message.dealer_id, message.author_name) == ("hotline", junda.pk, "zhang")
    assert sorted(m.user_id for m in message.mentions.all()) == sorted(
        [people["huang"].pk, people["wang"].pk]
    )
    assert _state(hotline, parts_work_order)[1] == 1

    relay_everywhere()
    dispatch_relayed()

    told_dealer = _told(junda)
    assert [n.user_id for n in told_dealer] == [people["huang"].pk]  # not the parts clerk
    assert [n.user_id for n in _told(hotline)] == [people["wang"].pk]  # not the author
    with translation.override("zh-hans"):
        said = notification_text(told_dealer[0])
    assert said.startswith(f"zhang 在工单 {parts_work_order.number} 中提到了你")
    assert "车主下午三点到店" in said
    with translation.override("en"):
        assert notification_text(told_dealer[0]).startswith(
            f"zhang mentioned you in work order {parts_work_order.number}"
        )


def test_a_person_who_turned_mentions_off_is_not_told(hotline, network, parts_work_order, people, zhang):
    with tenant_context(network["junda"]):
        NotificationPreference.objects.create(
            user_id=people["huang"].pk, kind=KIND, in_app=False, email=False
        )
    with tenant_context(hotline):
        message_post(
            work_order_id=parts_work_order.pk, actor=zhang, text="请回电", mentions=[people["huang"].pk]
        )
    relay_everywhere()
    dispatch_relayed()
    assert _told(network["junda"]) == []


@pytest.mark.parametrize(
    ("text", "says"),
    [("   ", "The message has no text."), ("长" * (MESSAGE_MAX_LENGTH + 1), "At most 2000 characters")],
)
def test_an_empty_or_overlong_message_is_refused_and_nothing_is_saved(
    hotline, parts_work_order, zhang, text, says
):
    with tenant_context(hotline), translation.override("en"), pytest.raises(ValidationError) as refused:
        message_post(work_order_id=parts_work_order.pk, actor=zhang, text=text)
    assert says in refused.value.message_dict["text"][0]
    assert _state(hotline, parts_work_order) == ([], 0)


@pytest.mark.parametrize("stranger", ["peng", "dy", "xs"])
def test_a_mention_of_someone_who_may_not_read_the_work_order_is_refused(
    hotline, parts_work_order, people, zhang, stranger
):
    with tenant_context(hotline), translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        message_post(
            work_order_id=parts_work_order.pk,
            actor=zhang,
            text="请看一下",
            mentions=[people["huang"].pk, people[stranger].pk],
        )
    assert list(refused.value.message_dict) == ["mentions"]
    assert str(people[stranger].pk) in refused.value.message_dict["mentions"][0]
    assert _state(hotline, parts_work_order) == ([], 0)


def test_every_broken_rule_is_named_at_once(hotline, parts_work_order, people, zhang):
    with tenant_context(hotline), pytest.raises(ValidationError) as refused:
        message_post(work_order_id=parts_work_order.pk, actor=zhang, text="", mentions=[people["xs"].pk])
    assert sorted(refused.value.message_dict) == ["mentions", "text"]
    assert _state(hotline, parts_work_order) == ([], 0)


def test_each_reader_sees_what_is_new_to_them_until_they_read_it(
    hotline, network, parts_work_order, people, zhang, huang, junda_gateway
):
    number = parts_work_order.number
    junda = network["junda"]
    reply = junda_gateway.message_post("HQ", number, actor=huang, text="收到，已安排。", mentions=[])
    assert (reply.side, reply.dealer_name) == ("dealer", "gz-junda 4S店")
    zhang_reader = (hotline.pk, people["zhang"].pk)
    with tenant_context(hotline):
        work_order = WorkOrder.objects.get(pk=parts_work_order.pk)
        seen = conversation_of(work_order, reader=zhang_reader)
        assert (seen.unread, [m.is_new for m in seen.messages]) == (1, [True])
        conversation_mark_read(work_order=work_order, tenant_id=hotline.pk, user_id=people["zhang"].pk)
        assert conversation_of(work_order, reader=zhang_reader).unread == 0
        message_post(work_order_id=work_order.pk, actor=zhang, text="好的，谢谢。")
        # What one writes is never new to oneself; it is to the other side.
        assert conversation_of(work_order, reader=zhang_reader).unread == 0
    huang_reader = (junda.pk, people["huang"].pk)
    seen = junda_gateway.conversation("HQ", number, reader=huang_reader, mark_read=True)
    assert [(m.text, m.is_new) for m in seen.messages] == [("收到，已安排。", False), ("好的，谢谢。", True)]
    assert seen.unread == 1
    assert {p.user_id for p in seen.people} >= {people["zhang"].pk, people["huang"].pk, people["chen"].pk}
    assert people["peng"].pk not in {p.user_id for p in seen.people}
    assert junda_gateway.conversation("HQ", number, reader=huang_reader).unread == 0


def test_a_dealer_reads_only_its_own_conversation_and_loses_it_with_the_work_order(
    manufacturer, hotline, network, parts_work_order, people, zhang, huang, supervisor, junda_gateway
):
    number = parts_work_order.number
    junda_gateway.message_post("HQ", number, actor=huang, text="骏达的消息", mentions=[])
    with tenant_context(hotline):
        work_order_reassign(
            manufacturer=manufacturer,
            work_order_id=parts_work_order.pk,
            actor=supervisor,
            to_dealer_id=network["pengcheng"].pk,
            reason="车在深圳",
        )
        message_post(
            work_order_id=parts_work_order.pk, actor=zhang, text="鹏城请跟进", mentions=[people["peng"].pk]
        )
        everything = conversation_of(WorkOrder.objects.get(pk=parts_work_order.pk), reader=None)
    assert [(m.text, m.dealer_name) for m in everything.messages] == [
        ("骏达的消息", "gz-junda 4S店"),
        ("鹏城请跟进", "sz-pengcheng 4S店"),
    ]
    with pytest.raises(Http404):
        junda_gateway.conversation("HQ", number, reader=None)
    with pytest.raises(Http404):
        junda_gateway.message_post("HQ", number, actor=huang, text="还在吗", mentions=[])
    with tenant_context(network["pengcheng"]):
        from dealers.gateway import DealerGateway

        seen = DealerGateway(network["pengcheng"]).conversation("HQ", number, reader=None)
    assert [m.text for m in seen.messages] == ["鹏城请跟进"]


def test_a_role_outside_the_matrix_may_not_write(hotline, parts_work_order):
    centre = Actor(user_id=None, name="PC", tenant_id=hotline.pk, role="parts_centre:write")
    with tenant_context(hotline), pytest.raises(PermissionDenied):
        message_post(work_order_id=parts_work_order.pk, actor=centre, text="x")
    assert _state(hotline, parts_work_order) == ([], 0)


# --- the hotline's portal -------------------------------------------------------------------


def test_the_hotline_page_shows_the_thread_marks_the_new_and_reads_it(
    hotline, network, parts_work_order, people, huang, junda_gateway
):
    number = parts_work_order.number
    junda_gateway.message_post(
        "HQ", number, actor=huang, text="@zhang 配件周五到，车主已知悉。", mentions=[people["zhang"].pk]
    )
    client = client_for(hotline, people["zhang"])

    # A page already open, refreshed live, reads nothing.
    refreshed = client.get(f"/work-orders/{number}/", HTTP_HX_REQUEST="true")
    assert 'data-new="1"' in refreshed.content.decode()

    page = client.get(f"/work-orders/{number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    section = page[page.index('id="conversation"') :]
    assert "沟通" in section
    assert 'data-testid="conversation-unread"' in section
    assert "1 条未读" in section
    assert 'data-new="1"' in section
    assert '<mark class="mention">@zhang</mark> 配件周五到' in section
    assert "gz-junda 4S店" in section  # the dealer's side, by its name
    assert 'name="message-mentions"' in section
    again = client.get(f"/work-orders/{number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Conversation" in again
    assert 'data-new="1"' not in again
    assert 'data-testid="conversation-unread"' not in again


def test_the_hotline_posts_with_mentions_and_the_dealer_page_shows_it(
    manufacturer, hotline, network, parts_work_order, people
):
    number = parts_work_order.number
    client = client_for(hotline, people["zhang"])
    response = client.post(
        f"/work-orders/{number}/messages/",
        {"message-text": "请今天联系车主", "message-mentions": [str(people["huang"].pk)]},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/work-orders/{number}/#conversation")
    junda = network["junda"]
    dealer = client_for(junda, people["huang"])
    page = dealer.get(f"/work-orders/HQ/{number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = page[page.index('id="conversation"') :]
    assert "请今天联系车主" in section
    assert "Customer-service centre" in section
    assert '<mark class="mention">@huang</mark>' in section
    assert "1 unread" in section


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"message-text": "  "}, "text", "此项为必填项。"),
        ({"message-text": "长" * 2001}, "text", "2000"),
        ({"message-text": "你好", "message-mentions": ["PENG"]}, "mentions", "不在可用的选项中"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(hotline, parts_work_order, people, body, field, says):
    client = client_for(hotline, people["zhang"])
    response = client.post(
        f"/work-orders/{parts_work_order.number}/messages/",
        {k: (people["peng"].pk if v == ["PENG"] else v) for k, v in body.items()},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert f'id="id_message-{field}_error"' in content
    assert says in content
    assert _state(hotline, parts_work_order) == ([], 0)


def test_strangers_get_a_404_on_the_page_the_post_and_the_api(
    hotline, other_manufacturer, parts_work_order, people, zhang, network
):
    number = parts_work_order.number
    with tenant_context(hotline):
        message_post(work_order_id=parts_work_order.pk, actor=zhang, text="内部沟通内容")
    foreign_hotline = other_manufacturer.hotline

    def carried():
        client = client_for(foreign_hotline, people["dy"])
        client.defaults["HTTP_HOST"] = host_of(hotline)
        return client

    assert carried().get(f"/work-orders/{number}/").status_code == 404
    assert carried().post(f"/work-orders/{number}/messages/", {"message-text": "x"}).status_code == 404
    at_home = client_for(foreign_hotline, people["dy"])
    assert at_home.post(f"/work-orders/{number}/messages/", {"message-text": "x"}).status_code == 404
    foreign_key = api_key_create(tenant=foreign_hotline, name="DY CRM", scope="write").secret
    url = f"/api/v1/work-orders/{number}/messages/"
    assert api_client(hotline, foreign_key).get(url).status_code == 401
    for method in ("get", "post"):
        response = getattr(api_client(foreign_hotline, foreign_key), method)(
            url, {"text": "x"}, format="json"
        )
        assert response.status_code == 404
        assert "内部沟通内容" not in response.content.decode()
    assert _state(hotline, parts_work_order) == (["内部沟通内容"], 1)


# --- the hotline's API ----------------------------------------------------------------------


def test_the_api_posts_and_lists_with_the_key_named_as_author(hotline, network, parts_work_order, people):
    secret = api_key_create(tenant=hotline, name="CRM 系统", scope="write").secret
    client = api_client(hotline, secret)
    url = f"/api/v1/work-orders/{parts_work_order.number}/messages/"

    created = client.post(url, {"text": "请尽快回电车主", "mentions": [people["huang"].pk]}, format="json")

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["author"], body["author_id"], body["side"]) == ("CRM 系统", None, "hotline")
    assert body["mentions"] == [{"user_id": people["huang"].pk, "name": "huang"}]
    assert body["dealer"] == "gz-junda 4S店"
    listed = client.get(url).json()
    assert [(m["text"], m["new"]) for m in listed] == [("请尽快回电车主", False)]
    as_person = api_session(hotline, people["wang"]).get(url).json()
    assert [m["new"] for m in as_person] == [True]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"text": ["a"]}, "text"),
        ({"text": "好", "mentions": [10**30]}, "mentions"),
        ({"text": "好", "mentions": "PENG"}, "mentions"),
        ({"text": "好", "mentions": ["PENG"]}, "mentions"),
    ],
)
def test_the_api_refuses_bad_input_by_field_and_saves_nothing(hotline, parts_work_order, people, body, field):
    secret = api_key_create(tenant=hotline, name="CRM", scope="write").secret
    body = {k: ([people["peng"].pk] if v == ["PENG"] else v) for k, v in body.items()}
    response = api_client(hotline, secret).post(
        f"/api/v1/work-orders/{parts_work_order.number}/messages/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.content.decode()
    assert _state(hotline, parts_work_order) == ([], 0)


def test_a_read_key_reads_the_conversation_but_does_not_write(hotline, parts_work_order):
    client = api_client(hotline, api_key_create(tenant=hotline, name="BI", scope="read").secret)
    url = f"/api/v1/work-orders/{parts_work_order.number}/messages/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"text": "x"}, format="json").status_code == 403


def test_a_message_carries_files_that_join_the_work_orders_and_both_pages_show_them(
    settings, tmp_path, hotline, network, parts_work_order, people
):
    from .test_attachments import pdf, photo

    settings.MEDIA_ROOT = str(tmp_path)
    number = parts_work_order.number
    client = client_for(hotline, people["zhang"])
    response = client.post(
        f"/work-orders/{number}/messages/",
        {"message-text": "车主发来的照片和发票", "message-file": [photo("仪表盘.jpg"), pdf("发票.pdf")]},
    )
    assert response.status_code == 302
    with tenant_context(hotline):
        message = Message.objects.get(work_order=parts_work_order)
        assert sorted(a.name for a in message.attachments.all()) == ["仪表盘.jpg", "发票.pdf"]
        assert parts_work_order.attachments.count() == 2
        invoice = message.attachments.get(name="发票.pdf").pk
    dealer = client_for(network["junda"], people["huang"])
    page = dealer.get(f"/work-orders/HQ/{number}/").content.decode()
    thread = page[page.index('id="conversation"') :]
    assert "仪表盘.jpg" in thread
    assert "发票.pdf" in thread
    download = dealer.get(f"/work-orders/HQ/{number}/attachments/{invoice}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"


def test_a_refused_file_keeps_the_message_from_being_sent_and_leaves_nothing(
    settings, tmp_path, hotline, network, parts_work_order, people
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    disguised = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/jpeg")
    dealer = client_for(network["junda"], people["huang"])
    response = dealer.post(
        f"/work-orders/HQ/{parts_work_order.number}/messages/",
        {"message-text": "附上照片", "message-file": [disguised]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert 'id="id_message-file_error"' in response.content.decode()
    assert _state(hotline, parts_work_order) == ([], 0)
    with tenant_context(hotline):
        assert not parts_work_order.attachments.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_an_empty_text_and_a_refused_file_are_both_named(hotline, parts_work_order, people, zhang):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = SimpleUploadedFile(
        "页面.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    with tenant_context(hotline), pytest.raises(ValidationError) as refused:
        message_post(work_order_id=parts_work_order.pk, actor=zhang, text=" ", files=[page])
    assert set(refused.value.message_dict) == {"text", "file"}
