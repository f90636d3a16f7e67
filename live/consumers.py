"""Live updates over WebSocket: a client subscribes to what its role may watch.

Topics: ``board`` (a hotline's whole board; hotline staff), ``inbox`` (a dealer's
work orders across its networks; dealer staff), ``work_order`` (one work order;
the hotline that owns it, or the dealer it is routed to), ``notifications`` (the
person's own unread count, live). A client that
reconnects sends ``since``: the last position it saw per stream (a stream is a
manufacturer's hotline); it receives what it missed, then live events. Every
database read happens inside the tenant's schema within the synchronous
handler (Django connections are per thread).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import types
import weakref
from collections.abc import Coroutine, Generator
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.http import Http404
from django_tenants.utils import tenant_context

from config.converters import CodeConverter
from dealers.gateway import DealerGateway
from hotline.models import WorkOrder
from hotline.selectors import feed_position, feed_positions_of, relayed_after
from notifications.services import unread_count
from tenants.context import each_tenant
from tenants.models import Tenant, TenantType
from tenants.permissions import may
from tenants.selectors import memberships_active, sessions_alive

from .audiences import board_group, inbox_group, session_group, user_group, work_order_group
from .layer import LiveChannelLayer
from .messages import event_message, replayed

logger = logging.getLogger(__name__)
CODE = re.compile(CodeConverter.regex)
# More missed events than this and a reconnecting client is told to reload instead.
REPLAY_LIMIT = 1000
MAX_FRAME = 4096
MEMBERSHIP_RECHECK_SECONDS = 30  # a client frame re-checks at most this often (the sweep: all)


# Every open socket of this process, for the sweep that repairs gaps on quiet feeds.
_OPEN: weakref.WeakSet[LiveConsumer] = weakref.WeakSet()
_SWEEPERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task] = weakref.WeakKeyDictionary()
# Joining and leaving groups, a few at a time per process: when thousands of sockets
# (re)subscribe at once, each call would otherwise open its own Redis connection.
LAYER_CALLS_AT_ONCE = 32
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def loop_slots(name: str, size: int) -> asyncio.Semaphore:
    """The ``size`` places of this event loop for the calls named ``name``."""
    slots = _SLOTS.setdefault(asyncio.get_running_loop(), {})
    if name not in slots:
        slots[name] = asyncio.Semaphore(size)
    return slots[name]


def _layer_slot() -> asyncio.Semaphore:
    return loop_slots("layer", LAYER_CALLS_AT_ONCE)


async def _sweep_forever() -> None:
    """Every few seconds: close the sockets of revoked memberships, and tell each board or
    inbox socket that is behind its feed.

    Both checks are one query per process (per hotline schema for the feeds), not
    one per socket. A message lost on the way (Redis away, a full channel) is
    caught by the next one of the same feed; this covers the feeds where no next
    one comes. A socket is told through its own channel, so what follows runs in
    order with its other messages.
    """
    loop = asyncio.get_running_loop()
    previous: dict[tuple[int, int | None], int] = {}
    while True:
        await asyncio.sleep(settings.LIVE_SWEEP_SECONDS)
        consumers = [c for c in list(_OPEN) if c.loop is loop]
        try:
            await _sweep_memberships(consumers)
            # Behind what the feed had reached at the previous sweep: a message on its way
            # now arrives within moments and is not a gap.
            due, previous = previous, await _sweep_feeds(consumers)
        except Exception:  # the database away: the next sweep tries again
            logger.warning("live sweep failed", exc_info=True)
            continue
        for consumer in consumers:
            behind = {
                stream: due[int(stream), consumer.feed_owner]
                for stream, last in list(consumer.feed.items())
                if due.get((int(stream), consumer.feed_owner), 0) > last
            }
            if behind:
                await _tell(consumer, {"type": "live.check", "positions": behind})


async def _tell(consumer: LiveConsumer, message: dict[str, Any]) -> None:
    """A message to one socket through its own channel; Redis away: the next sweep retries."""
    try:
        await consumer.channel_layer.send(consumer.channel_name, message)
    except Exception:
        logger.warning("live sweep could not reach %s", consumer.channel_name, exc_info=True)


# Sockets checked in one go by the sweep. Checking a session is Python work (its signature, the
# user's password hash) done on a thread, which holds the interpreter lock while this process's
# event loop waits for it between every write to a socket: the first sweep after thousands of
# sockets connect (nothing decoded yet) stalled deliveries for half a second in one piece. In
# pieces, the loop gets its turn between them.
SWEEP_PIECE = 100


async def _sweep_memberships(consumers: list[LiveConsumer]) -> None:
    """Sockets whose membership was revoked, or whose session ended (signed out, idle, too old,
    a new password), are told to close."""
    for start in range(0, len(consumers), SWEEP_PIECE):
        piece = consumers[start : start + SWEEP_PIECE]
        pairs = {(c.user_id, c.tenant.pk) for c in piece}
        members, alive = await database_sync_to_async(_still_allowed)(pairs, {c.session_key for c in piece})
        for consumer in piece:
            member = (consumer.user_id, consumer.tenant.pk) in members
            if not member or consumer.session_key not in alive:
                await _tell(consumer, {"type": "live.revoked"})


def _still_allowed(pairs: set[tuple[int, int]], keys: set[str]) -> tuple[set[tuple[int, int]], set[str]]:
    """Of a piece's (user, tenant) pairs and session keys, the active memberships and the live
    sessions: one trip to a thread for both."""
    return memberships_active(pairs), sessions_alive(keys)


async def _sweep_feeds(consumers: list[LiveConsumer]) -> dict[tuple[int, int | None], int]:
    """The current position of every feed these sockets follow."""
    wanted: dict[int, set[int | None]] = {}
    for consumer in consumers:
        for stream in consumer.feed:
            wanted.setdefault(int(stream), set()).add(consumer.feed_owner)
    return await database_sync_to_async(feed_positions)(wanted) if wanted else {}


def feed_positions(wanted: dict[int, set[int | None]]) -> dict[tuple[int, int | None], int]:
    """The last position relayed to each feed asked for: per hotline id, its board
    (``None``) and dealers' inboxes; one query or two per hotline schema."""
    done = each_tenant(
        lambda hotline: feed_positions_of(wanted[hotline.pk]),
        tenants=Tenant.objects.filter(pk__in=list(wanted)),
        name="live feed positions",
    )
    return {
        (hotline_id, dealer_id): last
        for hotline_id, positions in done.results.items()
        for dealer_id, last in positions.items()
    }


def _dealer_missed(gateway: DealerGateway, since: dict[str, int], **narrow: str) -> list[dict] | None:
    """What a dealer's socket missed, through the gateway, as messages."""
    rows = gateway.relayed_since(since, limit=REPLAY_LIMIT, **narrow)
    if rows is None:
        return None
    return [
        event_message(row.event, row.position, maker.hotline_id, maker.code, for_dealer=True)
        for maker, row in rows
    ]


_encoded: tuple[dict[str, Any] | None, str] = (None, "")


def event_frame(message: dict[str, Any]) -> str:
    """The frame a socket gets for a ``live.event`` message: the message without the layer's
    ``type`` and the feed's ``prev``. Encoded once per message, however many sockets of the
    process it goes to (the layer offers one message to all of them in one go)."""
    global _encoded
    if _encoded[0] is not message:
        frame = {k: v for k, v in message.items() if k not in ("type", "prev")} | {"type": "event"}
        _encoded = (message, json.dumps(frame))
    return _encoded[1]


@types.coroutine
def _rest_of(coroutine: Coroutine[Any, Any, Any], waiting: Any) -> Generator[Any, Any, Any]:
    """Drive a coroutine that was started by hand and suspended on ``waiting`` to its end."""
    try:
        while True:
            try:
                sent = yield waiting
            except BaseException as exc:
                waiting = coroutine.throw(exc)
            else:
                waiting = coroutine.send(sent)
    except StopIteration as done:
        return done.value


async def _finish(coroutine: Coroutine[Any, Any, Any], waiting: Any) -> None:
    await _rest_of(coroutine, waiting)


class Refused(Exception):
    """A subscription this connection may not have."""


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Asynchronous: live events are only forwarded, without a thread hop per message.

    The database work (membership checks, what a client missed) runs in
    ``database_sync_to_async``; messages of one connection are handled one at a
    time, in order, so what was missed always goes out before what follows.
    """

    # Direct delivery (live/layer.py): an event goes straight to the socket when the consumer
    # is idle, nothing waits in its queue and the event is next in its feed; otherwise it
    # waits in the socket's queue, behind what is there.
    busy = False  # handling a message (connecting, a subscription, a catch-up, a queued one)
    queued = 0  # messages the layer put in this socket's queue, not handled yet
    writing: asyncio.Future | None = None  # a direct write waiting for the socket to drain

    _reader: asyncio.Task | None = None  # handling what waits in the socket's mailbox
    _ended: BaseException | None = None  # what ended the reader (and so the socket)

    def __init__(self, tenant: Tenant, user_id: int, role: str, session_key: str) -> None:
        """Who was admitted (live.routing.LiveGate): the tenant, the member and the session."""
        super().__init__()
        self.tenant, self.user_id, self.role, self.session_key = tenant, user_id, role, session_key

    def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Coroutine[Any, Any, None]:
        """The socket's life: on the layer of live.layer, ``_serve``; on another, Channels' loop.
        (A plain function returning the coroutine: no frame of its own per open socket.)"""
        layer = get_channel_layer(self.channel_layer_alias)
        if isinstance(layer, LiveChannelLayer):
            return self._serve(layer, scope, receive, send)
        return self._channels_loop(scope, receive, send)

    async def _channels_loop(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._forget()

    def _forget(self) -> None:
        """However the consumer ends (a failed send, the database away mid catch-up), the layer
        stops offering it messages and the sweep forgets it."""
        _OPEN.discard(self)
        if isinstance(self.channel_layer, LiveChannelLayer) and hasattr(self, "channel_name"):
            self.channel_layer.receive_directly(self.channel_name, None)

    async def _serve(self, layer: LiveChannelLayer, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Channels' dispatch loop, for the layer of live.layer, without its cost per idle socket.

        Channels keeps two tasks per socket, one waiting on the client and one on the socket's
        channel, and waits on both with ``asyncio.wait`` (about 3 KiB a socket, for a channel
        that nearly always stays empty: events go straight to the socket). Here the socket's
        own task waits on the client, and a reader task exists only while the socket's mailbox
        holds messages. Both handle their messages one at a time, in turn, as Channels' loop
        does; whichever ends the socket (a close, a failure) ends it for both.
        """
        self.scope, self.channel_layer, self.base_send = scope, layer, send
        self._turn = asyncio.Lock()
        self._main = asyncio.current_task()
        try:
            self.channel_name, self.mailbox = await layer.open_mailbox(self._mail)
            while True:
                message = await receive()
                async with self._turn:
                    await self.dispatch(message)
        except StopConsumer:
            pass
        except asyncio.CancelledError:
            if self._ended is None:
                raise
            self._main.uncancel()  # cancelled by the reader, which ended the socket
            if not isinstance(self._ended, StopConsumer):
                raise self._ended from None
        finally:
            self._forget()
            if self._reader is not None:
                self._reader.cancel()
            if hasattr(self, "channel_name"):
                await layer.close_mailbox(self.channel_name)

    def _mail(self) -> None:
        """From the mailbox: a message was put in; the reader handles it, once it has its turn."""
        if self._reader is None and self._ended is None:
            self._reader = asyncio.get_running_loop().create_task(self._read_mail())

    async def _read_mail(self) -> None:
        try:
            while not self.mailbox.empty():  # only this reader takes from it
                async with self._turn:
                    await self.dispatch(self.channel_layer.deserialize(self.mailbox.get_nowait()))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a close (StopConsumer) or a failure: the socket ends
            self._ended = exc
            self._main.cancel()
        finally:
            self._reader = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """As Channels' own, one message at a time, but without closing stale database
        connections around each message: the handlers use the database only through
        ``database_sync_to_async``, which does that in its own thread."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        self.busy = True
        try:
            if self.writing is not None:
                await asyncio.wait([self.writing])  # a direct write still draining goes out first
            await handler(message)
        finally:
            self.busy = False
            if not message["type"].startswith("websocket.") and self.queued:
                self.queued -= 1  # one from the layer's queue

    def offer(self, message: dict[str, Any]) -> bool:
        """From the layer: take an event that is next in order and write it now (True), or
        decline (False) and handle it from the queue, after what is ahead of it."""
        if message.get("type") != "live.event" or self.busy or self.queued or self.writing is not None:
            return False
        prev = message.get("prev")
        if prev is not None:
            stream, position = str(message["stream"]), message["position"]
            last = self.feed.get(stream, prev)
            if position <= last:
                return True  # sent already, with an earlier catch-up
            if prev > last:
                return False  # a gap: the consumer reads it from the log first
            self.feed[stream] = position
        self._write(event_frame(message))
        return True

    def waiting(self) -> None:
        """From the layer: a message was put in this socket's queue."""
        self.queued += 1

    def _write(self, text: str) -> None:
        """Send a frame now; a socket whose buffer is full finishes in a task of its own, and
        what follows waits for it."""
        coroutine = self.base_send({"type": "websocket.send", "text": text})
        try:
            waiting = coroutine.send(None)
        except StopIteration:
            return
        except Exception:  # the socket went away; its disconnect ends the consumer
            logger.debug("direct live send failed", exc_info=True)
            return
        self.writing = asyncio.ensure_future(_finish(coroutine, waiting))
        self.writing.add_done_callback(self._written)

    def _written(self, writing: asyncio.Future) -> None:
        self.writing = None
        if not writing.cancelled() and writing.exception() is not None:
            logger.debug("direct live send failed", exc_info=writing.exception())

    async def connect(self) -> None:
        self.joined: set[str] = set()
        self.loop = asyncio.get_running_loop()
        # Board or inbox: per stream, the last position sent (to notice a missed message).
        self.feed: dict[str, int] = {}
        self.feed_owner = None if self.tenant.type == TenantType.HOTLINE else self.tenant.pk
        self.checked_at = time.monotonic()
        await self.accept()
        _OPEN.add(self)
        if isinstance(self.channel_layer, LiveChannelLayer):
            self.channel_layer.receive_directly(self.channel_name, self)
        # Signing out (or an ended session) reaches this socket through its session's group.
        if self.session_key:
            try:
                async with _layer_slot():
                    await self.channel_layer.group_add(session_group(self.session_key), self.channel_name)
                self.joined.add(session_group(self.session_key))
            except Exception:  # Redis away: the sweep still closes it within seconds
                logger.warning("could not join the session group")
        loop = asyncio.get_running_loop()
        if loop not in _SWEEPERS or _SWEEPERS[loop].done():
            _SWEEPERS[loop] = loop.create_task(_sweep_forever())

    async def _still_member(self) -> bool:
        """Re-check the membership now and then; a revoked one closes the socket (4404)."""
        if time.monotonic() - self.checked_at < MEMBERSHIP_RECHECK_SECONDS:
            return True
        self.checked_at = time.monotonic()
        pair = (self.user_id, self.tenant.pk)
        if await database_sync_to_async(memberships_active)({pair}):
            return True
        logger.info(
            "closing live socket of user %s on %s: no longer a member",
            self.user_id,
            self.tenant.slug,
        )
        await self.close(code=4404)
        return False

    async def disconnect(self, code: int) -> None:
        _OPEN.discard(self)
        loop = asyncio.get_running_loop()
        if loop in _SWEEPERS and not any(c for c in _OPEN if c.loop is loop):
            _SWEEPERS.pop(loop).cancel()
        for group in self.joined:
            try:
                async with _layer_slot():
                    await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # Redis away: the membership expires there on its own
                logger.warning("could not leave %s on disconnect", group)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """One bad frame gets an error frame; the connection stays open."""
        if not await self._still_member():
            return
        if text_data is None or len(text_data) > MAX_FRAME:
            await self.send_json({"type": "error", "error": "frame_too_large_or_binary"})
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_json({"type": "error", "error": "not_json"})
            return
        if not isinstance(content, dict) or content.get("action") != "subscribe":
            logger.info("ignored live frame %r", text_data[:200])
            await self.send_json({"type": "error", "error": "unknown_action"})
            return
        try:
            await self.subscribe(content)
        except Refused as exc:
            logger.warning(
                "refused live subscription %s for user %s on %s",
                exc,
                self.user_id,
                self.tenant.slug,
            )
            await self.send_json({"type": "error", "error": "refused", "topic": content.get("topic")})

    async def subscribe(self, content: dict[str, Any]) -> None:
        topic = content.get("topic")
        group, missed = await database_sync_to_async(self._topic)(topic, content)
        # Join first, then read what was missed: an event relayed in between arrives twice
        # at worst (the client drops ids it has seen), never not at all.
        async with _layer_slot():
            await self.channel_layer.group_add(group, self.channel_name)
        self.joined.add(group)
        missed = await database_sync_to_async(missed)()
        if missed is None:
            await self.send_json({"type": "resync", "topic": topic})
        elif isinstance(missed, int):
            await self.send_json({"type": "notification", "unread": missed})
        else:
            for message in missed:
                await self._forward(message)
                if topic in ("board", "inbox"):
                    stream = str(message["stream"])
                    self.feed[stream] = max(self.feed.get(stream, 0), message["position"])
        await self.send_json({"type": "subscribed", "topic": topic})

    def _topic(self, topic: Any, content: dict[str, Any]) -> tuple[str, Any]:
        """The group of a topic this connection may watch, and how to read what it missed.

        The reader returns the missed events, None (too many: reload), or for
        notifications the unread count.
        """
        since = content.get("since") or {}
        if not isinstance(since, dict) or not all(
            isinstance(v, int)
            and not isinstance(v, bool)
            and 0 <= v < 2**62
            and str(k).isdigit()
            and len(str(k)) < 19
            for k, v in since.items()
        ):
            raise Refused("bad since")  # positions are whole numbers a bigint holds, per stream id
        since = {str(k): v for k, v in since.items()}
        hotline_only = topic in ("board", "work_order") and self.tenant.type == TenantType.HOTLINE
        if hotline_only and not may(self.role, "work_order.read"):
            raise Refused(f"topic {topic!r} for this role")  # parts-centre staff: not the board
        if topic == "board" and self.tenant.type == TenantType.HOTLINE:
            with tenant_context(self.tenant):
                self._feed_from({str(self.tenant.pk): feed_position()}, since)
            return board_group(self.tenant.pk), lambda: self._hotline_missed(since)
        if topic == "inbox" and self.tenant.type == TenantType.DEALER:
            gateway = DealerGateway(self.tenant)
            self._feed_from(gateway.positions(inbox=True), since)
            return inbox_group(self.tenant.pk), lambda: _dealer_missed(gateway, since)
        if topic == "work_order":
            return self._work_order(content, since)
        if topic == "notifications":

            def unread() -> int:
                with tenant_context(self.tenant):
                    return unread_count(self.user_id)

            return user_group(self.tenant.pk, self.user_id), unread
        raise Refused(f"topic {topic!r}")

    def _hotline_missed(self, since: dict[str, int], work_order_id: int | None = None) -> list[dict] | None:
        stream = str(self.tenant.pk)
        if stream not in since:
            return []
        filters = {} if work_order_id is None else {"event__work_order_id": work_order_id}
        with tenant_context(self.tenant):
            rows = relayed_after(since[stream], limit=REPLAY_LIMIT, **filters)
        return replayed(
            rows, hotline_id=self.tenant.pk, manufacturer_code=self.tenant.manufacturer.code, for_dealer=False
        )

    def _work_order(self, content: dict[str, Any], since: dict[str, int]) -> tuple[str, Any]:
        number, code = str(content.get("number") or ""), str(content.get("manufacturer") or "")
        if not (CODE.fullmatch(number) and (CODE.fullmatch(code) or self.tenant.type == TenantType.HOTLINE)):
            raise Refused("not a work order number")  # a NUL byte or worse never reaches a query
        if self.tenant.type == TenantType.HOTLINE:
            with tenant_context(self.tenant):
                work_order_id = WorkOrder.objects.filter(number=number).values_list("pk", flat=True).first()
            if work_order_id is None:
                raise Refused("unknown work order")
            return (
                work_order_group(self.tenant.pk, work_order_id, "hotline"),
                lambda: self._hotline_missed(since, work_order_id),
            )
        if self.tenant.type == TenantType.DEALER:
            gateway = DealerGateway(self.tenant)
            try:
                with tenant_context(self.tenant):
                    view = gateway.work_order(code, number)
            except Http404 as exc:
                raise Refused("work order not routed here") from exc
            return (
                work_order_group(view.manufacturer.hotline_id, view.work_order.pk, self.tenant.pk),
                lambda: _dealer_missed(gateway, since, manufacturer_code=code, number=number),
            )
        raise Refused("no work orders on this host")

    async def live_notification(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "notification", "unread": message["unread"]})

    async def live_call(self, message: dict[str, Any]) -> None:
        """A call that rings (or rang) this person: the page opens or closes its pop-up."""
        await self.send_json(
            {"type": "call", "call": message["call"], "state": message["state"], "mine": message["mine"]}
        )

    async def live_revoked(self, message: dict[str, Any]) -> None:
        """From the sweep: this person is no longer a member here."""
        logger.info(
            "closing live socket of user %s on %s: no longer a member",
            self.user_id,
            self.tenant.slug,
        )
        await self.close(code=4404)

    def _feed_from(self, current: dict[str, int], since: dict[str, int]) -> None:
        """Where this socket's feed starts: the client's last positions, or now."""
        for stream, position in current.items():
            self.feed.setdefault(stream, min(since.get(stream, position), position))

    def _catch_up(self, stream: str, after: int) -> list[dict] | None:
        """The board's or inbox's events after ``after`` in one stream (None: too many)."""
        if self.tenant.type == TenantType.HOTLINE:
            return self._hotline_missed({stream: after})
        return _dealer_missed(DealerGateway(self.tenant), {stream: after})

    async def live_event(self, message: dict[str, Any]) -> None:
        """Forward one event; a board or inbox message after a gap brings the gap first."""
        prev = message.get("prev")
        if prev is not None:
            stream, position = str(message["stream"]), message["position"]
            last = self.feed.get(stream, prev)
            if position <= last:
                return  # sent already, with an earlier catch-up
            if prev > last:
                await self._fill(stream, last, position)
            self.feed[stream] = position
        await self._forward(message)

    async def live_check(self, message: dict[str, Any]) -> None:
        """From the sweep: the feed has moved past what this socket has sent."""
        for stream, position in message["positions"].items():
            last = self.feed.get(stream)
            if last is not None and position > last:
                await self._fill(stream, last, position + 1)

    async def _fill(self, stream: str, last: int, before: int) -> None:
        """Send the feed's events after ``last`` and before ``before`` from the log.

        Joins its groups again first: a Redis server that restarted has forgotten
        them (and the classic layer forgets a membership after a day).
        """
        logger.info(
            "live socket on %s missed %s..%s of stream %s; catching up",
            self.tenant.slug,
            last + 1,
            before - 1,
            stream,
        )
        for group in self.joined:
            async with _layer_slot():
                await self.channel_layer.group_add(group, self.channel_name)
        missed = await database_sync_to_async(self._catch_up)(stream, last)
        if missed is None:
            await self.send_json({"type": "resync"})
            return
        for earlier in missed:
            if earlier["position"] < before:
                await self._forward(earlier)
                self.feed[stream] = max(self.feed.get(stream, 0), earlier["position"])

    async def _forward(self, message: dict[str, Any]) -> None:
        await self.send(text_data=event_frame(message))
