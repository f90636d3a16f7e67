"""What one open live socket holds in the web process, by the code that allocated it.

    .venv/bin/python bench/live_memory.py [--sockets 200]

Needs the database ``bench/live.py`` prepared (run that once first) and a Redis
(``REDIS_URL``; default: the embedded one). Opens ``--sockets`` WebSockets of the
prepared clients in this process through Channels' test communicator (the same
ASGI application, middleware, consumer and channel layer as the web server, no
network), each subscribed to its board or inbox, and compares Python's
allocations (``tracemalloc``) before and after: KiB per socket by component.
The communicator's own queues and tasks (what the server's WebSocket protocol
holds in production) are counted apart and left out of the total.
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


def component(innermost_first: list[str]) -> str:
    """The package or project module an allocation is charged to: the innermost frame that
    is not plumbing (asyncio's queues and tasks are charged to the code that made them)."""
    for f in innermost_first:
        if any(p in f for p in PLUMBING):
            continue
        if any(h in f for h in HARNESS):
            return HARNESS_NAME
        if "site-packages/" in f:
            return f.split("site-packages/")[1].split("/")[0]
        return f.replace(str(ROOT) + "/", "")
    return innermost_first[0]


async def measure(specs: list[dict]) -> Counter:
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
    for stat in after.compare_to(before, "traceback"):
        innermost_first = [frame.filename for frame in reversed(stat.traceback)]
        by_component[component(innermost_first)] += stat.size_diff
    for communicator in opened:
        await communicator.disconnect()
    return by_component


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=200)
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
    by_component = asyncio.run(measure(specs))
    count = len(specs) - 1
    total = sum(v for k, v in by_component.items() if k != HARNESS_NAME)
    print(f"• Python allocations held per open socket: {total / 1024 / count:.1f} KiB ({count} sockets)")
    for name, size in by_component.most_common(20):
        print(f"  {size / 1024 / count:6.2f} KiB  {name}")


if __name__ == "__main__":
    main()
