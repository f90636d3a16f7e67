"""The scheduler process: drives time-based work (the SLA clocks) from rows, not sleeping tasks."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "Run the scheduler loop: each job in SCHEDULER_JOBS claims and fires the work "
        "that is due, and says when it next needs to run. Stops cleanly on SIGTERM/SIGINT."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit")

    def handle(self, *args, **options):
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
        jobs = [import_string(path) for path in settings.SCHEDULER_JOBS]
        idle = settings.SCHEDULER_IDLE_SECONDS
        self.stdout.write(f"scheduler: {len(jobs)} job(s), idle poll {idle}s")
        while not stopping.is_set():
            wait = idle
            for job in jobs:
                next_in = job()
                if next_in is not None:
                    wait = min(wait, max(next_in, 0.0))
            if options["once"]:
                break
            stopping.wait(wait)
        self.stdout.write("scheduler: stopped")
