"""The hotline's notes and the owner's calls on a work order: kept in the hotline, the dealer
told only that the owner called and why; bad input changes nothing; strangers get a 404."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django_tenants.utils import tenant_context

from hotline.models import HotlineNote, OwnerCallLog, WorkOrder, WorkOrderEvent
from live.relay import relay_everywhere
from notifications.models import Notification
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, client_for, dispatch_relayed, host_of, person

pytestmark = pytest.mark.django_db

SECRET_NOTE = "车主情绪激动，声称要找媒体"
SUMMARY = "车主说经销商三天没有联系他"
# A call "made" tomorrow, whatever day the suite runs on.
TOMORROW = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")) + dt.timedelta(days=1)


@pytest.fixture
def routed(parts_work_order, hotline):
    return parts_work_order.number


def _rows(hotline, number):
    with tenant_context(hotline):
        wo = WorkOrder.objects.get(number=number)
        return (
            list(HotlineNote.objects.filter(work_order=wo).values_list("text", flat=True)),
            list(OwnerCallLog.objects.filter(work_order=wo).values_list("topic", "summary")),
            list(WorkOrderEvent.objects.filter(work_order=wo).values_list("kind", flat=True)),
        )


def _dealer_page(manufacturer, network, number):
    junda = network["junda"]
    client = client_for(junda, person("junda.crm", junda, Role.DEALER_CRM_MANAGER))
    return client.get(f"/work-orders/{manufacturer.code}/{number}/", HTTP_ACCEPT_LANGUAGE="en")


def test_a_note_stays_with_the_hotline(manufacturer, network, hotline, hotline_agent, routed):
    client = client_for(hotline, hotline_agent)
    _notes, _calls, events_before = _rows(hotline, routed)

    response = client.post(f"/work-orders/{routed}/notes/", {"note-text": f"  {SECRET_NOTE}\n"})

    assert response.status_code == 302
    notes, _calls, events = _rows(hotline, routed)
    assert notes == [SECRET_NOTE]
    assert events == events_before  # nothing relayed: no dealer, webhook or notification carries it
    page = client.get(f"/work-orders/{routed}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert SECRET_NOTE in page
    assert "Hotline notes" in page
    dealer_page = _dealer_page(manufacturer, network, routed)
    assert dealer_page.status_code == 200
    assert SECRET_NOTE not in dealer_page.content.decode()


@pytest.mark.parametrize(
    ("text", "says"),
    [("   ", "This field is required."), ("长" * 2001, "at most 2000 characters")],
)
def test_an_empty_or_overlong_note_is_refused_and_nothing_is_saved(
    hotline, hotline_agent, routed, text, says
):
    client = client_for(hotline, hotline_agent)
    response = client.post(f"/work-orders/{routed}/notes/", {"note-text": text}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert says in response.content.decode()
    assert _rows(hotline, routed)[0] == []


def test_an_owner_call_is_logged_and_the_dealer_hears_why_not_what(
    manufacturer, network, hotline, hotline_agent, routed
):
    client = client_for(hotline, hotline_agent)
    response = client.post(
        f"/work-orders/{routed}/owner-calls/",
        {"owner_call-topic": "chasing", "owner_call-summary": SUMMARY, "owner_call-at": ""},
    )
    assert response.status_code == 302
    _notes, calls, events = _rows(hotline, routed)
    assert calls == [("chasing", SUMMARY)]
    assert events[-1] == "owner.called"
    page = client.get(f"/work-orders/{routed}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert SUMMARY in page
    assert "车主询问进展" in page

    dealer_page = _dealer_page(manufacturer, network, routed).content.decode()
    assert "The owner called the hotline" in dealer_page
    assert "Asks about progress" in dealer_page
    assert SUMMARY not in dealer_page


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"owner_call-topic": "", "owner_call-summary": SUMMARY}, "topic", "必填"),
        ({"owner_call-topic": "bribe", "owner_call-summary": SUMMARY}, "topic", "选择一个有效的选项"),
        ({"owner_call-topic": "chasing", "owner_call-summary": " "}, "summary", "必填"),
        (
            {
                "owner_call-topic": "chasing",
                "owner_call-summary": SUMMARY,
                "owner_call-at": TOMORROW.strftime("%Y-%m-%dT%H:%M"),
            },
            "at",
            "该时间晚于当前时间",
        ),
        (
            {
                "owner_call-topic": "chasing",
                "owner_call-summary": SUMMARY,
                "owner_call-at": "2001-01-01T10:00",
            },
            "at",
            "来电不能早于工单受理时间",
        ),
        (
            {"owner_call-topic": "chasing", "owner_call-summary": SUMMARY, "owner_call-at": "99999-99-99"},
            "at",
            "有效",
        ),
    ],
)
def test_a_bad_owner_call_names_the_field_and_saves_nothing(
    hotline, hotline_agent, routed, fields, field, says
):
    client = client_for(hotline, hotline_agent)
    _n, _c, events_before = _rows(hotline, routed)
    response = client.post(f"/work-orders/{routed}/owner-calls/", fields, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="id_owner_call-{field}_error"' in body
    assert says in body
    _notes, calls, events = _rows(hotline, routed)
    assert calls == []
    assert events == events_before


def test_the_api_adds_and_lists_notes_and_calls(hotline, routed):
    secret = api_key_create(tenant=hotline, name="CRM", scope="write").secret
    client = api_client(hotline, secret)
    base = f"/api/v1/work-orders/{routed}"

    created = client.post(f"{base}/notes/", {"text": SECRET_NOTE}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["text"] == SECRET_NOTE
    logged = client.post(f"{base}/owner-calls/", {"topic": "dealer", "summary": SUMMARY}, format="json")
    assert logged.status_code == 201, logged.content
    assert [n["text"] for n in client.get(f"{base}/notes/").json()] == [SECRET_NOTE]
    assert [(c["topic"], c["summary"]) for c in client.get(f"{base}/owner-calls/").json()] == [
        ("dealer", SUMMARY)
    ]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("notes", {"text": ""}, "text"),
        ("notes", {"text": "x" * 2001}, "text"),
        ("notes", {"text": ["a", "b"]}, "text"),
        ("owner-calls", {"topic": "nope", "summary": SUMMARY}, "topic"),
        (
            "owner-calls",
            {"topic": "other", "summary": SUMMARY, "at": TOMORROW.isoformat(timespec="seconds")},
            "at",
        ),
        ("owner-calls", {"topic": "other", "summary": SUMMARY, "call": 10**30}, "call"),
        ("owner-calls", {"topic": "other", "summary": SUMMARY, "call": 999}, "call"),
    ],
)
def test_the_api_refuses_bad_input_by_field_and_saves_nothing(hotline, routed, path, body, field):
    secret = api_key_create(tenant=hotline, name="CRM", scope="write").secret
    response = api_client(hotline, secret).post(f"/api/v1/work-orders/{routed}/{path}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.content.decode()
    notes, calls, _events = _rows(hotline, routed)
    assert notes == []
    assert calls == []


def test_a_read_key_reads_but_does_not_write(hotline, routed):
    secret = api_key_create(tenant=hotline, name="BI", scope="read").secret
    client = api_client(hotline, secret)
    assert client.get(f"/api/v1/work-orders/{routed}/notes/").status_code == 200
    assert (
        client.post(f"/api/v1/work-orders/{routed}/notes/", {"text": "x"}, format="json").status_code == 403
    )


def test_strangers_get_a_404_and_learn_nothing(
    manufacturer, network, hotline, hotline_agent, other_manufacturer, routed
):
    client_for(hotline, hotline_agent).post(f"/work-orders/{routed}/notes/", {"note-text": SECRET_NOTE})
    foreign_hotline = other_manufacturer.hotline
    foreigner = person("dy.agent", foreign_hotline, Role.HOTLINE_AGENT)

    def carried():
        client = client_for(foreign_hotline, foreigner)
        client.defaults["HTTP_HOST"] = host_of(hotline)
        return client

    assert carried().get(f"/work-orders/{routed}/").status_code == 404
    assert carried().post(f"/work-orders/{routed}/notes/", {"note-text": "x"}).status_code == 404
    owner_call = {"owner_call-topic": "other", "owner_call-summary": "x"}
    assert carried().post(f"/work-orders/{routed}/owner-calls/", owner_call).status_code == 404
    at_home = client_for(foreign_hotline, foreigner)
    assert at_home.post(f"/work-orders/{routed}/notes/", {"note-text": "x"}).status_code == 404
    foreign_key = api_key_create(tenant=foreign_hotline, name="DY CRM", scope="write").secret
    for path in ("notes", "owner-calls"):
        url = f"/api/v1/work-orders/{routed}/{path}/"
        assert api_client(hotline, foreign_key).get(url).status_code == 401
        response = api_client(foreign_hotline, foreign_key).get(url)
        assert response.status_code == 404
        assert SECRET_NOTE not in response.content.decode()
    # The dealer's host has no such paths, and its key reaches no hotline.
    junda = network["junda"]
    junda_client = client_for(junda, person("junda.svc", junda, Role.SERVICE_ADVISOR))
    assert junda_client.post(f"/work-orders/{routed}/notes/", {"note-text": "x"}).status_code == 404
    dealer_key = api_key_create(tenant=junda, name="DMS", scope="write").secret
    assert api_client(hotline, dealer_key).get(f"/api/v1/work-orders/{routed}/notes/").status_code == 401
    notes, calls, _events = _rows(hotline, routed)
    assert notes == [SECRET_NOTE]
    assert calls == []


def test_the_dealer_on_duty_is_told_the_owner_called_and_nobody_of_a_note(
    manufacturer, network, hotline, hotline_agent, routed
):
    junda = network["junda"]
    crm = person("junda.crm", junda, Role.DEALER_CRM_MANAGER)
    clerk = person("junda.parts", junda, Role.PARTS_CLERK)
    client = client_for(hotline, hotline_agent)
    relay_everywhere()
    dispatch_relayed()
    with tenant_context(junda):
        Notification.objects.all().delete()

    client.post(f"/work-orders/{routed}/notes/", {"note-text": SECRET_NOTE})
    client.post(
        f"/work-orders/{routed}/owner-calls/", {"owner_call-topic": "dealer", "owner_call-summary": SUMMARY}
    )
    relay_everywhere()
    dispatch_relayed()

    with tenant_context(junda):
        told = list(Notification.objects.values_list("user_id", "kind"))
    assert (crm.pk, "owner.called") in told
    assert clerk.pk not in {user for user, _kind in told}
    assert {kind for _user, kind in told} == {"owner.called"}
