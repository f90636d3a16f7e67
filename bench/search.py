"""Board and search benchmark: the hotline's board with 1,000,000 work orders.

    .venv/bin/python bench/search.py [--rows 1000000] [--open-share 0.02] [--repeat 30]

On a database of its own (``complaint_desk_bench``, dropped and recreated): one
manufacturer with three dealers, ``--rows`` work orders seeded with SQL, each with its
own owner (mobile, name) and vehicle (VIN, plate); the newest ``--open-share`` of them
open, with a running first-contact window each (the older ones closed, as a year of work
leaves them). Then
the board (the portal's page, through Django's test client signed in as a supervisor,
in-process) is asked ``--repeat`` times for each search and list below, and per query
we report the wall-clock p50/p99, the CPU of this process and of PostgreSQL's processes
per query, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import pct, reset_database, run_step, setup  # noqa: E402

HOST = "bench-search.localhost"
PASSWORD = "Bench-pass-2026"  # noqa: S105 -- a benchmark database's only user
TRIGRAM_INDEXES = [
    ("work_order_number_trgm", "hotline_workorder", "number"),
    ("owner_mobile_trgm", "hotline_owner", "mobile"),
    ("owner_name_trgm", "hotline_owner", "name"),
    ("vehicle_plate_trgm", "hotline_vehicle", "plate"),
    ("vehicle_vin_trgm", "hotline_vehicle", "vin"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国"


def step_prepare() -> dict:
    setup()
    from django.db import connection

    from tenants.models import Role
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
    m = manufacturer_create(code="BS", name="基准汽车", slug="bench-search", work_order_prefix="BS")
    region_create(manufacturer=m, code="SOUTH", name="华南大区")
    for i in range(1, 4):
        dealer_provision(
            DealerSpec("BS", f"BS-GD-{i:03d}", f"bench-search-{i}", f"基准经销商{i}", "SOUTH", "广东", "广州")
        )
    boss = user_create(username="bench.supervisor", password=PASSWORD, full_name="基准主管")
    membership_grant(user=boss, tenant=m.hotline, role=Role.HOTLINE_SUPERVISOR)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
    return {"postgres": version, "schema": m.hotline.schema_name}


def step_seed(rows: int, open_share: float) -> dict:
    """Owners, vehicles and work orders with plain SQL; a running first-contact window per open one."""
    setup()
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context

    from tenants.models import Manufacturer, NetworkMembership

    manufacturer = Manufacturer.objects.select_related("hotline").get(code="BS")
    places = list(NetworkMembership.objects.filter(manufacturer=manufacturer))
    started = time.perf_counter()
    # The newest ``open_share`` are open, the older ones closed: as a year of work leaves them.
    closed_up_to = rows - round(rows * open_share)
    with tenant_context(manufacturer.hotline), connection.cursor() as cursor:
        # The trigram indexes are built once after the rows, as a migration builds them on a full table.
        for name, _table, _column in TRIGRAM_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        batch = 100_000
        for first in range(1, rows + 1, batch):
            last = min(rows, first + batch - 1)
            with transaction.atomic():
                cursor.execute(
                    """
                    INSERT INTO hotline_owner (id, name, gender, mobile, landline, email, province, city,
                        address, created_at)
                    OVERRIDING SYSTEM VALUE
                    SELECT g, substr(%s, 1 + g %% 20, 1) || substr(%s, 1 + (g / 20) %% 27, 1)
                            || substr(%s, 1 + (g / 540) %% 27, 1),
                        'unknown', '13' || lpad((g::bigint * 7919 %% 1000000000)::text, 9, '0'), '', '', '广东', '广州',
                        '', now()
                    FROM generate_series(%s, %s) AS g;
                    INSERT INTO hotline_vehicle (id, owner_id, vin, plate, model, use, purchase_date)
                    OVERRIDING SYSTEM VALUE
                    SELECT g, g, 'LBS' || upper(lpad(to_hex(g::bigint * 2654435761 %% 4294967296), 8, '0'))
                            || lpad(g::text, 6, '0'),
                        '粤' || chr(65 + g %% 20) || upper(lpad(to_hex(g %% 1048576), 5, '0')), '基准 S5',
                        'private', NULL
                    FROM generate_series(%s, %s) AS g;
                    INSERT INTO hotline_workorder (id, number, type, category, severity, channel, state,
                        owner_id, vehicle_id, complaint, owner_demand, received_at, dealer_id,
                        network_membership_id, dealer_code, dealer_name, region_id, dispatched_at, stock_check,
                        needs_parts_centre, result_summary, owner_acceptance, closure_reason, reopen_count,
                        created_by_id, created_at, version)
                    OVERRIDING SYSTEM VALUE
                    SELECT g, 'BS' || to_char(now() - make_interval(mins => %s - g), 'YYYYMMDD') || '-'
                            || lpad(g::text, 7, '0'),
                        'complaint', 'service_attitude', 'normal', 'phone',
                        CASE WHEN g > %s THEN 'dispatched' ELSE 'closed' END, g, g,
                        '等待时间过长', '', now() - make_interval(mins => %s - g), (%s::bigint[])[1 + g %% %s],
                        (%s::bigint[])[1 + g %% %s], (%s::text[])[1 + g %% %s], '基准经销商', %s,
                        now() - make_interval(mins => %s - g), '', false, '', '', '', 0, 1, now(), 1
                    FROM generate_series(%s, %s) AS g;
                    INSERT INTO hotline_clock (work_order_id, kind, policy_version, calendar, budget_minutes,
                        warn_before, warn_times, second_escalation_after, paused_in, started_at, due_at, state,
                        paused_seconds, extended_minutes, warnings_fired, escalation_level, next_fire_at)
                    SELECT g, 'first_contact', 1, 'wall', 120, '[]', '[]', 120, '[]', now(),
                        now() + make_interval(mins => g %% 600), 'running', 0, 0, 0, 0, NULL
                    FROM generate_series(%s, %s) AS g WHERE g > %s;
                    """,
                    [SURNAMES, GIVEN, GIVEN, first, last, first, last, rows, closed_up_to, rows,
                     [p.dealer_id for p in places], len(places), [p.pk for p in places], len(places),
                     [p.dealer_code for p in places], len(places), places[0].region_id, rows, first, last,
                     first, last, closed_up_to],
                )  # fmt: skip
        built = time.perf_counter()
        for name, table, column in TRIGRAM_INDEXES:
            cursor.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
        index_seconds = time.perf_counter() - built
        for table in ("owner", "vehicle", "workorder", "clock"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('hotline_{table}', 'id'), "
                f"(SELECT max(id) FROM hotline_{table}))"
            )
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE state <> 'closed') FROM hotline_workorder")
        total, open_ = cursor.fetchone()
    connection.set_schema_to_public()
    return {
        "rows": total,
        "open": open_,
        "seconds": time.perf_counter() - started,
        "trigram_index_seconds": index_seconds,
    }


def _postgres_cpu() -> float:
    """CPU seconds used so far by this server's processes (the postmaster and its children,
    ended backends included in the postmaster's children times), not another server's."""
    import psutil

    from config import embedded

    pid = int((embedded.data_dir() / "postgres" / "postmaster.pid").read_text().split()[0])
    postmaster = psutil.Process(pid)
    total = sum(postmaster.cpu_times()[:4])  # user, system, children's user and system
    for proc in postmaster.children(recursive=True):
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def step_measure(repeat: int, rows: int) -> dict:
    """The board's searches and pages, each ``repeat`` times after a warm-up."""
    setup()
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    assert (
        client.post("/login/", {"username": "bench.supervisor", "password": "Bench-pass-2026"}).status_code
        == 302
    )
    middle = rows // 2
    queries = {
        "board, first page (open ones, most urgent first)": {},
        "board, every work order, newest first": {"state": "all", "sort": "-age"},
        "number, last 5 digits": {"state": "all", "q": f"{middle:07d}"[-5:]},
        "number, whole": {"state": "all", "q": f"-{middle:07d}"},
        "mobile, middle 7 digits": {"state": "all", "q": f"{middle * 7919 % 1_000_000_000:09d}"[1:8]},
        "plate, 4 characters": {"state": "all", "q": f"{middle % 1_048_576:05X}"[1:]},
        "VIN, 6 characters": {"state": "all", "q": f"{middle:06d}"[-6:] + ""},
        "name, 3 characters": {"state": "all", "q": "王伟芳"},
        "name, 2 characters, open ones": {"q": "李娜"},
        "name, 2 characters, every work order": {"state": "all", "q": "李娜"},
    }
    out = {}
    for name, params in queries.items():
        response = client.get("/work-orders/", params)
        assert response.status_code == 200, (name, response.status_code)
        found = response.content.decode().count('data-number="')
        walls, cpus, pg = [], [], []
        for _ in range(repeat):
            pg_before, cpu_before, wall_before = _postgres_cpu(), time.process_time(), time.perf_counter()
            client.get("/work-orders/", params)
            walls.append(time.perf_counter() - wall_before)
            cpus.append(time.process_time() - cpu_before)
            pg.append(_postgres_cpu() - pg_before)
        out[name] = {
            "rows_on_page": found,
            "p50_ms": pct(walls, 50) * 1000,
            "p99_ms": pct(walls, 99) * 1000,
            "python_cpu_ms": sum(cpus) / len(cpus) * 1000,
            "postgres_cpu_ms": sum(pg) / len(pg) * 1000,
        }
        print(name, json.dumps(out[name], ensure_ascii=False), file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--open-share", type=float, default=0.02)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--step")
    parser.add_argument("args", nargs="*")
    o = parser.parse_args()
    if o.step:
        if o.step == "prepare":
            result = step_prepare()
        elif o.step == "seed":
            result = step_seed(int(o.args[0]), float(o.args[1]))
        else:
            result = step_measure(int(o.args[0]), int(o.args[1]))
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"Board and search benchmark, {os.cpu_count()} cores, load average {os.getloadavg()}", flush=True)
    reset_database()
    report: dict = {"prepare": run_step(__file__, "prepare"), "load_average_start": os.getloadavg()}
    report["seed"] = run_step(__file__, "seed", str(o.rows), str(o.open_share))
    print("seeded", json.dumps(report["seed"]), flush=True)
    report["load_average_before_measuring"] = os.getloadavg()
    report["queries"] = run_step(__file__, "measure", str(o.repeat), str(o.rows))
    report["load_average_end"] = os.getloadavg()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "search.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(
        f"\n{report['prepare']['postgres']}, {report['seed']['rows']:,} work orders ({report['seed']['open']:,} open)"
    )
    print("| query | rows on the page | p50 | p99 | CPU per query: Python / PostgreSQL |")
    for name, r in report["queries"].items():
        if not isinstance(r, dict):
            continue
        print(
            f"| {name} | {r['rows_on_page']} | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms "
            f"| {r['python_cpu_ms']:.1f} ms / {r['postgres_cpu_ms']:.1f} ms |"
        )
    print("load average:", report["load_average_start"], "→", report["load_average_end"])


if __name__ == "__main__":
    main()
