"""Tenancy benchmark at growing numbers of dealer schemas: provisioning, rollouts, per-request cost.

    .venv/bin/python bench/tenancy.py [--sizes 100,1000,10000] [--requests 3000]

Runs against a database of its own (``complaint_desk_bench`` on the embedded
server, or ``BENCH_DATABASE_URL``), dropped and recreated at the start. Dealers
are provisioned up to each size in turn; at each size it measures, per schema:

- provisioning (dealer_provision), and its floor: the schema copy alone;
- the no-op rollout, and its floor: reading every schema's recorded migrations;
- an additive migration (``bench/additive``: one nullable column) by the fast
  path, by the normal path (``--no-fast-path``), by django-tenants' per-schema
  ``migrate`` on a sample (the path before the fast and normal paths existed),
  and its floor: the same DDL and migration record sent over the same number of
  connections with no checks, in the same batches;
- a trivial request on a dealer host against the public host.

Between the additive runs the column and its record are dropped again with SQL,
so every run starts from the same state. Each figure comes with the wall time,
the CPU of the benchmark's processes and of the PostgreSQL server (when it runs
on this machine), and the load average before and after: the machine may be
shared. Every step runs in a fresh process; the figures are printed as one
table and written to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench.common import Meter, pct, reset_database, run_step, setup  # noqa: E402

COLUMN_SQL = 'ALTER TABLE "bench_additive_contactlog" ADD COLUMN "channel" varchar(20) NULL;'
RECORD = ("bench_additive", "0002_contactlog_channel")
BATCH = 50
BEFORE_SAMPLE = 40

# --- steps, each run in a fresh process -------------------------------------------------------


def _dealer_schemas() -> list[str]:
    from tenants.models import Tenant

    return list(
        Tenant.objects.filter(type="dealer").order_by("schema_name").values_list("schema_name", flat=True)
    )


def _tenants() -> list[tuple[str, str]]:
    from tenants.models import Tenant

    return list(
        Tenant.objects.exclude(schema_name="public")
        .order_by("schema_name")
        .values_list("schema_name", "type")
    )


def _processes() -> int:
    from django.conf import settings

    return settings.TENANT_MULTIPROCESSING_MAX_PROCESSES


def _with_column() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = "
            "'bench_additive_contactlog' AND column_name = 'channel' AND table_schema <> 'template_dealer'"
        )
        return cursor.fetchone()[0]


def step_prepare() -> dict:
    setup("a")
    from tenants.services.provisioning import manufacturer_create, region_create
    from tenants.services.schemas import migrations_roll_out

    migrations_roll_out(executor="standard", verbosity=0)
    m = manufacturer_create(code="BM", name="基准汽车", slug="bench-maker", work_order_prefix="BM")
    region_create(manufacturer=m, code="SOUTH", name="华南大区")
    return {}


def step_provision(start: int, end: int) -> dict:
    setup("a")
    from django.db import connection, transaction
    from tqdm import tqdm

    from tenants.services.cloning import schema_clone
    from tenants.services.provisioning import DealerSpec, DirectoryIndex, dealer_provision

    index = DirectoryIndex()
    seconds: list[float] = []
    floor: list[float] = []
    cpu = 0.0
    load_before = os.getloadavg()[0]
    for i in tqdm(
        range(start, end), desc=f"provisioning dealers {start}-{end}", unit="tenant", file=sys.stderr
    ):
        meter = Meter()
        dealer_provision(
            DealerSpec("BM", f"BM-{i:05d}", f"bench-d{i:05d}", f"基准经销商{i}", "SOUTH", "广东", "广州"),
            index,
        )
        used = meter.stop()
        seconds.append(used["wall_s"])
        cpu += used["client_cpu_s"] + (used["server_cpu_s"] or 0)
        if i % 10 == 0:
            # Floor, side by side: the copy of the template alone, in a transaction rolled back.
            t0 = time.perf_counter()
            with transaction.atomic():
                schema_clone("template_dealer", "bench_floor")
                transaction.set_rollback(True)
            floor.append(time.perf_counter() - t0)
    connection.close()
    return {
        "count": end - start,
        "total_s": sum(seconds),
        "median_s": statistics.median(seconds),
        "p95_s": pct(seconds, 95),
        "max_s": max(seconds),
        "last_100_median_s": statistics.median(seconds[-100:]),
        "cpu_per_tenant_ms": 1000 * cpu / (end - start),
        "floor_median_s": statistics.median(floor),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def _per_schema(used: dict, schemas: int) -> dict:
    server = used["server_cpu_s"]
    return {
        **used,
        "schemas": schemas,
        "ms_per_schema": 1000 * used["wall_s"] / max(schemas, 1),
        "cpu_ms_per_schema": 1000 * (used["client_cpu_s"] + (server or 0)) / max(schemas, 1),
        "server_cpu_ms_per_schema": None if server is None else 1000 * server / max(schemas, 1),
    }


def step_noop() -> dict:
    setup("a")
    from config.migration import applied_migrations, schemas_roll_out
    from tenants.services.schemas import templates_migrate

    templates_migrate()
    tenants = _tenants()
    meter = Meter()
    report = schemas_roll_out(tenants=tenants, processes=_processes(), verbosity=0)
    result = _per_schema(meter.stop(), len(tenants))
    assert report.pending == 0, report
    meter = Meter()
    applied_migrations([schema for schema, _type in tenants])
    result["floor"] = _per_schema(meter.stop(), len(tenants))
    return result


def _additive(fast_path: bool) -> dict:
    setup("b")
    from config.migration import schemas_roll_out
    from tenants.services.schemas import templates_migrate

    t0 = time.perf_counter()
    templates_migrate()
    template_s = time.perf_counter() - t0
    tenants = _tenants()
    meter = Meter()
    report = schemas_roll_out(tenants=tenants, processes=_processes(), fast_path=fast_path, verbosity=0)
    result = _per_schema(meter.stop(), report.pending)
    result.update(
        template_s=template_s,
        fast=len(report.fast),
        normal=len(report.normal),
        failed=len(report.failed),
        dealer_schemas=len(_dealer_schemas()),
        schemas_with_new_column=_with_column(),
    )
    return result


def step_fast() -> dict:
    return _additive(fast_path=True)


def step_normal() -> dict:
    return _additive(fast_path=False)


def _floor_batch(schemas: list[str]) -> int:
    from django.db import connection, transaction

    record = (
        f"INSERT INTO django_migrations (app, name, applied) VALUES ('{RECORD[0]}', '{RECORD[1]}', now());"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'SET LOCAL search_path = "{schema}", public;\n{COLUMN_SQL}\n{record}')
    return len(schemas)


def step_floor() -> dict:
    """The additive migration's DDL and record, batched, over as many connections as a rollout uses."""
    setup("b")
    import multiprocessing

    from django.db import connection

    schemas = _dealer_schemas()
    batches = [schemas[i : i + BATCH] for i in range(0, len(schemas), BATCH)]
    meter = Meter()
    connection.close()
    with multiprocessing.get_context("fork").Pool(_processes()) as pool:
        done = sum(pool.imap_unordered(_floor_batch, batches))
        pool.close()
        pool.join()
    result = _per_schema(meter.stop(), done)
    result["schemas_with_new_column"] = _with_column()
    return result


def step_before() -> dict:
    """django-tenants' own multiprocessing executor (the rollout before this one), on a sample."""
    setup("b")
    import gc

    from django.db import connection
    from django_tenants.management.commands.migrate_schemas import Command as MigrateSchemas
    from django_tenants.migration_executors.multiproc import MultiprocessingExecutor

    options = vars(MigrateSchemas().create_parser("manage.py", "migrate_schemas").parse_args([]))
    options.update(interactive=False, verbosity=0)
    sample = [(schema, "dealer") for schema in _dealer_schemas()[:BEFORE_SAMPLE]]
    meter = Meter()
    MultiprocessingExecutor([], options).run_multi_type_migrations(sample)
    gc.collect()  # the executor leaves its pool to the collector, which stops and reaps its workers
    result = _per_schema(meter.stop(), len(sample))
    connection.set_schema_to_public()
    return result


def step_revert() -> dict:
    """Drop the additive migration's column and record again, in the dealer schemas and the template."""
    setup("a")
    from django.db import connection, transaction

    schemas = [*_dealer_schemas(), "template_dealer"]
    for start in range(0, len(schemas), 200):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "\n".join(
                    f'ALTER TABLE "{s}".bench_additive_contactlog DROP COLUMN IF EXISTS channel; '
                    f"DELETE FROM \"{s}\".django_migrations WHERE app = '{RECORD[0]}' AND name = '{RECORD[1]}';"
                    for s in schemas[start : start + 200]
                )
            )
    return {"schemas": len(schemas), "schemas_with_new_column": _with_column()}


def step_memory() -> dict:
    setup("a")
    from django.db import connection

    from tenants.models import Tenant

    schemas = list(Tenant.objects.filter(type="dealer").values_list("schema_name", flat=True))
    # Every dealer schema holds its template's tables (information_schema per schema would
    # scan the whole catalog each time).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'template_dealer'::regnamespace AND relkind = 'r'"
        )
        tables = [row[0] for row in cursor.fetchall()]

    def backend_bytes() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
            return int(cursor.fetchone()[0])

    before = backend_bytes()
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'SET search_path TO "{schema}", public')
            cursor.execute("SELECT count(*) FROM django_migrations")
            for table in tables:
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
    setup("a")
    from django.db import connection
    from django.test import Client

    from tenants.models import Tenant

    dealer = Tenant.objects.filter(type="dealer").order_by("-pk").first()  # the newest
    hosts = {"public": "localhost", "tenant": dealer.domains.get().domain}
    clients = {k: Client(HTTP_HOST=h) for k, h in hosts.items()}
    for client in clients.values():  # warm up
        for _ in range(200):
            assert client.get("/bench/trivial").status_code == 200
    wall: dict[str, list[float]] = {k: [] for k in hosts}
    cpu: dict[str, float] = dict.fromkeys(hosts, 0.0)
    load_before = os.getloadavg()[0]
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
    result["load_before"] = load_before
    result["load_after"] = os.getloadavg()[0]
    return result


def step_reset() -> dict:
    reset_database()
    return {}


STEPS = {
    "reset": step_reset,
    "prepare": step_prepare,
    "noop": step_noop,
    "fast": step_fast,
    "normal": step_normal,
    "floor": step_floor,
    "before": step_before,
    "revert": step_revert,
    "memory": step_memory,
}


def measure_size(size: int, provisioned: int, requests: int) -> dict:
    """Every figure at ``size`` dealer schemas (provisioning the ones missing first)."""
    figures: dict[str, dict] = {}

    def run(name: str, *args: str) -> dict:
        result = run_step(__file__, name, *args)
        print(f"[{size}] {name}", json.dumps(result), flush=True)
        return result

    figures["provision"] = run("provision", str(provisioned), str(size))
    figures["noop"] = run("noop")
    figures["fast"] = run("fast")
    run("revert")
    figures["floor"] = run("floor")
    run("revert")
    figures["normal"] = run("normal")
    run("revert")
    figures["before"] = run("before")
    run("revert")
    figures["request"] = run("request_cost", str(requests))
    return figures


def table(results: dict[int, dict]) -> str:
    sizes = sorted(results)

    def row(label: str, fn) -> str:
        cells = []
        for size in sizes:
            try:
                cells.append(fn(results[size]))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("—")
        return f"| {label} | " + " | ".join(cells) + " |"

    def ms(x: float) -> str:
        return f"{x:.2f}" if x < 10 else f"{x:.0f}"

    def ratio(fig: str) -> callable:
        return lambda r: f"{r[fig]['ms_per_schema'] / r['floor']['ms_per_schema']:.1f}×"

    lines = [
        "| figure | " + " | ".join(f"{s:,} dealers" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
        row(
            "provisioning, median / p95 / max (s)",
            lambda r: (
                f"{r['provision']['median_s']:.3f} / {r['provision']['p95_s']:.3f} / {r['provision']['max_s']:.3f}"
            ),
        ),
        row(
            "provisioning, median of the last 100 (s)", lambda r: f"{r['provision']['last_100_median_s']:.3f}"
        ),
        row(
            "provisioning, CPU per tenant (ms, client + server)",
            lambda r: ms(r["provision"]["cpu_per_tenant_ms"]),
        ),
        row(
            "provisioning floor: the schema copy alone, median (s)",
            lambda r: f"{r['provision']['floor_median_s']:.3f}",
        ),
        row("no-op rollout, ms per schema (wall)", lambda r: ms(r["noop"]["ms_per_schema"])),
        row("no-op rollout, CPU ms per schema", lambda r: ms(r["noop"]["cpu_ms_per_schema"])),
        row(
            "no-op floor: reading every schema's records, ms per schema",
            lambda r: ms(r["noop"]["floor"]["ms_per_schema"]),
        ),
        row("additive, fast path, ms per schema (wall)", lambda r: ms(r["fast"]["ms_per_schema"])),
        row(
            "additive, fast path, CPU ms per schema (client + server)",
            lambda r: ms(r["fast"]["cpu_ms_per_schema"]),
        ),
        row("additive, fast path ÷ floor (wall)", ratio("fast")),
        row("additive, normal path, ms per schema (wall)", lambda r: ms(r["normal"]["ms_per_schema"])),
        row(
            "additive, normal path, CPU ms per schema (client + server)",
            lambda r: ms(r["normal"]["cpu_ms_per_schema"]),
        ),
        row("additive, normal path ÷ floor (wall)", ratio("normal")),
        row(
            f"additive, django-tenants' executor as shipped ({BEFORE_SAMPLE} schemas), ms per schema",
            lambda r: ms(r["before"]["ms_per_schema"]),
        ),
        row(
            "additive floor: bare DDL + record, same batches and connections, ms per schema",
            lambda r: ms(r["floor"]["ms_per_schema"]),
        ),
        row("additive floor, CPU ms per schema", lambda r: ms(r["floor"]["cpu_ms_per_schema"])),
        row("template migrations before the fast path (s)", lambda r: f"{r['fast']['template_s']:.2f}"),
        row(
            "request on a dealer host ÷ public host: wall median, CPU",
            lambda r: f"{r['request']['ratio_median']:.3f}, {r['request']['ratio_cpu']:.3f}",
        ),
        row(
            "load average (1 min) before/after the fast and normal runs",
            lambda r: (
                f"{r['fast']['load_before']:.1f}/{r['fast']['load_after']:.1f}, "
                f"{r['normal']['load_before']:.1f}/{r['normal']['load_after']:.1f}"
            ),
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000", help="numbers of dealer schemas, ascending")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--report", help="print the table of a saved run (bench/results/*.json)")
    parser.add_argument("--step")
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()
    if options.step:
        if options.step == "provision":
            result = step_provision(int(options.args[0]), int(options.args[1]))
        elif options.step == "request_cost":
            result = step_request_cost(int(options.args[0]))
        else:
            result = STEPS[options.step]()
        print(json.dumps(result))
        return

    if options.report:
        saved = json.loads(Path(options.report).read_text())
        print(table({int(k): v for k, v in saved["sizes"].items()}))
        return

    sizes = sorted(int(s) for s in options.sizes.split(","))
    print(f"tenancy benchmark: {sizes} dealer schemas, {os.cpu_count()} cores", flush=True)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    saved_to = out / f"tenancy-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    run_step(__file__, "reset")
    run_step(__file__, "prepare")
    results: dict[int, dict] = {}
    provisioned = 0
    for size in sizes:
        results[size] = measure_size(size, provisioned, options.requests)
        provisioned = size
        saved_to.write_text(json.dumps({"sizes": results}, indent=1))  # kept if a later size fails
    memory = run_step(__file__, "memory")
    saved_to.write_text(json.dumps({"sizes": results, "memory": memory}, indent=1))
    print()
    print(table(results))
    print(
        f"\nPostgreSQL memory of one backend after touching {memory['schemas_touched']} dealer schemas: "
        f"{memory['backend_before_mib']:.1f} MiB before, {memory['backend_after_mib']:.1f} MiB after "
        f"({memory['per_schema_kib']:.1f} KiB per schema)"
    )
    print(f"figures saved in {saved_to.relative_to(ROOT)}; print the table again with --report")


if __name__ == "__main__":
    main()
