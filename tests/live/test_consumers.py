"""Live updates: the relay publishes committed events; each client gets only its audience's."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.models import Outbox
from hotline.services.work_orders import work_order_create
from live.consumers import _OPEN as consumers_open
from live.consumers import LiveConsumer
from live.layer import GroupPublisher, LiveChannelLayer
from live.relay import Hotlines, relay_everywhere, relay_pending
from live.routing import websocket_application
from tenants.models import Role

from ..conftest import (
    OTHER_VIN,
    client_for,
    dispatch_relayed,
    host_of,
    join,
    owner,
    parts_intake,
    person,
    run_relay_while,
    someone_waits_for_a_lock,
    vehicle,
)


@pytest.fixture
def live(committed_tenants, manufacturer):
    junda = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    pengcheng = join(manufacturer, "sz-pengcheng", "HQ-GD-002", city="深圳").dealer
    hotline = manufacturer.hotline
    people = {
        "agent": (hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT)),
        "junda": (junda, person("junda.crm", junda, Role.DEALER_CRM_MANAGER)),
        "pengcheng": (pengcheng, person("pc.crm", pengcheng, Role.DEALER_CRM_MANAGER)),
    }
    cookies = {
        name: f"sessionid={client_for(t, u).cookies['sessionid'].value}" for name, (t, u) in people.items()
    }
    # A fresh layer: one used by earlier tests holds connections of event loops now closed.
    channel_layers.backends = {}
    async_to_sync(get_channel_layer().flush)()
    return {
        "manufacturer": manufacturer,
        "hotline": hotline,
        "junda": junda,
        "pengcheng": pengcheng,
        "cookies": cookies,
        "hosts": {n: host_of(t) for n, (t, _u) in people.items()},
    }


def new_work_order(live, n: int = 0):
    agent = Actor(user_id=1, name="李娜", tenant_id=live["hotline"].pk, role="hotline_agent")
    with tenant_context(live["hotline"]):
        return work_order_create(
            manufacturer=live["manufacturer"],
            actor=agent,
            intake=parts_intake(dealer_id=live["junda"].pk)
            if n == 0
            else parts_intake(
                dealer_id=live["junda"].pk,
                owner=owner(mobile="13922876543"),
                vehicle=vehicle(vin=OTHER_VIN, plate=""),
            ),
        )


def write_and_relay(live) -> None:
    """In a worker thread (the test's event loop must keep serving the sockets meanwhile)."""
    from django.db import connections

    try:
        new_work_order(live)
        relay_everywhere()
        dispatch_relayed()
    finally:
        connections.close_all()


class Client:
    def __init__(self, live, who: str) -> None:
        host = live["hosts"][who]
        self.communicator = WebsocketCommunicator(
            websocket_application,
            "/ws/live/",
            headers=[
                (b"host", host.encode()),
                (b"origin", f"http://{host}".encode()),
                (b"cookie", live["cookies"][who].encode()),
            ],
        )

    async def open(self) -> None:
        connected, _code = await self.communicator.connect(timeout=5)  # a loaded machine is slow to accept
        assert connected

    async def send(self, payload: object) -> None:
        await self.communicator.send_to(text_data=json.dumps(payload))

    async def frames_until(self, kind: str, limit: int = 200) -> list[dict]:
        frames = []
        for _ in range(limit):
            frame = await self.communicator.receive_json_from(timeout=5)
            frames.append(frame)
            if frame["type"] == kind:
                return frames
        raise AssertionError(f"no {kind} frame")

    async def events(self, count: int) -> list[dict]:
        return [await self.communicator.receive_json_from(timeout=5) for _ in range(count)]


def run(coroutine):
    return async_to_sync(lambda: coroutine)()


def test_board_and_the_dealers_inbox_see_a_new_work_order_live(live):
    async def scenario() -> tuple[list, list, bool]:
        board, inbox, other = Client(live, "agent"), Client(live, "junda"), Client(live, "pengcheng")
        for client, topic in ((board, "board"), (inbox, "inbox"), (other, "inbox")):
            await client.open()
            await client.send({"action": "subscribe", "topic": topic})
            await client.frames_until("subscribed")
        await asyncio.get_running_loop().run_in_executor(None, write_and_relay, live)
        seen_board = await board.events(2)
        seen_inbox = await inbox.events(2)
        other_quiet = await other.communicator.receive_nothing(timeout=0.5)
        for client in (board, inbox, other):
            await client.communicator.disconnect()
        return seen_board, seen_inbox, other_quiet

    board, inbox, other_quiet = async_to_sync(scenario)()

    assert {e["type"] for e in board + inbox} == {"event"}
    assert [e["kind"] for e in board] == ["work_order.created", "work_order.dispatched"]
    assert [e["position"] for e in board] == [1, 2]
    assert [e["kind"] for e in inbox] == ["work_order.created", "work_order.dispatched"]
    assert other_quiet  # another dealer of the same network hears nothing


def test_a_dealer_cannot_watch_the_board_or_another_dealers_work_order(live):
    wo = new_work_order(live)

    async def scenario() -> list[dict]:
        other = Client(live, "pengcheng")
        await other.open()
        frames = []
        await other.send({"action": "subscribe", "topic": "board"})
        frames.append(await other.communicator.receive_json_from(timeout=5))
        await other.send(
            {"action": "subscribe", "topic": "work_order", "manufacturer": "HQ", "number": wo.number}
        )
        frames.append(await other.communicator.receive_json_from(timeout=5))
        await other.send({"action": "subscribe", "topic": "inbox"})  # still connected
        frames += await other.frames_until("subscribed")
        await other.communicator.disconnect()
        return frames

    frames = async_to_sync(scenario)()

    assert frames[0] == {"type": "error", "error": "refused", "topic": "board"}
    assert frames[1] == {"type": "error", "error": "refused", "topic": "work_order"}
    assert frames[-1] == {"type": "subscribed", "topic": "inbox"}


def test_a_parts_centres_person_on_the_hotline_host_cannot_watch_the_board_or_a_work_order(live):
    """A member of the hotline for one parts centre is not hotline staff: no board, no work order."""
    from tenants.models import PartsCentre

    hotline = live["hotline"]
    south = PartsCentre.objects.get(manufacturer=live["manufacturer"], code="PC-GZ")
    clerk = person("pc.gz", hotline, Role.PARTS_CENTRE_STAFF, parts_centre=south)
    live["hosts"]["centre"] = host_of(hotline)
    live["cookies"]["centre"] = f"sessionid={client_for(hotline, clerk).cookies['sessionid'].value}"
    wo = new_work_order(live)

    async def scenario() -> list[dict]:
        centre = Client(live, "centre")
        await centre.open()
        frames = []
        await centre.send({"action": "subscribe", "topic": "board"})
        frames.append(await centre.communicator.receive_json_from(timeout=5))
        await centre.send({"action": "subscribe", "topic": "work_order", "number": wo.number})
        frames.append(await centre.communicator.receive_json_from(timeout=5))
        await centre.send({"action": "subscribe", "topic": "notifications"})  # still connected
        frames += await centre.frames_until("subscribed")
        await centre.communicator.disconnect()
        return frames

    frames = async_to_sync(scenario)()

    assert frames[0] == {"type": "error", "error": "refused", "topic": "board"}
    assert frames[1] == {"type": "error", "error": "refused", "topic": "work_order"}
    assert frames[-1] == {"type": "subscribed", "topic": "notifications"}


def test_reconnecting_with_the_last_position_replays_exactly_the_gap(live):
    stream = str(live["hotline"].pk)
    new_work_order(live)
    relay_everywhere()  # positions 1.. of the first work order

    async def scenario() -> list[dict]:
        board = Client(live, "agent")
        await board.open()
        await board.send({"action": "subscribe", "topic": "board", "since": {stream: 2}})
        frames = await board.frames_until("subscribed")
        await board.communicator.disconnect()
        return frames

    new_work_order(live, 1)
    relay_everywhere()
    frames = async_to_sync(scenario)()
    replayed = [f["position"] for f in frames if f["type"] == "event"]

    with tenant_context(live["hotline"]):
        from hotline.models import RelayedEvent

        last = RelayedEvent.objects.order_by("-position").first().position
    assert replayed == list(range(3, last + 1))


def test_redis_down_loses_nothing(live):
    """Publishing fails while Redis is away; a client that comes back replays every position."""
    new_work_order(live)
    dead = GroupPublisher(LiveChannelLayer(hosts=["redis://127.0.0.1:1/0"]))
    with tenant_context(live["hotline"]):
        relayed = relay_pending(manufacturer=live["hotline"].manufacturer, publish=dead)
        assert Outbox.objects.count() == 0

    async def scenario() -> list[dict]:
        board = Client(live, "agent")
        await board.open()
        await board.send({"action": "subscribe", "topic": "board", "since": {str(live["hotline"].pk): 0}})
        frames = await board.frames_until("subscribed")
        await board.communicator.disconnect()
        return frames

    frames = async_to_sync(scenario)()
    positions = [f["position"] for f in frames if f["type"] == "event"]

    assert relayed > 0
    assert positions == list(range(1, relayed + 1))
    assert len({f["id"] for f in frames if f["type"] == "event"}) == relayed


def test_a_malformed_frame_gets_an_error_and_the_connection_stays(live):
    async def scenario() -> list[dict]:
        board = Client(live, "agent")
        await board.open()
        await board.communicator.send_to(text_data="{not json")
        await board.communicator.send_to(text_data="x" * 10_000)
        await board.send({"action": "dance"})
        frames = [await board.communicator.receive_json_from(timeout=5) for _ in range(3)]
        await board.send({"action": "subscribe", "topic": "board"})
        frames += await board.frames_until("subscribed")
        await board.communicator.disconnect()
        return frames

    frames = async_to_sync(scenario)()

    assert [f.get("error") for f in frames[:3]] == ["not_json", "frame_too_large_or_binary", "unknown_action"]
    assert frames[-1]["type"] == "subscribed"


def test_the_relay_process_publishes_what_is_waiting(live):
    from io import StringIO

    from django.core.management import call_command

    new_work_order(live)

    call_command("run_relay", "--once", stdout=StringIO())

    with tenant_context(live["hotline"]):
        assert Outbox.objects.count() == 0


def test_a_relay_pass_numbers_events_gap_free_and_gives_each_inbox_message_its_previous_position(live):
    """Two dealers' events interleaved over two passes, and an outbox entry whose event is gone:
    positions follow on with no gap, each dealer's message names the position of that dealer's
    one before (in the pass, or recorded by an earlier pass), and the entry is dropped."""
    from django.db import connection

    from hotline.models import RelayCounter, RelayedEvent, RelayFeed
    from hotline.services.conversation import message_post
    from live.relay import relay_one_pass

    hotline, junda, pengcheng = live["hotline"], live["junda"], live["pengcheng"]
    agent = Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent")
    first = new_work_order(live)
    with tenant_context(hotline):
        work_order_create(
            manufacturer=live["manufacturer"],
            actor=agent,
            intake=parts_intake(
                dealer_id=pengcheng.pk,
                owner=owner(mobile="13922876543"),
                vehicle=vehicle(vin=OTHER_VIN, plate=""),
            ),
        )
        message_post(work_order_id=first.pk, actor=agent, text="请尽快联系车主。")
        gone = Outbox.objects.order_by("-event_id").first().event_id + 1000
        Outbox.objects.create(event_id=gone)

    def passed() -> list[tuple]:
        with tenant_context(hotline):
            return relay_one_pass(live["manufacturer"])

    def expected(rows: list[tuple], feeds: dict[int, int]) -> list[int | None]:
        """What each row's dealer heard last, as the relay worked it out before the pass was SQL."""
        prevs = []
        for row in rows:
            dealer, position = row[4], row[8]
            prevs.append(feeds.get(dealer, 0) if row[9] else None)
            if row[9]:
                feeds[dealer] = position
        return prevs

    rows = passed()
    assert rows[-1][0] == gone
    assert (rows[-1][1], rows[-1][8], rows[-1][11]) == (None, None, None)  # dropped, not numbered
    numbered = rows[:-1]
    assert {row[4] for row in numbered} == {junda.pk, pengcheng.pk}
    assert [row[8] for row in numbered] == list(range(1, len(numbered) + 1))
    feeds: dict[int, int] = {}
    assert [row[11] for row in numbered] == expected(numbered, feeds)
    with tenant_context(hotline):
        assert not Outbox.objects.exists()
        assert RelayCounter.objects.get().last == len(numbered)
        assert dict(RelayFeed.objects.values_list("dealer_id", "last")) == feeds
        message_post(work_order_id=first.pk, actor=agent, text="车主已到店。")
    again = passed()
    assert [row[8] for row in again] == list(range(len(numbered) + 1, len(numbered) + len(again) + 1))
    assert [row[11] for row in again] == expected(again, feeds)
    assert again[0][11] == max(row[8] for row in numbered if row[4] == junda.pk)
    with tenant_context(hotline), connection.cursor() as cursor:
        cursor.execute("SELECT xmin FROM hotline_relaycounter")
        version = cursor.fetchone()
    assert passed() == []  # nothing waiting: nothing numbered, the counter not even written
    with tenant_context(hotline), connection.cursor() as cursor:
        cursor.execute("SELECT xmin FROM hotline_relaycounter")
        assert cursor.fetchone() == version
        assert RelayCounter.objects.get().last == RelayedEvent.objects.count()


def test_a_relay_pass_inside_a_transaction_leaves_the_callers_search_path_as_it_was(live):
    """The pass names its hotline's schema for its own statements only: what the caller runs after
    it in the same transaction, in another tenant's schema, still reads that tenant's tables."""
    from django.db import connection, transaction

    from live.relay import relay_one_pass

    new_work_order(live)
    with tenant_context(live["junda"]), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SHOW search_path")
            before = cursor.fetchone()[0]
        assert relay_one_pass(live["manufacturer"])
        with connection.cursor() as cursor:
            cursor.execute("SHOW search_path")
            assert cursor.fetchone()[0] == before


def test_a_relay_that_waited_for_another_relays_none_of_its_events_again(live):
    """Two relays of one hotline at once: the second waits for the first's lock and then sees
    what the first committed, so every event goes out once, at one position."""
    import threading

    from django.db import connections, transaction

    from hotline.models import RelayedEvent
    from live.relay import relay_one_pass

    hotline = live["hotline"]
    new_work_order(live)
    before = relay_everywhere(publish=lambda _: None)  # the hotline's counter row exists
    new_work_order(live, 1)
    first_holds, first_may_commit = threading.Event(), threading.Event()
    relayed: dict[str, object] = {}

    def first() -> None:  # a pass that has numbered the events and not yet committed
        try:
            with tenant_context(hotline), transaction.atomic():
                relayed["first"] = len(relay_one_pass(live["manufacturer"]))
                first_holds.set()
                first_may_commit.wait(30)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            with tenant_context(hotline):
                relayed["second"] = relay_pending(manufacturer=live["manufacturer"], publish=lambda _: None)
        except Exception as error:
            relayed["second"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_holds.wait(30)
    threads[1].start()
    assert someone_waits_for_a_lock()  # the second, for the counter row the first holds
    first_may_commit.set()
    for thread in threads:
        thread.join(30)

    assert relayed["first"] > 0
    assert relayed["second"] == 0
    with tenant_context(hotline):
        positions = list(RelayedEvent.objects.values_list("position", flat=True))
        assert positions == list(range(1, before + relayed["first"] + 1))
        assert Outbox.objects.count() == 0


@pytest.mark.parametrize("option", ["--poll", "--dispatch-hold"])
@pytest.mark.parametrize("value", ["nan", "inf", "-1", "soon"])
def test_the_relay_process_refuses_a_number_of_seconds_it_cannot_wait(option, value):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=f"argument {option}: .*{value}"):
        call_command("run_relay", option, value, "--once", stdout=StringIO())


def test_the_relay_process_takes_what_was_never_announced_within_its_poll_though_others_keep_announcing(
    live,
):
    """Events whose notification the relay never heard (written while it was not listening)
    wait at most about ``--poll`` seconds, even while notifications for other schemas keep
    waking it (each such wake-up visits only the schemas named)."""
    from django.db import connection

    waited: dict[str, float] = {}

    def announce() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify('work_order_events', 'another_hotline')")

    def write_unheard() -> None:
        """The outbox trigger (and its notification) off, the outbox row put by hand."""
        with tenant_context(live["hotline"]), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            new_work_order(live)
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute(
                "INSERT INTO hotline_outbox (event_id) SELECT id FROM hotline_workorderevent "
                "WHERE id NOT IN (SELECT event_id FROM hotline_relayedevent)"
            )

    def others_keep_announcing() -> None:
        started = time.monotonic()
        while time.monotonic() - started < 1.5:  # the relay's first (full) pass is over
            announce()
            time.sleep(0.05)
        write_unheard()
        written = time.monotonic()
        while time.monotonic() - written < 8:
            announce()
            with tenant_context(live["hotline"]):
                if not Outbox.objects.exists():
                    waited["seconds"] = time.monotonic() - written
                    break
            time.sleep(0.05)

    run_relay_while(others_keep_announcing, "--poll", "0.5")

    assert "seconds" in waited  # relayed while the others kept announcing (8 s at most here)


def test_dealer_staff_are_told_of_a_new_work_order_once_with_a_live_unread_count(live):
    from notifications.models import Notification

    async def scenario() -> list[dict]:
        crm = Client(live, "junda")
        await crm.open()
        await crm.send({"action": "subscribe", "topic": "notifications"})
        frames = await crm.frames_until("subscribed")
        await asyncio.get_running_loop().run_in_executor(None, write_and_relay, live)
        frames.append(await crm.communicator.receive_json_from(timeout=5))
        await crm.communicator.disconnect()
        return frames

    frames = async_to_sync(scenario)()

    assert frames[0] == {"type": "notification", "unread": 0}
    assert frames[-1] == {"type": "notification", "unread": 1}
    with tenant_context(live["junda"]):
        titles = list(Notification.objects.values_list("title", "kind"))
    with tenant_context(live["pengcheng"]):
        assert not Notification.objects.exists()
    assert len(titles) == 1
    assert titles[0][1] == "work_order.dispatched"


def test_a_person_given_a_work_order_by_their_manager_sees_the_unread_count_live(live, redis_worker):
    from dealers.gateway import DealerGateway

    wo = new_work_order(live)
    manager = Actor(user_id=9, name="陈经理", tenant_id=live["junda"].pk, role="dealer_crm_manager")

    def assign() -> None:
        from django.db import connections

        from tenants.models import User

        try:
            with tenant_context(live["junda"]):
                assignee = User.objects.get(username="junda.crm")
                DealerGateway(live["junda"]).act(
                    "assign", "HQ", wo.number, actor=manager, assignee_id=assignee.pk
                )
        finally:
            connections.close_all()

    async def scenario() -> list[dict]:
        crm = Client(live, "junda")
        await crm.open()
        await crm.send({"action": "subscribe", "topic": "notifications"})
        frames = await crm.frames_until("subscribed")
        await asyncio.get_running_loop().run_in_executor(None, assign)
        frames.append(await crm.communicator.receive_json_from(timeout=10))
        await crm.communicator.disconnect()
        return frames

    frames = async_to_sync(scenario)()

    assert frames[0] == {"type": "notification", "unread": 0}
    assert frames[-1] == {"type": "notification", "unread": 1}


def test_the_agent_hears_of_the_first_contact_and_the_resolution(live):
    from dealers.gateway import DealerGateway
    from notifications.models import Notification

    wo = new_work_order(live)
    crm = Actor(user_id=2, name="黄丽", tenant_id=live["junda"].pk, role="dealer_crm_manager")
    with tenant_context(live["junda"]):
        DealerGateway(live["junda"]).act(
            "contact",
            "HQ",
            wo.number,
            actor=crm,
            at=None,
            whom="王建华",
            method="phone",
            reached=True,
            agreed="约明天进店",
        )
    with tenant_context(live["hotline"]):  # recorded by the agent who signed in above
        from hotline.models import WorkOrder

        WorkOrder.objects.filter(pk=wo.pk).update(created_by_id=_agent_id(live))
    relay_everywhere()
    dispatch_relayed()
    with tenant_context(live["hotline"]):
        kinds = list(Notification.objects.values_list("kind", flat=True))
        # The same events offered again (as after a crash) tell nobody twice.
        from hotline.models import WorkOrderEvent
        from live.dispatch import tells_of
        from notifications.services import notifications_file

        events = list(WorkOrderEvent.objects.select_related("work_order"))
        notifications_file(
            tells_of(events, manufacturer=live["hotline"].manufacturer, active_dealers={live["junda"].pk})
        )
        again = Notification.objects.count()
    assert kinds == ["work_order.first_contact"]
    assert again == 1


def _agent_id(live) -> int:
    from tenants.models import User

    return User.objects.get(username="hq.agent").pk


def test_after_a_transfer_each_dealer_hears_only_its_own_part(live):
    """A's requests stay A's; B hears from the transfer on; A learns only that it went."""
    from hotline.services import decisions
    from hotline.services.handling import transfer_request

    wo = new_work_order(live)
    relay_everywhere()
    supervisor = Actor(user_id=9, name="王强", tenant_id=live["hotline"].pk, role="hotline_supervisor")
    crm = Actor(user_id=2, name="黄丽", tenant_id=live["junda"].pk, role="dealer_crm_manager")

    async def scenario() -> tuple[list, list]:
        a, b = Client(live, "junda"), Client(live, "pengcheng")
        for client in (a, b):
            await client.open()
            await client.send({"action": "subscribe", "topic": "inbox"})
            await client.frames_until("subscribed")

        def move() -> None:
            from django.db import connections

            try:
                with tenant_context(live["hotline"]):
                    request = transfer_request(
                        work_order_id=wo.pk, actor=crm, reason="本店不是此车的服务站（A 的内部原因）"
                    )
                    decisions.transfer_decide(
                        manufacturer=live["manufacturer"],
                        request_id=request.pk,
                        actor=supervisor,
                        approve=True,
                        reason="同意",
                        to_dealer_id=live["pengcheng"].pk,
                    )
                relay_everywhere()
            finally:
                connections.close_all()

        await asyncio.get_running_loop().run_in_executor(None, move)
        seen_a, seen_b = [], []
        for client, seen in ((a, seen_a), (b, seen_b)):
            while not await client.communicator.receive_nothing(timeout=1):
                seen.append(await client.communicator.receive_json_from(timeout=5))
            await client.communicator.disconnect()
        return seen_a, seen_b

    seen_a, seen_b = async_to_sync(scenario)()

    kinds_b = [e["kind"] for e in seen_b]
    assert "transfer.requested" in [e["kind"] for e in seen_a]
    assert "transfer.requested" not in kinds_b
    assert not any(e["kind"] == "clock.stopped" for e in seen_b)
    assert kinds_b[0] == "work_order.transferred"
    assert "A 的内部原因" not in json.dumps(seen_b, ensure_ascii=False)
    assert "from_dealer_code" not in json.dumps(seen_b)
    gone = [e for e in seen_a if e["kind"] == "work_order.transferred_away"]
    assert gone == [{**gone[0], "data": {}}]
    assert "sz-pengcheng" not in json.dumps(seen_a, ensure_ascii=False)


class Heard:
    """A publisher that only notes the groups it is asked to send to."""

    def __init__(self) -> None:
        self.groups: list[str] = []

    def __call__(self, messages: list[tuple[str, dict]]) -> None:
        self.groups += [group for group, _ in messages]


def test_a_dealer_that_left_the_network_hears_nothing_more_of_its_work_orders(live):
    from hotline.services.conversation import message_post
    from live.audiences import board_group, inbox_group, work_order_group
    from tenants.models import NetworkMembership

    wo = new_work_order(live)
    hotline, junda = live["hotline"], live["junda"]
    agent = Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent")
    while_a_member = Heard()
    relay_everywhere(publish=while_a_member)
    NetworkMembership.objects.filter(manufacturer=live["manufacturer"], dealer=junda).update(is_active=False)
    with tenant_context(hotline):
        message_post(work_order_id=wo.pk, actor=agent, text="车主已改约下周一到店。")
    after_leaving = Heard()
    relay_everywhere(publish=after_leaving)

    assert inbox_group(junda.pk) in while_a_member.groups
    assert work_order_group(hotline.pk, wo.pk, junda.pk) in while_a_member.groups
    assert board_group(hotline.pk) in after_leaving.groups
    assert inbox_group(junda.pk) not in after_leaving.groups
    assert work_order_group(hotline.pk, wo.pk, junda.pk) not in after_leaving.groups


def test_a_membership_revoked_after_the_handshake_closes_the_socket(live, monkeypatch):
    from live import consumers
    from tenants.models import Membership

    monkeypatch.setattr(consumers, "MEMBERSHIP_RECHECK_SECONDS", 0)

    async def scenario() -> dict:
        inbox = Client(live, "junda")
        await inbox.open()
        await inbox.send({"action": "subscribe", "topic": "inbox"})
        await inbox.frames_until("subscribed")
        await asyncio.get_running_loop().run_in_executor(None, revoke)
        await inbox.send({"action": "subscribe", "topic": "inbox"})
        return await inbox.communicator.receive_output(timeout=5)

    def revoke() -> None:
        from django.db import connections

        try:
            Membership.objects.filter(tenant=live["junda"]).update(is_active=False)
        finally:
            connections.close_all()

    closing = async_to_sync(scenario)()

    assert closing == {"type": "websocket.close", "code": 4404}


@pytest.fixture
def own_redis(redis_of_its_own, settings):
    """A Redis server of this test's own, so that it can be stopped and started again."""
    sock, start, stop = redis_of_its_own
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"unix://{sock}"]},
        }
    }
    channel_layers.backends = {}
    yield start, stop
    channel_layers.backends = {}


def test_redis_stopped_and_restarted_during_a_burst_loses_nothing(live, own_redis):
    start, stop = own_redis
    stream = str(live["hotline"].pk)

    def burst(n: int) -> None:
        from django.db import connections

        try:
            for i in range(n):
                agent = Actor(user_id=1, name="李娜", tenant_id=live["hotline"].pk, role="hotline_agent")
                with tenant_context(live["hotline"]):
                    work_order_create(
                        manufacturer=live["manufacturer"],
                        actor=agent,
                        intake=parts_intake(
                            dealer_id=live["junda"].pk,
                            owner=owner(mobile=f"1390000{i:04d}"),
                            vehicle=vehicle(vin=OTHER_VIN, plate=""),
                        ),
                    )
                relay_everywhere()
        finally:
            connections.close_all()

    async def scenario() -> list[int]:
        loop = asyncio.get_running_loop()
        seen: list[int] = []
        board = Client(live, "agent")
        await board.open()
        await board.send({"action": "subscribe", "topic": "board"})
        await board.frames_until("subscribed")
        await loop.run_in_executor(None, burst, 2)
        while not await board.communicator.receive_nothing(timeout=0.5):
            seen.append((await board.communicator.receive_json_from(timeout=5))["position"])
        await loop.run_in_executor(None, stop)  # Redis goes away mid-burst ...
        await loop.run_in_executor(None, burst, 2)  # ... these cannot be published
        await loop.run_in_executor(None, start)  # it comes back, empty
        # The old socket died with its Redis connection, as a browser's would.
        with contextlib.suppress(Exception):
            await board.communicator.disconnect()
        again = Client(live, "agent")  # the browser reconnects with its last position
        await again.open()
        await again.send({"action": "subscribe", "topic": "board", "since": {stream: seen[-1]}})
        frames = await again.frames_until("subscribed")
        seen += [f["position"] for f in frames if f["type"] == "event"]
        await loop.run_in_executor(None, burst, 1)  # and live again
        while not await again.communicator.receive_nothing(timeout=0.5):
            seen.append((await again.communicator.receive_json_from(timeout=5))["position"])
        await again.communicator.disconnect()
        return seen

    seen = async_to_sync(scenario)()

    assert seen == list(range(1, len(seen) + 1))  # every position, once, in order
    with tenant_context(live["hotline"]):
        from hotline.models import RelayedEvent

        assert len(seen) == RelayedEvent.objects.count()


def test_a_board_left_idle_longer_than_the_redis_read_timeout_still_hears_news(live):
    """The layer waits for messages 5 s at a time; an idle socket must not die of it."""

    async def scenario() -> list[dict]:
        board = Client(live, "agent")
        await board.open()
        await board.send({"action": "subscribe", "topic": "board"})
        await board.frames_until("subscribed")
        await asyncio.sleep(6.5)  # no news for longer than one wait
        await asyncio.get_running_loop().run_in_executor(None, write_and_relay, live)
        seen = await board.events(2)
        await board.communicator.disconnect()
        return seen

    seen = async_to_sync(scenario)()

    assert [e["kind"] for e in seen] == ["work_order.created", "work_order.dispatched"]


def write_unpublished(live, n: int) -> None:
    """A work order whose events the relay cannot publish: its Redis is away."""
    from django.db import connections

    away = GroupPublisher(LiveChannelLayer(hosts=["unix:///nonexistent/redis.sock"]))
    try:
        new_work_order(live, n)
        relay_everywhere(publish=away)
    finally:
        connections.close_all()


async def drain(client: Client) -> list[int]:
    """Positions of everything the socket receives until it has been quiet for a while."""
    seen = []
    while not await client.communicator.receive_nothing(timeout=0.7):
        seen.append((await client.communicator.receive_json_from(timeout=5))["position"])
    return seen


def relayed_positions(live) -> list[int]:
    from hotline.models import RelayedEvent

    with tenant_context(live["hotline"]):
        return list(RelayedEvent.objects.order_by("position").values_list("position", flat=True))


@pytest.mark.parametrize(("who", "topic"), [("agent", "board"), ("junda", "inbox")])
def test_a_live_socket_that_missed_messages_gets_them_with_the_next_one(live, who, topic):
    def write(n: int) -> None:
        from django.db import connections

        try:
            new_work_order(live, n)
            relay_everywhere()
        finally:
            connections.close_all()

    async def scenario() -> tuple[list[int], list[int]]:
        loop = asyncio.get_running_loop()
        client = Client(live, who)
        await client.open()
        await client.send({"action": "subscribe", "topic": topic})
        await client.frames_until("subscribed")
        await loop.run_in_executor(None, write_unpublished, live, 0)
        live_before = await drain(client)
        await loop.run_in_executor(None, write, 1)
        seen = await drain(client)
        await client.communicator.disconnect()
        return live_before, seen

    live_before, seen = async_to_sync(scenario)()

    assert live_before == []  # the first work order's events never reached the socket live
    assert seen == relayed_positions(live)  # the gap, then the news: each once, in order
    assert len(seen) > 4


@pytest.mark.parametrize(("who", "topic"), [("agent", "board"), ("junda", "inbox")])
def test_a_quiet_feed_that_missed_messages_gets_them_within_the_sweep(live, who, topic, settings):
    settings.LIVE_SWEEP_SECONDS = 0.5

    async def scenario() -> list[int]:
        client = Client(live, who)
        await client.open()
        await client.send({"action": "subscribe", "topic": topic})
        await client.frames_until("subscribed")
        await asyncio.get_running_loop().run_in_executor(None, write_unpublished, live, 0)
        # Nothing else happens on this feed; the sweep notices the socket is behind.
        first = (await client.communicator.receive_json_from(timeout=5))["position"]
        seen = [first, *await drain(client)]
        await client.communicator.disconnect()
        return seen

    seen = async_to_sync(scenario)()

    assert seen == relayed_positions(live)


@pytest.mark.parametrize("revoked", ["membership", "account"])
def test_a_revoked_membership_closes_a_silent_socket_within_the_sweep(live, settings, revoked):
    """No frame from the client needed: the sweep re-checks every open socket. The membership
    revoked, or the person's account switched off (every membership with it)."""
    from tenants.models import Membership, User

    settings.LIVE_SWEEP_SECONDS = 0.5

    def revoke() -> None:
        from django.db import connections

        try:
            if revoked == "membership":
                Membership.objects.filter(tenant=live["junda"]).update(is_active=False)
            else:
                User.objects.filter(username="junda.crm").update(is_active=False)
        finally:
            connections.close_all()

    async def scenario() -> tuple[bool, dict]:
        inbox, other = Client(live, "junda"), Client(live, "pengcheng")
        for client in (inbox, other):
            await client.open()
            await client.send({"action": "subscribe", "topic": "inbox"})
            await client.frames_until("subscribed")
        await asyncio.get_running_loop().run_in_executor(None, revoke)
        closing = await inbox.communicator.receive_output(timeout=5)
        other_open = await other.communicator.receive_nothing(timeout=1.5)
        await other.communicator.disconnect()
        return other_open, closing

    other_open, closing = async_to_sync(scenario)()

    assert closing == {"type": "websocket.close", "code": 4404}
    assert other_open  # another dealer's staff keep their socket


def test_the_sweep_checks_every_socket_piece_by_piece(live, settings, monkeypatch):
    """The sweep goes over the sockets in pieces (the event loop gets its turn in between): with
    a piece of one socket, both dealers' revoked sockets are still closed."""
    from live import consumers
    from tenants.models import Membership

    settings.LIVE_SWEEP_SECONDS = 0.5
    monkeypatch.setattr(consumers, "SWEEP_PIECE", 1)

    def revoke() -> None:
        from django.db import connections

        try:
            Membership.objects.filter(tenant__in=[live["junda"], live["pengcheng"]]).update(is_active=False)
        finally:
            connections.close_all()

    async def scenario() -> list[dict]:
        sockets = [Client(live, "junda"), Client(live, "pengcheng")]
        for client in sockets:
            await client.open()
            await client.send({"action": "subscribe", "topic": "inbox"})
            await client.frames_until("subscribed")
        await asyncio.get_running_loop().run_in_executor(None, revoke)
        return [await client.communicator.receive_output(timeout=5) for client in sockets]

    closings = async_to_sync(scenario)()

    assert closings == [{"type": "websocket.close", "code": 4404}] * 2


def test_a_pass_for_the_announced_hotlines_leaves_the_others_waiting_not_lost(live):
    new_work_order(live)

    assert relay_everywhere(schemas={"some_other_hotline"}) == 0
    with tenant_context(live["hotline"]):
        assert Outbox.objects.count() > 0  # still waiting: the next full pass takes them
    assert relay_everywhere(schemas={live["hotline"].schema_name}) > 0
    with tenant_context(live["hotline"]):
        assert Outbox.objects.count() == 0


def test_a_relay_process_learns_of_a_manufacturer_added_while_it_runs(live):
    """The relay keeps the manufacturers between passes; a schema it does not know yet, once
    announced, makes it read them again."""
    from tenants.services.provisioning import manufacturer_create

    hotlines = Hotlines()
    assert [m.code for m in hotlines.of(None)] == ["HQ"]
    added = manufacturer_create(code="DY", name="东岳汽车", slug="dongyue", work_order_prefix="DY")

    assert [m.code for m in hotlines.of({added.hotline.schema_name})] == ["DY"]
    new_work_order(live)
    assert relay_everywhere(schemas={live["hotline"].schema_name}, hotlines=hotlines) > 0


def test_a_relay_process_keeps_the_manufacturers_for_its_full_passes_and_reads_them_within_a_minute(
    live,
):
    """A full pass (every --poll seconds) does not read the manufacturers again while they are
    fresh; a manufacturer never announced is found once they are a minute old, or at once after
    ``forget`` (a new listening connection, a failed pass)."""
    from tenants.services.provisioning import manufacturer_create

    now = [1000.0]
    hotlines = Hotlines(clock=lambda: now[0])
    assert [m.code for m in hotlines.of(None)] == ["HQ"]
    manufacturer_create(code="DY", name="东岳汽车", slug="dongyue", work_order_prefix="DY")

    now[0] += 59
    assert [m.code for m in hotlines.of(None)] == ["HQ"]
    now[0] += 1
    assert [m.code for m in hotlines.of(None)] == ["HQ", "DY"]

    manufacturer_create(code="NX", name="南星汽车", slug="nanxing", work_order_prefix="NX")
    assert [m.code for m in hotlines.of(None)] == ["HQ", "DY"]
    hotlines.forget()
    assert [m.code for m in hotlines.of(None)] == ["HQ", "DY", "NX"]


def test_the_relay_process_publishes_pass_after_pass_over_its_one_redis_connection(live):
    publisher = GroupPublisher(get_channel_layer())

    def write_and_relay_on_the_publisher(n: int) -> int:
        from django.db import connections

        try:
            new_work_order(live, n)
            return relay_everywhere(publish=publisher)
        finally:
            connections.close_all()

    async def scenario() -> list[list[dict]]:
        board = Client(live, "agent")
        await board.open()
        await board.send({"action": "subscribe", "topic": "board"})
        await board.frames_until("subscribed")
        loop = asyncio.get_running_loop()
        passes = []
        for n in (0, 1):
            relayed = await loop.run_in_executor(None, write_and_relay_on_the_publisher, n)
            passes.append(await board.events(relayed))
        await board.communicator.disconnect()
        return passes

    try:
        first, second = async_to_sync(scenario)()
        # Both passes went over one connection, kept between them.
        assert [c.connection_pool._created_connections for c in publisher.clients.values()] == [1]
    finally:
        publisher.close()

    for frames in (first, second):
        assert [e["kind"] for e in frames][:2] == ["work_order.created", "work_order.dispatched"]
        assert len({e["work_order"] for e in frames}) == 1
    assert first[0]["work_order"] != second[0]["work_order"]
    positions = [e["position"] for e in first + second]
    assert positions == list(range(positions[0], positions[0] + len(positions)))


def opened_consumer(before: set) -> LiveConsumer:
    """The consumer of the socket opened since ``before`` was taken (this process's open sockets)."""
    (consumer,) = set(consumers_open) - before
    return consumer


@pytest.fixture
def handled(monkeypatch) -> list[int]:
    """The ids of the events consumers handle from their queues (not written directly)."""
    ids: list[int] = []
    handle = LiveConsumer.live_event

    async def counted(self, message):
        ids.append(message["id"])
        await handle(self, message)

    monkeypatch.setattr(LiveConsumer, "live_event", counted)
    return ids


def test_events_in_order_go_straight_to_the_sockets_of_the_process(live, handled):
    """The layer decodes a group message once and each consumer that is in order writes it at
    once: no consumer handles it from its queue."""

    async def scenario() -> list[list[dict]]:
        clients = [Client(live, "agent"), Client(live, "agent"), Client(live, "junda")]
        for client, topic in zip(clients, ("board", "board", "inbox"), strict=True):
            await client.open()
            await client.send({"action": "subscribe", "topic": topic})
            await client.frames_until("subscribed")
        await asyncio.get_running_loop().run_in_executor(None, write_and_relay, live)
        seen = [await client.events(2) for client in clients]
        for client in clients:
            await client.communicator.disconnect()
        return seen

    seen = async_to_sync(scenario)()

    for frames in seen:
        assert [(f["type"], f["position"]) for f in frames] == [("event", 1), ("event", 2)]
        assert "prev" not in frames[0]
    assert seen[0] == seen[1]  # both boards: the same frames
    assert handled == []


def test_a_socket_that_cannot_take_more_yet_gets_everything_in_order_once_it_drains(live, handled):
    """A socket whose buffer is full: its write waits, what follows waits behind it in its
    queue, the other sockets of the process are not held up; once drained, the socket takes
    events directly again."""

    async def scenario() -> tuple[list[int], list[int], list[int], int, list[int]]:
        before = set(consumers_open)
        slow, quick = Client(live, "agent"), Client(live, "agent")
        await slow.open()
        consumer = opened_consumer(before)
        await quick.open()
        for client in (slow, quick):
            await client.send({"action": "subscribe", "topic": "board"})
            await client.frames_until("subscribed")
        drained = asyncio.Event()
        send = consumer.base_send

        async def full_buffer(message):
            if message["type"] == "websocket.send":
                await drained.wait()
            await send(message)

        consumer.base_send = full_buffer
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, write_and_relay, live)
        await loop.run_in_executor(None, write_and_relay, live)
        quick_seen = await drain(quick)
        slow_before = await drain(slow)
        drained.set()
        slow_seen = await drain(slow)
        from_queue = len(handled)
        await loop.run_in_executor(None, write_and_relay, live)
        later = await drain(slow)
        await drain(quick)
        for client in (slow, quick):
            await client.communicator.disconnect()
        return quick_seen, slow_before, slow_seen, from_queue, later

    quick_seen, slow_before, slow_seen, from_queue, later = async_to_sync(scenario)()

    assert len(quick_seen) > 4
    assert slow_before == []
    assert slow_seen == quick_seen
    assert from_queue == len(quick_seen) - 1  # all but the first, which was written directly
    assert later == relayed_positions(live)[len(quick_seen) :]
    assert len(handled) == from_queue  # direct again


def test_a_message_to_the_sockets_channel_waits_for_the_frame_in_hand_and_a_closed_socket_leaves_no_channel(
    live, monkeypatch
):
    """Sent to a socket's channel (the sweep's messages go this way): handled after the client's
    frame in hand, at once when the socket is idle; once the socket closes, the process forgets
    its channel."""
    in_hand, go_on = asyncio.Event(), asyncio.Event()
    subscribe = LiveConsumer.subscribe

    async def held_subscribe(self, content):
        in_hand.set()
        await go_on.wait()
        await subscribe(self, content)

    monkeypatch.setattr(LiveConsumer, "subscribe", held_subscribe)

    async def scenario() -> tuple[bool, list[dict], dict, bool, bool]:
        layer = get_channel_layer()
        before = set(consumers_open)
        board = Client(live, "agent")
        await board.open()
        consumer = opened_consumer(before)
        await board.send({"action": "subscribe", "topic": "notifications"})
        await asyncio.wait_for(in_hand.wait(), 5)
        await layer.send(consumer.channel_name, {"type": "live.notification", "unread": 7})
        overtook = not await board.communicator.receive_nothing(timeout=0.5)
        go_on.set()
        in_turn = await board.events(3)
        await layer.send(consumer.channel_name, {"type": "live.notification", "unread": 8})
        while_idle = await board.communicator.receive_json_from(timeout=5)
        await board.communicator.disconnect()
        return (
            overtook,
            in_turn,
            while_idle,
            consumer.channel_name in layer._get_layer().channels,
            consumer in consumers_open,
        )

    overtook, in_turn, while_idle, channel_kept, still_open = async_to_sync(scenario)()

    assert not overtook
    assert in_turn == [
        {"type": "notification", "unread": 0},
        {"type": "subscribed", "topic": "notifications"},
        {"type": "notification", "unread": 7},
    ]
    assert while_idle == {"type": "notification", "unread": 8}
    assert not channel_kept
    assert not still_open


def test_a_message_to_the_socket_that_cannot_be_handled_ends_the_socket(live):
    """A failure while handling a message of the socket's channel ends the socket, as one while
    handling a client's frame does, and the process forgets the socket and its channel."""

    async def scenario() -> tuple[str, bool, bool]:
        layer = get_channel_layer()
        before = set(consumers_open)
        board = Client(live, "agent")
        await board.open()
        consumer = opened_consumer(before)
        await layer.send(consumer.channel_name, {"type": "live.unheard_of"})
        ended = board.communicator.future
        await asyncio.wait([ended], timeout=5)  # at once, not when the client next speaks
        return (
            str(ended.exception()) if ended.done() else "still open",
            consumer.channel_name in layer._get_layer().channels,
            consumer in consumers_open,
        )

    failure, channel_kept, still_open = async_to_sync(scenario)()

    assert failure == "No handler for message type live.unheard_of"
    assert not channel_kept
    assert not still_open


def test_the_sockets_of_a_tenant_share_its_instance_until_its_row_changes(live):
    """A process holds one tenant instance for all its sockets of that tenant; after the row
    changes, sockets opened later get the new row (and share it), those open keep theirs."""

    def rename(name: str) -> None:
        from django.db import connections

        from tenants.models import Tenant

        try:
            Tenant.objects.filter(pk=live["hotline"].pk).update(name=name)
        finally:
            connections.close_all()

    async def scenario() -> list:
        loop = asyncio.get_running_loop()
        clients, tenants = [], []
        for rename_first in (None, None, "华骐热线（新）", None):
            if rename_first:
                await loop.run_in_executor(None, rename, rename_first)
            before = set(consumers_open)
            client = Client(live, "agent")
            await client.open()
            clients.append(client)
            tenants.append(opened_consumer(before).tenant)
        for client in clients:
            await client.communicator.disconnect()
        return tenants

    try:
        first, second, after_rename, later = async_to_sync(scenario)()
    finally:
        rename(live["hotline"].name)

    assert second is first
    assert after_rename is not first
    assert after_rename.name == "华骐热线（新）"
    assert first.name == live["hotline"].name
    assert later is after_rename
