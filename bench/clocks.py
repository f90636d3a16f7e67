"""SLA clock benchmark: breach-detection lag with 100,000 open clocks, a burst, and a SIGKILL.

    .venv/bin/python bench/clocks.py [--open 100000] [--spread 5000] [--burst 10000]

Seeds ``--open`` open clocks (work orders with one clock each): most due days
ahead, ``--spread`` due one after another over half a minute, then two bursts
of ``--burst`` clocks each due in the same second. The real scheduler processes
(``manage.py run_scheduler``, ``--schedulers`` of them: the chart runs two) fire them; half a
second into the second burst the first is killed with SIGKILL and started again at once. The lag of each breach is its event's commit time (PostgreSQL
``track_commit_timestamp``) minus the due time. Also measured: the scheduler's
CPU and memory while nothing is due, and creating work orders through the
service layer with all those rows present.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import BENCH_DB, Meter, pct, reset_database, run_step, settle, setup  # noqa: E402

MEASURED_PREFIX = "BENCH-M"


def step_prepare() -> dict:
    setup()
    from django.db import connection

    from tenants.services.provisioning import (
        DealerSpec,
        dealer_provision,
        manufacturer_create,
        region_create,
    )
    from tenants.services.schemas import migrations_roll_out

    migrations_roll_out(executor="standard", verbosity=0)
    m = manufacturer_create(code="BM", name="基准汽车", slug="bench-maker", work_order_prefix="BM")
    region_create(manufacturer=m, code="SOUTH", name="华南大区")
    dealer_provision(DealerSpec("BM", "BM-00001", "bench-dealer", "基准经销商", "SOUTH", "广东", "广州"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW track_commit_timestamp")
        return {"track_commit_timestamp": cursor.fetchone()[0]}


def _hotline():
    from tenants.models import Manufacturer

    return Manufacturer.objects.select_related("hotline").get(code="BM")


def step_seed(count: int, due_in_s: float, spread_s: float, tag: str) -> dict:
    """Insert ``count`` work orders with one open first-contact clock each, fast (COPY-like)."""
    setup()
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from hotline.models import Clock, Owner, WorkOrder
    from hotline.services.policy import policy_current
    from tenants.models import NetworkMembership

    manufacturer = _hotline()
    place = NetworkMembership.objects.get(manufacturer=manufacturer)
    started = time.perf_counter()
    with tenant_context(manufacturer.hotline), transaction.atomic():
        version = policy_current().version
        owner = Owner.objects.get_or_create(
            mobile="13800000000", defaults={"name": "基准车主", "city": "广州"}
        )[0]
        now = timezone.now()
        base = now + dt.timedelta(seconds=due_in_s)
        step = dt.timedelta(seconds=spread_s / max(count, 1))
        existing = WorkOrder.objects.count()
        for start in range(0, count, 5000):
            size = min(5000, count - start)
            orders = WorkOrder.objects.bulk_create(
                WorkOrder(
                    number=f"{tag}-{existing + start + i:07d}",
                    type="complaint",
                    category="service_attitude",
                    channel="phone",
                    owner=owner,
                    complaint="基准",
                    received_at=now,
                    dealer_id=place.dealer_id,
                    network_membership_id=place.pk,
                    dealer_code=place.dealer_code,
                    dealer_name="基准经销商",
                    region_id=place.region_id,
                    dispatched_at=now,
                    created_by_id=0,
                )
                for i in range(size)
            )
            Clock.objects.bulk_create(
                Clock(
                    work_order=wo,
                    kind="first_contact",
                    policy_version=version,
                    calendar="wall",
                    budget_minutes=120,
                    warn_before=[],
                    second_escalation_after=100000,
                    started_at=now,
                    due_at=base + step * (start + i),
                    next_fire_at=base + step * (start + i),
                )
                for i, wo in enumerate(orders)
            )
        connection.set_schema_to_public()
    return {"seeded": count, "seconds": time.perf_counter() - started, "first_due_epoch": base.timestamp()}


def step_lag() -> dict:
    """Breach lag of the measured clocks, from their events' commit timestamps."""
    setup()
    from django.db import connection
    from django_tenants.utils import tenant_context

    manufacturer = _hotline()
    with tenant_context(manufacturer.hotline), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT left(w.number, 7) AS series,
                   extract(epoch FROM pg_xact_commit_timestamp(e.xmin) - c.due_at)
            FROM hotline_workorderevent e
            JOIN hotline_clock c ON c.id = (e.data->>'clock')::bigint
            JOIN hotline_workorder w ON w.id = c.work_order_id
            WHERE e.kind = 'clock.breached' AND w.number LIKE %s
            """,
            ["BENCH-%"],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM hotline_clock c JOIN hotline_workorder w "
            "ON w.id = c.work_order_id WHERE w.number LIKE 'BENCH-%%' AND c.breached_at IS NULL"
        )
        missed = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM (SELECT data->>'clock' FROM hotline_workorderevent "
            "WHERE kind = 'clock.breached' GROUP BY 1 HAVING count(*) > 1) twice"
        )
        twice = cursor.fetchone()[0]
    connection.set_schema_to_public()

    def figures(lags: list[float]) -> dict:
        return (
            {
                "count": len(lags),
                "p50_s": pct(lags, 50),
                "p99_s": pct(lags, 99),
                "max_s": max(lags),
                "mean_s": statistics.mean(lags),
            }
            if lags
            else {"count": 0}
        )

    return {
        "series": {tag: figures([float(r[1]) for r in rows if r[0] == tag]) for tag in {r[0] for r in rows}},
        "all": figures([float(r[1]) for r in rows]),
        "spread": figures([float(r[1]) for r in rows if r[0] == "BENCH-S"]),
        "burst": figures([float(r[1]) for r in rows if r[0] == "BENCH-C"]),
        "burst_kill": figures([float(r[1]) for r in rows if r[0] == "BENCH-B"]),
        "not_breached": missed,
        "fired_twice": twice,
    }


def step_create(count: int) -> dict:
    setup()
    from django.db import connection
    from django_tenants.utils import tenant_context

    from config.actor import Actor
    from hotline.models import WorkOrder
    from hotline.services.work_orders import Intake, work_order_create
    from tenants.models import NetworkMembership

    manufacturer = _hotline()
    dealer_id = NetworkMembership.objects.get(manufacturer=manufacturer).dealer_id
    actor = Actor(user_id=1, name="基准", tenant_id=manufacturer.hotline_id, role="hotline_agent")
    seconds = []
    with tenant_context(manufacturer.hotline):
        present = WorkOrder.objects.count()
        for i in range(count):
            intake = Intake(
                type="parts_shortage",
                category="parts_shortage",
                channel="phone",
                complaint="前大灯闪烁",
                dealer_id=dealer_id,
                owner={"name": "车主", "mobile": f"137{i:08d}", "city": "广州"},
                vehicle={"vin": _vin(i), "model": "华骐 S5"},
                part_lines=[{"part_code": "HQ-37110-01", "part_name": "前大灯总成", "quantity": 1}],
            )
            t0 = time.perf_counter()
            work_order_create(manufacturer=manufacturer, actor=actor, intake=intake)
            seconds.append(time.perf_counter() - t0)
    connection.set_schema_to_public()
    return {
        "present": present,
        "created": count,
        "p50_ms": 1000 * pct(seconds, 50),
        "p99_ms": 1000 * pct(seconds, 99),
    }


def _vin(i: int) -> str:
    from hotline.vin import with_check_digit

    return with_check_digit(f"LHKS5A2B0RG{i:06d}")


# The floor of firing: one statement per batch of 500 claims the due clocks, marks them breached
# and writes their events, with no Python between.
FLOOR_FIRE = """
WITH due AS (
    SELECT c.id, c.work_order_id, c.kind, c.due_at FROM hotline_clock c
    WHERE c.next_fire_at <= now() AND c.state = 'running'
    ORDER BY c.next_fire_at LIMIT 500 FOR UPDATE SKIP LOCKED
), fired AS (
    UPDATE hotline_clock c SET breached_at = c.due_at, escalation_level = 1,
        warnings_fired = jsonb_array_length(c.warn_before),
        next_fire_at = c.due_at + make_interval(mins => c.second_escalation_after)
    FROM due WHERE c.id = due.id
)
INSERT INTO hotline_workorderevent (work_order_id, dealer_id, kind, at, actor_name, data)
SELECT due.work_order_id, w.dealer_id, 'clock.breached', now(), 'system',
    jsonb_build_object('clock', due.id, 'clock_kind', due.kind, 'due_at', due.due_at, 'level', 1,
                       'escalate_to', '[]'::jsonb, 'notify_at', now())
FROM due JOIN hotline_workorder w ON w.id = due.work_order_id
"""


# What a round writes: settled before each (``bench.common.settle``).
WRITTEN = "hotline_clock, hotline_workorder, hotline_workorderevent"


def step_fire_cpu(count: int, rounds: int = 5) -> dict:
    """CPU (this process + PostgreSQL) per fired clock: ``count`` overdue clocks fired by the
    floor statement, then ``count`` others by the product's ``clocks_fire_due``, ``rounds``
    times in turn, each after ``settle``; each side's median round (the server's CPU is read
    in 10 ms ticks, and autovacuum may still run in any round)."""
    setup()
    from django.db import connection
    from django_tenants.utils import tenant_context

    from hotline.services.clocks import clocks_fire_due

    hotline = _hotline().hotline
    runs: dict[str, list[dict]] = {"floor": [], "product": []}
    for n in range(rounds):
        for name in ("floor", "product"):
            step_seed(count, -60, 0, f"CPU-{name[0].upper()}{n}")
            with tenant_context(hotline):
                settle(connection, WRITTEN)
                meter = Meter()
                if name == "floor":
                    fired = 0
                    while True:
                        with connection.cursor() as cursor:
                            cursor.execute(FLOOR_FIRE)
                            if cursor.rowcount == 0:
                                break
                            fired += cursor.rowcount
                else:
                    fired, _next = clocks_fire_due()
                used = meter.stop()
            server = used["server_cpu_s"] or 0
            runs[name].append(
                {
                    "fired": fired,
                    "cpu_us_per_clock": 1e6 * (used["client_cpu_s"] + server) / max(fired, 1),
                    "python_cpu_us_per_clock": 1e6 * used["client_cpu_s"] / max(fired, 1),
                    "server_cpu_us_per_clock": 1e6 * server / max(fired, 1),
                    "load": [used["load_before"], used["load_after"]],
                }
            )
    figures = {
        name: sorted(found, key=lambda r: r["cpu_us_per_clock"])[len(found) // 2] | {"rounds": found}
        for name, found in runs.items()
    }
    figures["ratio"] = figures["product"]["cpu_us_per_clock"] / figures["floor"]["cpu_us_per_clock"]
    return figures


STEPS = {"prepare": step_prepare, "lag": step_lag}


class Scheduler:
    """``manage.py run_scheduler`` under the benchmark settings, started as in production: its
    database and Redis addresses given (no look-up of the embedded servers at start) and the
    project's modules compiled ahead (the image runs ``compileall``)."""

    urls: dict[str, str] = {}

    @classmethod
    def prepare(cls) -> None:
        from config import embedded

        cls.urls = {
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or embedded.postgres_url(BENCH_DB),
            "REDIS_URL": os.environ.get("REDIS_URL") or embedded.redis_url(),
        }
        packages = [
            "config",
            "tenants",
            "hotline",
            "dealers",
            "parts_tickets",
            "notifications",
            "live",
            "bench",
        ]
        subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], cwd=ROOT, check=True)

    def __init__(self) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "BENCH_PHASE": "a", **self.urls}
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_scheduler"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
        )
        import psutil

        self.ps = psutil.Process(self.process.pid)

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def rss_mib(self) -> float:
        return self.ps.memory_info().rss / 2**20

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def ensure_commit_timestamps() -> None:
    if os.environ.get("BENCH_DATABASE_URL"):
        return  # an external server must have track_commit_timestamp = on already
    from config import embedded

    server = embedded.postgres_server()
    if "on" not in server.psql("SHOW track_commit_timestamp;"):
        server.psql("ALTER SYSTEM SET track_commit_timestamp = on;")
        embedded.postgres_stop()
        embedded.postgres_url("postgres")


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: at least one scheduler fires the clocks")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--spread", type=int, default=5_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument(
        "--schedulers", type=_at_least_one, default=2, help="scheduler processes (the chart runs two)"
    )
    parser.add_argument(
        "--fire-cpu", type=int, default=10_000, help="clocks fired per side of the CPU figure"
    )
    parser.add_argument("--step")
    parser.add_argument("args", nargs="*")
    o = parser.parse_args()
    if o.step:
        if o.step == "seed":
            result = step_seed(int(o.args[0]), float(o.args[1]), float(o.args[2]), o.args[3])
        elif o.step == "fire_cpu":
            result = step_fire_cpu(int(o.args[0]))
        elif o.step == "create":
            result = step_create(int(o.args[0]))
        else:
            result = STEPS[o.step]()
        print(json.dumps(result))
        return

    far = o.open - o.spread - 2 * o.burst
    print(
        f"clock benchmark: {o.open} open clocks ({far} far ahead, {o.spread} over half a "
        f"minute, twice {o.burst} in one second), {os.cpu_count()} cores",
        flush=True,
    )
    load_start = os.getloadavg()
    ensure_commit_timestamps()
    reset_database()
    prep = run_step(__file__, "prepare")
    print("prepared", prep, flush=True)

    Scheduler.prepare()
    schedulers = [Scheduler() for _ in range(o.schedulers)]
    scheduler = schedulers[0]
    time.sleep(5)
    rss_empty = scheduler.rss_mib()
    seed = run_step(__file__, "seed", str(far), str(3 * 24 * 3600), str(7 * 24 * 3600), "FAR")
    print("seeded far", json.dumps(seed), flush=True)
    time.sleep(3)
    cpu0, t0 = scheduler.cpu_seconds(), time.monotonic()
    time.sleep(20)
    idle_cpu = (scheduler.cpu_seconds() - cpu0) / (time.monotonic() - t0)
    rss_idle = scheduler.rss_mib()
    print(
        f"idle: {100 * idle_cpu:.2f}% of a core, RSS {rss_empty:.1f} MiB with no open clocks, "
        f"{rss_idle:.1f} MiB with {far}",
        flush=True,
    )

    run_step(__file__, "seed", str(o.spread), "20", "30", "BENCH-S")
    run_step(__file__, "seed", str(o.burst), "60", "0", "BENCH-C")
    burst = run_step(__file__, "seed", str(o.burst), "90", "0", "BENCH-B")
    print("seeded the measured clocks", flush=True)
    # Kill a scheduler half a second into the burst, then start a new one at once.
    time.sleep(max(0.0, burst["first_due_epoch"] + 0.5 - time.time()))
    scheduler.kill()
    scheduler = schedulers[0] = Scheduler()
    print(f"a scheduler (of {o.schedulers}) killed with SIGKILL mid-burst and restarted", flush=True)
    time.sleep(30)
    rss_after = scheduler.rss_mib()
    for each in schedulers:
        each.stop()
    lag = run_step(__file__, "lag")
    creates = run_step(__file__, "create", str(o.creates))
    load_end = os.getloadavg()
    cpu = run_step(__file__, "fire_cpu", str(o.fire_cpu))
    print("CPU per fired clock:", json.dumps(cpu), flush=True)

    def line(name: str, f: dict) -> str:
        if not f.get("count"):
            return f"  {name}: none"
        return (
            f"  {name:10} {f['count']:6} breaches  p50 {f['p50_s']:.3f} s  p99 {f['p99_s']:.3f} s"
            f"  max {f['max_s']:.3f} s"
        )

    print(f"""
Breach-detection lag (due time → committed breach event), {o.open} open clocks, {o.schedulers} scheduler(s):
{line("spread", lag["spread"])}
{line("burst", lag["burst"])}
{line("burst+kill", lag["burst_kill"])}
{line("all", lag["all"])}
  added by the SIGKILL and restart: p50 {lag["burst_kill"]["p50_s"] - lag["burst"]["p50_s"]:+.3f} s,
  max {lag["burst_kill"]["max_s"] - lag["burst"]["max_s"]:+.3f} s (target ≤ 1 s)
  not breached: {lag["not_breached"]}   fired twice: {lag["fired_twice"]}
Each scheduler while nothing is due: {100 * idle_cpu:.2f}% of one core
Scheduler memory: {rss_empty:.1f} MiB with no open clocks, {rss_idle:.1f} MiB with {far},
  {rss_after:.1f} MiB (restarted process) after firing {o.spread + 2 * o.burst}
CPU per fired clock (Python + PostgreSQL), {o.fire_cpu} each: the product {cpu["product"]["cpu_us_per_clock"]:.0f} µs,
  the one-statement floor {cpu["floor"]["cpu_us_per_clock"]:.0f} µs: {cpu["ratio"]:.1f}× (target ≤ 2.5×)
Load average at start {load_start}, after the lag runs {load_end}, after the CPU run {os.getloadavg()}
Creating a work order through the service layer with {creates["present"]} present
  ({creates["created"]} parts work orders with one line): p50 {creates["p50_ms"]:.1f} ms,
  p99 {creates["p99_ms"]:.1f} ms
""")


if __name__ == "__main__":
    main()
