"""Incoming calls: the telephony system reports them, the agent's browser pops the caller up.

The telephony system here is a fake client that posts what a PBX posts (JSON or a
form, with an integration key of the hotline); the pop-up reaches the agent's real
socket through the real Celery worker and Redis channel layer.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connection
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.models import AgentExtension, Call, CallState
from hotline.services.work_orders import work_order_create
from live.routing import websocket_application
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import (
    api_client,
    api_session,
    client_for,
    host_of,
    parts_intake,
    person,
    wait_for,
)

pytestmark = pytest.mark.django_db
CALLS = "/api/v1/telephony/calls/"
MOBILE = "13802561234"  # the owner of parts_intake()


class FakeTelephony:
    """A PBX's generic CTI client: new call, answer, hang-up, tied by the call id."""

    def __init__(self, hotline, secret: str, *, form: bool = False) -> None:
        self.client = api_client(hotline, secret)
        self.form = form

    def post(self, **body):
        if self.form:
            return self.client.post(CALLS, body)  # multipart/form data, as many PBXs send
        return self.client.post(CALLS, body, format="json")

    def new_call(self, call_id: str, caller: str, **who):
        return self.post(
            event="newCall", callId=call_id, direction="in", to="4008001234", **{"from": caller}, **who
        )

    def answer(self, call_id: str, **who):
        return self.post(event="answer", callId=call_id, **who)

    def hangup(self, call_id: str, cause: str = "normalClearing"):
        return self.post(event="hangup", callId=call_id, cause=cause)


@pytest.fixture
def pbx_key(hotline) -> str:
    return api_key_create(tenant=hotline, name="呼叫中心 CTI", scope="write").secret


@pytest.fixture
def pbx(hotline, pbx_key) -> FakeTelephony:
    return FakeTelephony(hotline, pbx_key)


@pytest.fixture
def known_owner(manufacturer, network, hotline):
    """王建华 (13802561234) has an open parts work order at 广州骏达."""
    agent = Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent")
    with tenant_context(hotline):
        work_order = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    connection.set_schema_to_public()
    return work_order


def calls_of(hotline) -> list[Call]:
    with tenant_context(hotline):
        return list(Call.objects.order_by("id"))


def test_a_call_from_a_known_owner_is_identified_and_rings_the_agent(
    hotline, hotline_agent, known_owner, pbx
):
    response = pbx.new_call("c-1", "+86 138 0256 1234", user=hotline_agent.username)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "callId": "c-1",
        "state": "ringing",
        "caller": MOBILE,
        "owner_known": True,
        "agents": 1,
        "unmatched": [],
    }
    [call] = calls_of(hotline)
    assert call.ringing_user_ids == [hotline_agent.pk]
    assert call.owner.name == "王建华"


def test_answer_and_hangup_follow_the_call_and_never_go_back(hotline, hotline_agent, pbx):
    other = person("agent2", hotline, Role.HOTLINE_AGENT)
    pbx.new_call("c-2", MOBILE, user=[hotline_agent.username, other.username])
    assert pbx.answer("c-2", user=other.username).json()["state"] == "answered"
    assert pbx.hangup("c-2").json()["state"] == "ended"
    assert pbx.answer("c-2", user=hotline_agent.username).json()["state"] == "ended"  # late, out of order

    [call] = calls_of(hotline)
    assert (call.answered_by_id, call.missed, call.cause) == (other.pk, False, "normalClearing")
    assert call.user_ids == [other.pk]


def test_the_same_event_twice_changes_nothing(hotline, hotline_agent, pbx):
    pbx.new_call("c-3", MOBILE, user=hotline_agent.username)
    version = calls_of(hotline)[0].version
    pbx.new_call("c-3", MOBILE, user=hotline_agent.username)

    [call] = calls_of(hotline)
    assert call.version == version


def test_an_unanswered_call_goes_on_the_list_to_call_back(hotline, hotline_agent, pbx):
    pbx.new_call("c-4", "anonymous", user=hotline_agent.username)
    pbx.hangup("c-4", cause="cancel")
    client = client_for(hotline, hotline_agent)

    page = client.get("/calls/?show=to-return")
    assert page.status_code == 200
    [call] = calls_of(hotline)
    assert call.missed
    assert call.caller == ""
    assert "c-4" not in page.content.decode()  # the vendor's id is no one's business
    assert f"/calls/{call.pk}/returned/" in page.content.decode()

    assert client.post(f"/calls/{call.pk}/returned/").status_code == 302
    with tenant_context(hotline):
        assert Call.objects.get().returned_at is not None
    assert f"/calls/{call.pk}/returned/" not in client.get("/calls/?show=to-return").content.decode()


def test_a_form_post_and_an_extension_work_as_well(hotline, hotline_agent, pbx_key):
    with tenant_context(hotline):
        AgentExtension.objects.create(user_id=hotline_agent.pk, extension="8012")
    connection.set_schema_to_public()
    form_pbx = FakeTelephony(hotline, pbx_key, form=True)

    response = form_pbx.new_call("c-5", "13900000000", extension="8012")

    assert response.status_code == 200, response.content
    assert response.json()["agents"] == 1
    assert calls_of(hotline)[0].ringing_user_ids == [hotline_agent.pk]


def test_names_matching_no_agent_are_reported_and_the_call_is_still_kept(hotline, dealer, pbx):
    dealer_person = person("crm.elsewhere", dealer, Role.DEALER_CRM_MANAGER)
    response = pbx.new_call("c-6", MOBILE, user=["nobody", dealer_person.username], extension="9999")

    assert response.status_code == 200
    assert response.json()["unmatched"] == ["nobody", "crm.elsewhere", "9999"]
    assert response.json()["agents"] == 0
    assert len(calls_of(hotline)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "ring", "callId": "x"}, "event"),
        ({"event": "newCall", "user": "agent"}, "callId"),
        ({"event": "newCall", "callId": "x" * 101, "user": "agent"}, "callId"),
        ({"event": "newCall", "callId": "x"}, "user"),
        ({"event": "newCall", "callId": "x", "user": "agent", "direction": "sideways"}, "direction"),
        ({"event": "newCall", "callId": "x", "user": "agent", "from": "1" * 33}, "from"),
        ({"event": "newCall", "callId": "x", "user": ["a"] * 21}, "user"),
        ({"event": "hangup", "callId": "x", "at": "1899-01-01T00:00:00Z"}, "at"),
        ({"event": "newCall", "callId": "x\x00", "user": "agent"}, "callId"),
    ],
)
def test_bad_input_is_refused_by_field_and_changes_nothing(hotline, hotline_agent, pbx, body, field):
    response = pbx.client.post(CALLS, body, format="json")

    assert response.status_code == 400, response.content
    assert field in str(response.json())
    assert calls_of(hotline) == []


def test_only_an_integration_key_of_this_hotline_may_push(
    manufacturer, hotline, hotline_agent, other_manufacturer, south_key, pbx
):
    body = {"event": "newCall", "callId": "c-7", "from": MOBILE, "user": hotline_agent.username}
    read_key = api_key_create(tenant=hotline, name="BI", scope="read").secret
    foreign_key = api_key_create(tenant=other_manufacturer.hotline, name="DY CTI", scope="write").secret

    assert api_client(hotline).post(CALLS, body, format="json").status_code == 401
    assert api_client(hotline, foreign_key).post(CALLS, body, format="json").status_code == 401
    assert api_client(hotline, read_key).post(CALLS, body, format="json").status_code == 403
    assert api_client(hotline, south_key).post(CALLS, body, format="json").status_code == 403
    assert api_session(hotline, hotline_agent).post(CALLS, body, format="json").status_code == 403
    assert calls_of(hotline) == []


def test_the_pop_up_shows_the_owner_the_open_work_order_and_the_repeat_warning(
    hotline, hotline_agent, known_owner, pbx
):
    pbx.new_call("c-8", MOBILE, user=hotline_agent.username)
    call = calls_of(hotline)[0]
    client = client_for(hotline, hotline_agent)

    popup = client.get(f"/calls/{call.pk}/").content.decode()
    current = client.get("/calls/current/")

    assert "王建华" in popup
    assert known_owner.number in popup
    assert 'data-testid="call-repeat"' in popup
    assert f"/work-orders/new/?call={call.pk}" in popup
    assert current.status_code == 200
    assert known_owner.number in current.content.decode()


def test_one_click_opens_an_intake_prefilled_from_the_call(hotline, hotline_agent, known_owner, pbx):
    pbx.new_call("c-9", MOBILE, user=hotline_agent.username)
    pbx.new_call("c-10", "13911112222", user=hotline_agent.username)
    known, unknown = calls_of(hotline)
    client = client_for(hotline, hotline_agent)

    page = client.get(f"/work-orders/new/?call={known.pk}").content.decode()
    new = client.get(f"/work-orders/new/?call={unknown.pk}").content.decode()

    assert 'value="王建华"' in page
    assert f'value="{MOBILE}"' in page
    assert known_owner.vehicle.vin in page
    assert 'value="13911112222"' in new
    assert 'value="王建华"' not in new


def test_no_current_call_is_an_empty_answer(hotline, hotline_agent):
    assert client_for(hotline, hotline_agent).get("/calls/current/").status_code == 204


def test_a_foreign_hotline_sees_nothing_of_our_calls(hotline, hotline_agent, other_manufacturer, pbx):
    pbx.new_call("c-11", MOBILE, user=hotline_agent.username)
    call = calls_of(hotline)[0]
    foreign_hotline = other_manufacturer.hotline
    foreigner = person("dy.agent", foreign_hotline, Role.HOTLINE_AGENT)

    def carried():
        """The foreigner's fresh session of their own host, carried to ours (a refusal ends it)."""
        client = client_for(foreign_hotline, foreigner)
        client.defaults["HTTP_HOST"] = host_of(hotline)
        return client

    for path in (f"/calls/{call.pk}/", "/calls/", "/calls/current/", f"/work-orders/new/?call={call.pk}"):
        assert carried().get(path).status_code == 404, path
    at_home = client_for(foreign_hotline, foreigner)
    assert at_home.get(f"/calls/{call.pk}/").status_code == 404
    assert MOBILE not in at_home.get(f"/work-orders/new/?call={call.pk}").content.decode()


def test_a_dealer_host_has_no_calls(hotline, dealer, dealer_user):
    client = client_for(dealer, dealer_user)
    assert client.get("/calls/").status_code == 404
    assert api_client(dealer).post(CALLS, {}, format="json").status_code in (401, 404)


def test_extensions_are_set_by_an_administrator_and_belong_to_one_agent(hotline, hotline_agent):
    admin = person("hq.admin", hotline, Role.HOTLINE_ADMIN)
    other = person("agent2", hotline, Role.HOTLINE_AGENT)
    client = client_for(hotline, admin)

    assert (
        client.post("/administration/telephony/", {"user": hotline_agent.pk, "extension": "8012"}).status_code
        == 302
    )
    taken = client.post("/administration/telephony/", {"user": other.pk, "extension": "8012"})
    bad = client.post("/administration/telephony/", {"user": other.pk, "extension": "80 12"})
    refused = client_for(hotline, hotline_agent).post(
        "/administration/telephony/", {"user": hotline_agent.pk, "extension": "1"}
    )

    assert taken.status_code == 400
    assert "8012" in taken.content.decode()
    assert bad.status_code == 400
    assert refused.status_code == 403
    with tenant_context(hotline):
        assert dict(AgentExtension.objects.values_list("user_id", "extension")) == {hotline_agent.pk: "8012"}


# --- live: the pop-up reaches the agent's open socket through the worker -------------------


@pytest.fixture
def live_world(committed_tenants, manufacturer, redis_worker):
    hotline = manufacturer.hotline
    agent = person("hq.agent", hotline, Role.HOTLINE_AGENT)
    other = person("hq.other", hotline, Role.HOTLINE_AGENT)
    key = api_key_create(tenant=hotline, name="CTI", scope="write").secret
    cookies = {
        u.username: f"sessionid={client_for(hotline, u).cookies['sessionid'].value}" for u in (agent, other)
    }
    channel_layers.backends = {}
    async_to_sync(get_channel_layer().flush)()
    connection.set_schema_to_public()
    return {
        "hotline": hotline,
        "host": host_of(hotline),
        "agent": agent,
        "other": other,
        "key": key,
        "cookies": cookies,
    }


async def _socket(world, username: str) -> WebsocketCommunicator:
    headers = [
        (b"host", world["host"].encode()),
        (b"origin", f"http://{world['host']}".encode()),
        (b"cookie", world["cookies"][username].encode()),
    ]
    socket = WebsocketCommunicator(websocket_application, "/ws/live/", headers=headers)
    connected, _code = await socket.connect()
    assert connected
    await socket.send_json_to({"action": "subscribe", "topic": "notifications"})
    while (await socket.receive_json_from(timeout=10))["type"] != "subscribed":
        pass
    return socket


async def _in_thread(post, *args, **kwargs):
    """What the PBX posts, from another thread (the test's event loop keeps serving the sockets)."""
    from django.db import connections

    def posted():
        try:
            return post(*args, **kwargs)
        finally:
            connections.close_all()

    return await asyncio.get_running_loop().run_in_executor(None, posted)


async def _next_call(socket) -> dict | None:
    with contextlib.suppress(asyncio.TimeoutError):
        while True:
            message = await socket.receive_json_from(timeout=15)
            if message["type"] == "call":
                return message
    return None


@pytest.mark.django_db(transaction=True)
def test_the_ringing_agent_gets_the_pop_up_live_and_the_others_lose_it_on_answer(live_world):
    world = live_world
    pbx = FakeTelephony(world["hotline"], world["key"])

    async def scenario() -> tuple:
        agent = await _socket(world, "hq.agent")
        other = await _socket(world, "hq.other")
        await _in_thread(pbx.new_call, "c-live", MOBILE, user=["hq.agent", "hq.other"])
        rings = (await _next_call(agent), await _next_call(other))
        await _in_thread(pbx.answer, "c-live", user="hq.agent")
        answered = (await _next_call(agent), await _next_call(other))
        await agent.disconnect()
        await other.disconnect()
        return rings, answered

    rings, answered = async_to_sync(scenario)()

    assert [(m["state"], m["mine"]) for m in rings] == [("ringing", True), ("ringing", True)]
    assert [(m["state"], m["mine"]) for m in answered] == [("answered", True), ("answered", False)]
    assert wait_for(lambda: calls_of(world["hotline"])[0].pushed == calls_of(world["hotline"])[0].version)
    assert calls_of(world["hotline"])[0].state == CallState.ANSWERED
