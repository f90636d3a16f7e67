"""Outbound benchmark: a slow webhook receiver does not slow the SLA clocks.

    .venv/bin/python bench/outbound.py [--burst 10000] [--deliveries 1000] [--answer-seconds 2]

Runs the real scheduler (``manage.py run_scheduler``) and a real Celery worker
(``celery --app config worker``, ``--concurrency`` processes) against the
benchmark database. First a burst of ``--burst`` clocks due in the same second
fires with nothing else going on (the floor). Then ``--deliveries`` webhook
deliveries are queued to one endpoint that takes ``--answer-seconds`` to answer
each, and while the workers are busy with them a second burst of the same size
falls due. The breach lag (the breach event's commit time minus the due time)
of both bursts is compared; the scheduler's CPU per clock is measured for each,
and how many deliveries reached the receiver (each counted once by its event id).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.clocks import Scheduler, ensure_commit_timestamps  # noqa: E402
from bench.common import reset_database, run_step, setup  # noqa: E402

FLOOR, LOADED = "BENCH-F", "BENCH-W"


def step_deliveries(count: int, url: str) -> dict:
    """An endpoint on the benchmark hotline and ``count`` pending deliveries to it, each queued
    to the workers as the dispatch task would (one work order each: none waits for another)."""
    setup()
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from notifications.models import WebhookDelivery
    from notifications.outbound import mark_enqueued
    from notifications.webhooks import webhook_endpoint_create
    from tenants.context import enqueue_in
    from tenants.models import Manufacturer

    hotline = Manufacturer.objects.select_related("hotline").get(code="BM").hotline
    with tenant_context(hotline):
        endpoint = webhook_endpoint_create(url=url, event_kinds=["work_order.dispatched"])
        now = timezone.now()
        rows = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                endpoint=endpoint,
                stream=1,
                event_id=i,
                event_kind="work_order.dispatched",
                payload={"kind": "work_order.dispatched", "work_order": f"BENCH-D-{i:05d}"},
                next_attempt_at=now,
            )
            for i in range(1, count + 1)
        )
        ids = [row.pk for row in rows]
        mark_enqueued(WebhookDelivery.objects, ids, now=now, enqueued="enqueued_at")
        for pk in ids:
            enqueue_in(hotline, "notifications.webhook_delivery_send", pk)
    connection.set_schema_to_public()
    return {"queued": len(ids)}


def step_delivered() -> dict:
    setup()
    from django.db import connection
    from django_tenants.utils import tenant_context

    from notifications.models import WebhookDelivery
    from tenants.models import Manufacturer

    hotline = Manufacturer.objects.select_related("hotline").get(code="BM").hotline
    with tenant_context(hotline):
        delivered = WebhookDelivery.objects.filter(status="delivered").count()
    connection.set_schema_to_public()
    return {"delivered": delivered}


class SlowReceiver:
    """Answers every POST after ``seconds``; counts each event id once and any twice."""

    def __init__(self, seconds: float) -> None:
        self.seen: dict[str, int] = {}
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(seconds)
                with lock:
                    event = self.headers.get("X-Event-Id", "")
                    receiver.seen[event] = receiver.seen.get(event, 0) + 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Worker:
    """``celery --app config worker`` under the benchmark settings."""

    def __init__(self, concurrency: int) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "BENCH_PHASE": "a"}
        if os.environ.get("BENCH_DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        command = [sys.executable, "-m", "celery", "--app", "config", "worker", "--loglevel", "WARNING",
                   "--concurrency", str(concurrency), "--without-gossip", "--without-mingle"]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def burst(scheduler: Scheduler, size: int, tag: str) -> tuple[dict, float]:
    """Seed ``size`` clocks due in one second, 20 s ahead; wait until they are fired; the
    scheduler's CPU seconds meanwhile."""
    cpu = scheduler.cpu_seconds()
    seed = run_step(str(ROOT / "bench" / "clocks.py"), "seed", str(size), "20", "0", tag)
    time.sleep(max(0.0, seed["first_due_epoch"] - time.time()) + 20)
    return seed, scheduler.cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--deliveries", type=int, default=1_000)
    parser.add_argument("--answer-seconds", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--step")
    parser.add_argument("args", nargs="*")
    o = parser.parse_args()
    if o.step:
        steps = {
            "deliveries": lambda: step_deliveries(int(o.args[0]), o.args[1]),
            "delivered": step_delivered,
        }
        print(json.dumps(steps[o.step]()))
        return

    print(
        f"outbound benchmark: two bursts of {o.burst} clocks; {o.deliveries} deliveries answered in "
        f"{o.answer_seconds} s each by one receiver during the second; {o.concurrency} worker processes; "
        f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    ensure_commit_timestamps()
    reset_database()
    run_step(str(ROOT / "bench" / "clocks.py"), "prepare")
    receiver = SlowReceiver(o.answer_seconds)
    scheduler, worker = Scheduler(), Worker(o.concurrency)
    time.sleep(5)

    _seed, floor_cpu = burst(scheduler, o.burst, FLOOR)
    load_floor = os.getloadavg()[0]
    started = time.monotonic()
    run_step(__file__, "deliveries", str(o.deliveries), receiver.url)
    _seed, loaded_cpu = burst(scheduler, o.burst, LOADED)
    load_loaded = os.getloadavg()[0]
    during = len(receiver.seen)
    lag = run_step(str(ROOT / "bench" / "clocks.py"), "lag")
    # Then let the workers finish, to count every delivery once.
    expected = o.deliveries * o.answer_seconds / o.concurrency
    deadline = time.monotonic() + expected * 1.5 + 60
    while len(receiver.seen) < o.deliveries and time.monotonic() < deadline:
        time.sleep(2)
    elapsed = time.monotonic() - started
    delivered = run_step(__file__, "delivered")["delivered"]
    scheduler.stop()
    worker.stop()

    floor, loaded = lag["series"][FLOOR], lag["series"][LOADED]

    def line(name: str, f: dict, cpu: float, load: float) -> str:
        return (
            f"  {name:32} {f['count']:6} breaches  p50 {f['p50_s']:.3f} s  p99 {f['p99_s']:.3f} s  "
            f"max {f['max_s']:.3f} s  scheduler CPU {1e6 * cpu / max(f['count'], 1):.0f} µs/clock  "
            f"load {load:.1f}"
        )

    print(f"""
Breach-detection lag of {o.burst} clocks due in the same second:
{line("alone (floor)", floor, floor_cpu, load_floor)}
{line(f"during {o.deliveries} slow deliveries", loaded, loaded_cpu, load_loaded)}
  ratio loaded / floor: p50 {loaded["p50_s"] / floor["p50_s"]:.2f}×  p99 {loaded["p99_s"] / floor["p99_s"]:.2f}×  \
CPU per clock {loaded_cpu / max(floor_cpu, 1e-9):.2f}×
  not breached: {lag["not_breached"]}   fired twice: {lag["fired_twice"]}
Deliveries: {during} had reached the receiver when the second burst was measured; \
{len(receiver.seen)} of {o.deliveries} after {elapsed:.0f} s \
({sum(1 for n in receiver.seen.values() if n > 1)} received twice); {delivered} marked delivered
""")


if __name__ == "__main__":
    main()
