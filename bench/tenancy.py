"""Tenancy benchmark: provisioning dealers from the template, migration rollouts, memory, per-request cost.

    .venv/bin/python bench/tenancy.py [--tenants 1000]

Runs against a database of its own (``complaint_desk_bench`` on the embedded
server, or ``BENCH_DATABASE_URL``), dropped and recreated at the start, and
prints every figure; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench.common import pct, reset_database, run_step, setup  # noqa: E402

# --- steps, each run in a fresh process -------------------------------------------------------


def step_prepare() -> dict:
    setup("a")
    from tenants.services.provisioning import manufacturer_create, region_create
    from tenants.services.schemas import migrations_roll_out

    migrations_roll_out(executor="standard", verbosity=0)
    m = manufacturer_create(code="BM", name="基准汽车", slug="bench-maker", work_order_prefix="BM")
    region_create(manufacturer=m, code="SOUTH", name="华南大区")
    return {}


def step_provision(count: int) -> dict:
    setup("a")
    from tqdm import tqdm

    from tenants.services.provisioning import DealerSpec, DirectoryIndex, dealer_provision

    index = DirectoryIndex()
    seconds = []
    started = time.perf_counter()
    for i in tqdm(range(count), desc="provisioning dealers", unit="tenant", file=sys.stderr):
        t0 = time.perf_counter()
        dealer_provision(
            DealerSpec("BM", f"BM-{i:05d}", f"bench-d{i:05d}", f"基准经销商{i}", "SOUTH", "广东", "广州"),
            index,
        )
        seconds.append(time.perf_counter() - t0)
    return {
        "count": count,
        "total_s": time.perf_counter() - started,
        "median_s": statistics.median(seconds),
        "p95_s": pct(seconds, 95),
        "max_s": max(seconds),
    }


def _rollout(phase: str) -> dict:
    setup(phase)
    from django.core.management import call_command

    from tenants.models import Tenant
    from tenants.services.schemas import templates_migrate

    schemas = Tenant.objects.exclude(schema_name="public").count()
    t0 = time.perf_counter()
    templates_migrate()
    call_command("migrate_schemas", tenant=True, executor="multiprocessing", verbosity=0, interactive=False)
    total = time.perf_counter() - t0
    return {"schemas": schemas, "total_s": total, "per_schema_ms": 1000 * total / schemas}


def step_noop() -> dict:
    return _rollout("a")


def step_additive() -> dict:
    result = _rollout("b")
    from django.db import connection

    from tenants.models import Tenant

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = "
            "'bench_additive_contactlog' AND column_name = 'channel'"
        )
        result["schemas_with_new_column"] = cursor.fetchone()[0]
    result["dealer_schemas"] = Tenant.objects.filter(type="dealer").count()
    return result


def step_memory() -> dict:
    setup("b")
    from django.db import connection

    from tenants.models import Tenant

    schemas = list(Tenant.objects.exclude(schema_name="public").values_list("schema_name", flat=True))

    def backend_bytes() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
            return int(cursor.fetchone()[0])

    before = backend_bytes()
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'SET search_path TO "{schema}", public')
            cursor.execute("SELECT count(*) FROM django_migrations")
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
            )
            for (table,) in cursor.fetchall():
                cursor.execute(f'SELECT * FROM "{schema}"."{table}" LIMIT 1')
        cursor.execute("SET search_path TO public")
    after = backend_bytes()
    return {
        "schemas_touched": len(schemas),
        "backend_before_mib": before / 2**20,
        "backend_after_mib": after / 2**20,
        "per_schema_kib": (after - before) / len(schemas) / 1024,
    }


def step_request_cost(requests: int) -> dict:
    setup("b")
    from django.db import connection
    from django.test import Client

    from tenants.models import Tenant

    dealer = Tenant.objects.filter(type="dealer").order_by("pk").first()
    hosts = {"public": "localhost", "tenant": dealer.domains.get().domain}
    clients = {k: Client(HTTP_HOST=h) for k, h in hosts.items()}
    for client in clients.values():  # warm up
        for _ in range(200):
            assert client.get("/bench/trivial").status_code == 200
    wall: dict[str, list[float]] = {k: [] for k in hosts}
    cpu: dict[str, float] = dict.fromkeys(hosts, 0.0)
    for _ in range(requests):
        for kind, client in clients.items():
            c0, t0 = time.process_time(), time.perf_counter()
            client.get("/bench/trivial")
            wall[kind].append(time.perf_counter() - t0)
            cpu[kind] += time.process_time() - c0
    connection.set_schema_to_public()
    result = {f"{k}_median_us": statistics.median(v) * 1e6 for k, v in wall.items()}
    result.update({f"{k}_cpu_us": cpu[k] / requests * 1e6 for k in hosts})
    result["ratio_median"] = result["tenant_median_us"] / result["public_median_us"]
    result["ratio_cpu"] = result["tenant_cpu_us"] / result["public_cpu_us"]
    result["requests_each"] = requests
    return result


def step_reset() -> dict:
    reset_database()
    return {}


STEPS = {
    "reset": step_reset,
    "prepare": step_prepare,
    "noop": step_noop,
    "additive": step_additive,
    "memory": step_memory,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--step")
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()
    if options.step:
        if options.step == "provision":
            result = step_provision(int(options.args[0]))
        elif options.step == "request_cost":
            result = step_request_cost(int(options.args[0]))
        else:
            result = STEPS[options.step]()
        print(json.dumps(result))
        return

    figures: dict[str, dict] = {}
    print(f"tenancy benchmark: {options.tenants} dealer tenants, {os.cpu_count()} cores", flush=True)
    run_step(__file__, "reset")
    run_step(__file__, "prepare")
    figures["provision"] = run_step(__file__, "provision", str(options.tenants))
    print("provision", json.dumps(figures["provision"]), flush=True)
    figures["noop_rollout"] = run_step(__file__, "noop")
    print("no-op rollout", json.dumps(figures["noop_rollout"]), flush=True)
    figures["additive_rollout"] = run_step(__file__, "additive")
    print("additive rollout", json.dumps(figures["additive_rollout"]), flush=True)
    figures["memory"] = run_step(__file__, "memory")
    print("memory", json.dumps(figures["memory"]), flush=True)
    figures["request_cost"] = run_step(__file__, "request_cost", str(options.requests))
    print("request cost", json.dumps(figures["request_cost"]), flush=True)

    p, n, a = figures["provision"], figures["noop_rollout"], figures["additive_rollout"]
    m, r = figures["memory"], figures["request_cost"]
    print(f"""
Provisioning {p["count"]} dealer tenants from the template:
  median {p["median_s"]:.3f} s   p95 {p["p95_s"]:.3f} s   max {p["max_s"]:.3f} s   total {p["total_s"]:.1f} s
No-op migration rollout over {n["schemas"]} schemas:
  {n["total_s"]:.2f} s in the command ({n["per_schema_ms"]:.1f} ms per schema); {n["process_wall_s"]:.2f} s with process start-up
Additive migration (nullable column) over {a["schemas"]} schemas:
  {a["total_s"]:.1f} s ({a["per_schema_ms"]:.0f} ms per schema); column present in {a["schemas_with_new_column"]} tables
PostgreSQL memory of one backend after touching {m["schemas_touched"]} schemas:
  {m["backend_before_mib"]:.1f} MiB before, {m["backend_after_mib"]:.1f} MiB after ({m["per_schema_kib"]:.1f} KiB per schema)
Per-request cost of tenancy ({r["requests_each"]} requests each, in-process client):
  public host median {r["public_median_us"]:.0f} us, tenant host median {r["tenant_median_us"]:.0f} us, ratio {r["ratio_median"]:.3f}
  CPU per request: public {r["public_cpu_us"]:.0f} us, tenant {r["tenant_cpu_us"]:.0f} us, ratio {r["ratio_cpu"]:.3f}
""")


if __name__ == "__main__":
    main()
