"""Helpers shared by the benchmarks: a database of their own, steps in fresh processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "complaint_desk_bench"


def setup(phase: str = "a") -> None:
    """Django with the benchmark settings (run inside a step's process)."""
    sys.path.insert(0, str(ROOT))
    os.environ["BENCH_PHASE"] = phase
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    import django

    django.setup()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def reset_database(name: str = BENCH_DB) -> None:
    """Drop and recreate a benchmark database (embedded server unless BENCH_DATABASE_URL)."""
    if os.environ.get("BENCH_DATABASE_URL"):
        import psycopg

        admin_url, name = os.environ["BENCH_DATABASE_URL"].rsplit("/", 1)
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return
    sys.path.insert(0, str(ROOT))
    from config import embedded

    server = embedded.postgres_server()
    server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
    embedded.postgres_url(name)


def run_step(script: str, name: str, *args: str) -> dict:
    """Run ``script --step name args`` in a fresh process; its last stdout line is JSON."""
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, script, "--step", name, *args],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["process_wall_s"] = time.perf_counter() - started
    return result
