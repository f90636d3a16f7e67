"""The floor for the live benchmark: a minimal fan-out server, uvicorn + websockets.

    uvicorn bench.live_floor:app --ws websockets-sansio

No tenancy, no sessions, no Django: a client names its group in the query string
(``/?g=board.12``); one Redis pub/sub connection per process receives what the
relay publishes through channels-redis' pub/sub layer (``<prefix>__group__<group>``)
and the server writes it to every socket of that group, encoded to JSON once.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any
from urllib.parse import parse_qs

import msgpack
import redis.asyncio as redis

PREFIX = "asgi__group__"
GROUPS: dict[str, set[Any]] = {}
_reader: asyncio.Task | None = None


async def _read() -> None:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    pubsub = client.pubsub()
    await pubsub.psubscribe(f"{PREFIX}*")
    async for item in pubsub.listen():
        if item["type"] != "pmessage":
            continue
        group = item["channel"].decode()[len(PREFIX) :]
        members = GROUPS.get(group)
        if not members:
            continue
        message = msgpack.unpackb(item["data"])
        message["type"] = "event"
        text = json.dumps(message, ensure_ascii=False)
        for send in list(members):
            try:
                await send({"type": "websocket.send", "text": text})
            except Exception:  # noqa: S112 - the socket went away meanwhile
                continue


async def app(scope: dict, receive: Any, send: Any) -> None:
    global _reader
    if scope["type"] != "websocket":
        return
    if _reader is None or _reader.done():
        _reader = asyncio.get_running_loop().create_task(_read())
    group = parse_qs(scope["query_string"].decode()).get("g", [""])[0]
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    GROUPS.setdefault(group, set()).add(send)
    try:
        while (await receive())["type"] != "websocket.disconnect":
            pass
    finally:
        GROUPS[group].discard(send)
