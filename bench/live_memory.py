"""What one open live socket holds in the web process, by the code that allocated it.

    .venv/bin/python bench/live_memory.py [--sockets 200] [--lines 0]

Needs the database ``bench/live.py`` prepared (run that once first) and a Redis
(``REDIS_URL``; default: the embedded one). Opens ``--sockets`` WebSockets of the
prepared clients in this process through Channels' test communicator (the same
ASGI application, middleware, consumer and channel layer as the web server, no
network), each subscribed to its board or inbox, and compares Python's
allocations (``tracemalloc``) before and after: KiB per socket by component.
The communicator's own queues and tasks (what the server's WebSocket protocol
holds in production) are counted apart and left out of the total. ``--lines N``
also lists the N lines that hold the most, each with where the allocation itself
happened (asyncio, json...).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLIENTS = ROOT / ".data" / "bench-live" / "clients.json"
# Frames of these are where allocation happens, not who asked for it: look further out.
PLUMBING = ("/asyncio/", "/json/", "_weakrefset.py", "/functools.py", "/copy.py", "<frozen")
HARNESS = ("asgiref/testing.py", "channels/testing/", "live_memory.py")
HARNESS_NAME = "test communicator (not in production)"


def _short(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1]
    return filename.replace(str(ROOT) + "/", "")


def charged_frame(innermost_first: list[tracemalloc.Frame]) -> tracemalloc.Frame:
    """The frame an allocation is charged to: the innermost one that is not plumbing
    (asyncio's queues and tasks are charged to the code that made them)."""
    for frame in innermost_first:
        if not any(p in frame.filename for p in PLUMBING):
            return frame
    return innermost_first[0]


def component(innermost_first: list[tracemalloc.Frame]) -> str:
    """The package or project module of the charged frame."""
    filename = charged_frame(innermost_first).filename
    if any(h in filename for h in HARNESS):
        return HARNESS_NAME
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    return _short(filename)


async def measure(specs: list[dict]) -> tuple[Counter, Counter]:
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    async def open_one(spec: dict) -> WebsocketCommunicator:
        host = f"{spec['host']}:8000"
        communicator = WebsocketCommunicator(
            application,
            "/ws/live/",
            headers=[
                (b"host", host.encode()),
                (b"origin", f"http://{host}".encode()),
                (b"cookie", spec["cookie"].encode()),
            ],
        )
        connected, _code = await communicator.connect(timeout=10)
        assert connected, spec
        await communicator.send_json_to({"action": "subscribe", "topic": spec["topic"]})
        while (await communicator.receive_json_from(timeout=10))["type"] != "subscribed":
            pass
        return communicator

    opened = [await open_one(specs[0])]  # the first pays for imports, caches and connections
    gc.collect()
    tracemalloc.start(30)
    before = tracemalloc.take_snapshot()
    for n, spec in enumerate(specs[1:], 1):
        opened.append(await open_one(spec))
        if n % 50 == 0 or n == len(specs) - 1:
            print(f"  {n}/{len(specs) - 1} sockets open", flush=True)
    await asyncio.sleep(1)
    gc.collect()
    after = tracemalloc.take_snapshot()
    by_component: Counter = Counter()
    by_line: Counter = Counter()
    for stat in after.compare_to(before, "traceback"):
        innermost_first = list(reversed(stat.traceback))
        name = component(innermost_first)
        by_component[name] += stat.size_diff
        if name != HARNESS_NAME:
            charged, innermost = charged_frame(innermost_first), innermost_first[0]
            where = f"{_short(charged.filename)}:{charged.lineno}"
            if innermost is not charged:
                where += f" (in {_short(innermost.filename)}:{innermost.lineno})"
            by_line[where] += stat.size_diff
    for communicator in opened:
        await communicator.disconnect()
    return by_component, by_line


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--lines", type=int, default=0, help="also list the N lines holding the most")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.live_settings")  # before config's Celery app
    from config import embedded

    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = embedded.redis_url(5)
    import django

    django.setup()
    import logging

    logging.disable(logging.ERROR)  # channels-redis logs each cancelled receive at the end
    specs = json.loads(CLIENTS.read_text())[: args.sockets + 1]
    by_component, by_line = asyncio.run(measure(specs))
    count = len(specs) - 1
    total = sum(v for k, v in by_component.items() if k != HARNESS_NAME)
    print(f"• Python allocations held per open socket: {total / 1024 / count:.1f} KiB ({count} sockets)")
    for name, size in by_component.most_common(20):
        print(f"  {size / 1024 / count:6.2f} KiB  {name}")
    if args.lines:
        print(f"• the {args.lines} lines holding the most, per socket")
        for where, size in by_line.most_common(args.lines):
            print(f"  {size / 1024 / count:6.2f} KiB  {where}")


if __name__ == "__main__":
    main()
