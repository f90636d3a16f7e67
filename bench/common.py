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


def settle(connection, tables: str = "") -> None:
    """A run's after-effects done before a measured round, so that neither side pays for them:
    the dead rows of ``tables`` (a comma-separated list; none: the whole database) vacuumed,
    their statistics taken, the dirty pages written out. (The server's CPU is read over every PostgreSQL process, autovacuum
    and checkpointer included.)"""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
        cursor.execute("CHECKPOINT")


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


# --- CPU and load, for figures taken on a shared machine --------------------------------------


def _proc_stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields from the state on (the name may hold spaces)


def postmaster_pid() -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine (else None)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        return int(_proc_stat(backend)[1])
    except (OSError, ValueError, IndexError):
        return None


def server_cpu_s(postmaster: int | None) -> float | None:
    """CPU seconds used by the server's processes so far: live ones plus those that have exited."""
    if postmaster is None:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    try:
        main = _proc_stat(postmaster)
    except OSError:
        return None
    total = sum(int(v) for v in main[11:15])  # utime, stime, and the exited children's cutime, cstime
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = _proc_stat(int(entry.name))
        except OSError:
            continue
        if stat[1] == str(postmaster):
            total += int(stat[11]) + int(stat[12])
    return total / tick


class Meter:
    """Wall time, this process's CPU (with its finished children's) and the server's, plus the load."""

    def __init__(self) -> None:
        import resource

        self._resource = resource
        self.postmaster = postmaster_pid()
        self.load_before = os.getloadavg()[0]
        self.server0 = server_cpu_s(self.postmaster)
        self.cpu0 = self._cpu()
        self.wall0 = time.perf_counter()

    def _cpu(self) -> float:
        r = self._resource
        own, children = r.getrusage(r.RUSAGE_SELF), r.getrusage(r.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    def stop(self) -> dict:
        wall = time.perf_counter() - self.wall0
        cpu = self._cpu() - self.cpu0
        server = server_cpu_s(self.postmaster)
        return {
            "wall_s": wall,
            "client_cpu_s": cpu,
            "server_cpu_s": None if server is None or self.server0 is None else server - self.server0,
            "load_before": self.load_before,
            "load_after": os.getloadavg()[0],
        }
