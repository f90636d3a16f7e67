"""The scheduler process: fires the SLA clocks from rows, not sleeping tasks; nothing else."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

from config.heartbeat import heartbeat

logger = logging.getLogger(__name__)
LONGEST_BACKOFF = 30.0


class Command(BaseCommand):
    # Started again by its supervisor whenever it stops, so it starts fast: the system checks
    # (about a third of a second, importing every middleware and view) are run by the migrate
    # job of every release (and `manage check --deploy` before the first), as for the web and
    # the workers.
    requires_system_checks = []
    help = (
        "Run the scheduler loop: each job in SCHEDULER_JOBS claims and fires the work "
        "that is due, and says when it next needs to run. A failing job is logged and "
        "retried with back-off; the loop never stops for it. Stops cleanly on SIGTERM/SIGINT."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit")

    def handle(self, *args, **options):
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
        jobs = {path: import_string(path) for path in settings.SCHEDULER_JOBS}
        idle = settings.SCHEDULER_IDLE_SECONDS
        self.stdout.write(f"scheduler: {len(jobs)} job(s), idle poll {idle}s")
        scheduler_loop(jobs, idle=idle, stopping=stopping, once=options["once"])
        self.stdout.write("scheduler: stopped")


def scheduler_loop(
    jobs: dict[str, Callable[[], float | None]], *, idle: float, stopping: threading.Event, once: bool = False
) -> None:
    """Run each job when it is due: at least every ``idle`` seconds, sooner when it asks (it
    returns the seconds until its next work). A job that fails waits twice as long after each
    failure in a row (up to ``LONGEST_BACKOFF``); the others keep their pace."""
    due = dict.fromkeys(jobs, 0.0)  # the monotonic moment each job runs next
    failures = dict.fromkeys(jobs, 0)
    while not stopping.is_set():
        for path, job in jobs.items():
            now = time.monotonic()
            if due[path] > now:
                continue
            try:
                next_in = job()
            except Exception:  # the database away, a bug in one job: log, back off, go on
                failures[path] += 1
                backoff = min(idle * 2 ** failures[path], LONGEST_BACKOFF)
                due[path] = now + backoff
                logger.exception("scheduler job %s failed (%s in a row); next try in %.1fs",
                                 path, failures[path], backoff)  # fmt: skip
                close_old_connections()
                continue
            failures[path] = 0
            due[path] = now + (idle if next_in is None else min(max(next_in, 0.0), idle))
        heartbeat("scheduler")
        if once:
            break
        stopping.wait(max(min(due.values(), default=time.monotonic() + idle) - time.monotonic(), 0.0))
