"""The relay process: publishes committed work-order events to live clients, within moments."""

from __future__ import annotations

import logging
import select
import signal
import threading
import time

import psycopg
from django.core.management.base import BaseCommand
from django.db import connection

from live.relay import relay_everywhere

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Publish committed work-order events to the live channels. Wakes on the event "
        "log's notifications, and checks at least every --poll seconds; if Redis is "
        "down it keeps the events and retries."
    )

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=1.0)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, **options):
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
        listener = self._listen()
        self.stdout.write("relay: started")
        backoff = 0.0
        while not stopping.is_set():
            try:
                relay_everywhere()
                backoff = 0.0
            except Exception:  # Redis or the database away: keep the events, try again
                logger.exception("relay pass failed; the events stay in the outbox")
                backoff = min(backoff * 2 or 0.5, 10.0)
                connection.close()
            if options["once"]:
                break
            self._wait(listener, backoff or options["poll"], stopping)
        if listener is not None:
            listener.close()
        self.stdout.write("relay: stopped")

    def _listen(self) -> psycopg.Connection | None:
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        try:
            listener = psycopg.connect(**params, autocommit=True)
            listener.execute("LISTEN work_order_events")
            return listener
        except psycopg.Error:
            logger.warning("no LISTEN connection; polling only")
            return None

    def _wait(self, listener: psycopg.Connection | None, seconds: float, stopping: threading.Event) -> None:
        if listener is None:
            stopping.wait(seconds)
            return
        deadline = time.monotonic() + seconds
        while not stopping.is_set() and time.monotonic() < deadline:
            ready, _, _ = select.select([listener.fileno()], [], [], min(0.5, seconds))
            if ready:
                # Drain every notification that arrived; one pass serves them all.
                for _notice in listener.notifies(timeout=0, stop_after=1000):
                    pass
                return
