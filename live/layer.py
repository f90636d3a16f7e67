"""The channel layer of the web process: channels-redis' pub/sub layer, with each group
message decoded once per process and offered to its sockets directly.

A group message reaches a web process once (one Redis subscription per group and
process). The pub/sub layer then queues the encoded message for every socket of
the group, and each socket's consumer decodes it, encodes its own frame and sends
it from a task of its own. Here the process decodes it once and offers it to each
member's *direct receiver* (``receive_directly``): ``offer`` either takes the
message (writes it to its socket at once) or declines it; a declined message goes
the usual way, into that socket's queue, so a socket that is busy, behind or
writing still gets everything in order through its consumer. ``waiting`` tells the
receiver of each message put in its queue (a declined one, or one sent to its own
channel), so it takes nothing directly while older messages wait there.

Only the delivery inside the process changes: what is published, to which groups,
and who is a member of a group are channels-redis' own.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import redis
import redis.sentinel
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close

logger = logging.getLogger(__name__)


class DirectReceiver(Protocol):
    def offer(self, message: dict[str, Any]) -> bool:
        """Take a decoded group message (True), or decline it (False: it is queued as usual)."""

    def waiting(self) -> None:
        """A message was put in this receiver's queue."""


class LiveChannelLayer(RedisPubSubChannelLayer):
    """``receive_directly(channel, receiver)`` / ``receive_directly(channel, None)``: a socket's
    consumer offers to take its group messages directly (and stops offering);
    ``group_send_many([(group, message), ...])``: the relay's messages of one pass in one
    round trip.

    ``open_mailbox(listener)`` / ``close_mailbox(channel)``: a channel of this process whose
    messages wait in a ``Mailbox`` that calls ``listener()`` on each one put in, for a consumer
    that reads them only when there are some (instead of a reader waiting on every socket)."""

    async def open_mailbox(self, listener: Callable[[], None]) -> tuple[str, Mailbox]:
        return await self._get_layer().open_mailbox(listener)

    async def close_mailbox(self, channel: str) -> None:
        await self._get_layer().close_mailbox(channel)

    def _get_layer(self) -> _LoopLayer:
        loop = asyncio.get_running_loop()
        if loop not in self._layers:
            self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return self._layers[loop]


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.direct: dict[str, DirectReceiver] = {}
        # Not connected yet (connections open on first use): the same hosts, our shard.
        self._shards = [_Shard(shard.host, self) for shard in self._shards]

    async def _subscribe_to_channel(self, channel: str) -> None:
        """As channels-redis' own, with a ``Mailbox`` for the channel's queue."""
        self.channels[channel] = Mailbox()
        await self._get_shard(channel).subscribe(channel)

    async def open_mailbox(self, listener: Callable[[], None]) -> tuple[str, Mailbox]:
        """A new channel (``new_channel``'s) whose mailbox calls ``listener`` on each message.
        (Nothing can be sent to it before its name is returned.)"""
        channel = await self.new_channel()
        mailbox = self.channels[channel]
        mailbox.listener = listener
        return channel, mailbox

    async def close_mailbox(self, channel: str) -> None:
        """Forget a channel at once (nothing more is put in its mailbox), then unsubscribe."""
        if self.channels.pop(channel, None) is None:
            return
        try:
            await self._get_shard(channel).unsubscribe(channel)
        except Exception:  # Redis away: a reconnected subscription no longer includes it
            logger.warning("could not unsubscribe %s", channel, exc_info=True)

    def receive_directly(self, channel: str, receiver: DirectReceiver | None) -> None:
        if receiver is None:
            self.direct.pop(channel, None)
        else:
            self.direct[channel] = receiver

    async def flush(self) -> None:
        self.direct = {}
        await super().flush()

    async def group_send_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Group messages in one round trip per Redis server, each group's in order."""
        for shard, batch in self.by_shard(messages).items():
            await shard.publish_many(batch)

    def by_shard(self, messages: list[tuple[str, dict[str, Any]]]) -> dict[_Shard, list[tuple[str, bytes]]]:
        """Group messages as (Redis channel, encoded message) pairs, by the shard that carries them."""
        batches: dict[_Shard, list[tuple[str, bytes]]] = {}
        for group, message in messages:
            name = self._get_group_channel_name(group)
            batches.setdefault(self._get_shard(name), []).append(
                (name, self.channel_layer.serialize(message))
            )
        return batches


class Mailbox:
    """A socket's channel queue: ``put_nowait`` and ``get`` as ``asyncio.Queue``'s, holding nothing
    while it is empty.

    A live socket's queue is nearly always empty (its events go straight to it) but lives as long
    as the socket: an ``asyncio.Queue`` keeps three deques and an ``asyncio.Event`` for it, about
    3 KiB a socket; this keeps three slots: what waits, the waiting readers' futures, and a
    ``listener`` called after each put (for a reader that starts only when there is mail).
    """

    __slots__ = ("_getters", "_items", "listener")

    def __init__(self) -> None:
        self._items: deque | None = None
        self._getters: list[asyncio.Future] | None = None  # nearly always one: the socket's reader
        self.listener: Callable[[], None] | None = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: Any) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        self._wake_next()
        if self.listener is not None:
            self.listener()

    def get_nowait(self) -> Any:
        """The first message waiting; ``IndexError`` when there is none."""
        if not self._items:
            raise IndexError("empty mailbox")
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item

    async def get(self) -> Any:
        while not self._items:
            getter = asyncio.get_running_loop().create_future()
            if self._getters is None:
                self._getters = []
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                if self._getters and getter in self._getters:
                    self._getters.remove(getter)
                elif self._items:
                    self._wake_next()  # woken, then cancelled: the next reader takes the item
                raise
        return self.get_nowait()

    def _wake_next(self) -> None:
        while self._getters:
            getter = self._getters.pop(0)
            if not getter.done():
                getter.set_result(None)
                break
        if not self._getters:
            self._getters = None


class _Shard(RedisSingleShardConnection):
    channel_layer: _LoopLayer

    async def publish_many(self, batch: list[tuple[str, bytes]]) -> None:
        async with self._lock:
            self._ensure_redis()
            async with self._redis.pipeline(transaction=False) as pipe:
                for channel, data in batch:
                    pipe.publish(channel, data)
                await pipe.execute()

    def _receive_message(self, message: dict[str, Any] | None) -> None:
        layer = self.channel_layer
        if message is None:
            return
        name = message["channel"]
        name = name.decode() if isinstance(name, bytes) else name
        if not layer.direct:
            super()._receive_message(message)
            return
        data = message["data"]
        if name in layer.channels:  # to one socket's own channel
            if name in layer.direct:
                layer.direct[name].waiting()
            layer.channels[name].put_nowait(data)
            return
        decoded = None
        for channel in list(layer.groups.get(name, ())):  # a receiver may close its socket meanwhile
            queue = layer.channels.get(channel)
            if queue is None:
                continue
            receiver = layer.direct.get(channel)
            if receiver is not None:
                try:
                    if decoded is None:
                        decoded = layer.channel_layer.deserialize(data)
                    if receiver.offer(decoded):
                        continue
                except Exception:  # the socket's consumer still gets it from its queue
                    logger.exception("direct live delivery failed")
                receiver.waiting()
            queue.put_nowait(data)


def publish_once(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Send ``[(group, message), ...]`` in order, from synchronous code, on an event loop of its
    own (a task's pushes, a relay pass outside the relay process); with this layer, in one round
    trip."""
    if not messages:
        return
    layer = get_channel_layer()

    async def send_all() -> None:
        if isinstance(layer, LiveChannelLayer):
            await layer.group_send_many(messages)
            return
        for group, message in messages:
            await layer.group_send(group, message)

    async_to_sync(send_all)()


class GroupPublisher:
    """Publishes group messages from synchronous code, for a process that only publishes (the
    relay): the layer's channels, shards and encoding, over blocking Redis clients kept for the
    process's life, with no event loop or thread in between. ``publisher(messages)`` sends
    ``[(group, message), ...]`` in order, in one round trip per Redis server."""

    def __init__(self, layer: LiveChannelLayer) -> None:
        # Names the channels and picks the shards; it is never connected (no loop runs it).
        self.names = _LoopLayer(*layer._args, **layer._kwargs, channel_layer=layer)
        self.clients: dict[_Shard, redis.Redis] = {}

    def __call__(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        for shard, batch in self.names.by_shard(messages).items():
            client = self.clients.get(shard)
            if client is None:
                client = self.clients[shard] = redis.Redis(connection_pool=_blocking_pool(shard.host))
            with client.pipeline(transaction=False) as pipe:
                for channel, data in batch:
                    pipe.publish(channel, data)
                pipe.execute()

    def close(self) -> None:
        for client in self.clients.values():
            client.connection_pool.disconnect()
        self.clients = {}


def _blocking_pool(host: dict[str, Any]) -> redis.ConnectionPool:
    """A blocking client's pool for a layer's host entry, read as channels-redis reads it for
    its own (asynchronous) pools: an ``address`` URL, a sentinel's master, or keyword arguments."""
    host = dict(host)
    if "address" in host:
        return redis.ConnectionPool.from_url(host.pop("address"), **host)
    master = host.pop("master_name", None)
    if master is not None:
        sentinels = redis.sentinel.Sentinel(
            host.pop("sentinels"), sentinel_kwargs=host.pop("sentinel_kwargs", None)
        )
        return redis.sentinel.SentinelConnectionPool(master, sentinels, **host)
    return redis.ConnectionPool(**host)
