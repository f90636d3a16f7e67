"""The relay process: publishes committed work-order events to live clients, within moments."""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import select
import signal
import threading
import time

import psycopg
from channels.layers import get_channel_layer
from django.core.management.base import BaseCommand
from django.db import connection

from config.database import session_settings_set
from config.heartbeat import heartbeat
from live.layer import GroupPublisher, LiveChannelLayer, publish_once
from live.relay import DISPATCH_HOLD, Dispatches, Hotlines, relay_everywhere

logger = logging.getLogger(__name__)
LONGEST_BACKOFF = 10.0


def _seconds(text: str) -> float:
    """A command-line number of seconds: finite, not negative."""
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (finite, 0 or more)")
    return value


class Command(BaseCommand):
    # Started again by its supervisor whenever it stops, so it starts fast: the system checks
    # (about a third of a second, importing every middleware and view) are run by the migrate
    # job of every release (and `manage check --deploy` before the first), as for the web and
    # the workers.
    requires_system_checks = []
    help = (
        "Publish committed work-order events to the live channels. Wakes on the event "
        "log's notifications, and checks at least every --poll seconds. With PostgreSQL or "
        "Redis away it keeps the events, backs off and reconnects; it never exits for them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=_seconds, default=1.0)
        parser.add_argument("--once", action="store_true")
        parser.add_argument(
            "--dispatch-hold",
            type=_seconds,
            default=DISPATCH_HOLD,
            help="seconds the next dispatch task waits after the last, gathering the events relayed "
            "meanwhile, whichever hotlines, into one (default %(default)s)",
        )

    def handle(self, *args, **options):
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
        self.listener: psycopg.Connection | None = None
        self.stdout.write("relay: started")
        layer = get_channel_layer()
        # Blocking Redis clients kept for the process's life (another layer: a loop per pass).
        publish = GroupPublisher(layer) if isinstance(layer, LiveChannelLayer) else publish_once
        hotlines = Hotlines()
        dispatches = Dispatches(hold=options["dispatch_hold"])
        backoff = 0.0
        # The schemas whose events were announced; None: every hotline (at start, after a
        # failure, and at least every --poll seconds, for anything announced while not listening).
        announced: set[str] | None = None
        everyone_at = 0.0
        while not stopping.is_set():
            try:
                if self.listener is None:
                    self.listener, announced = self._listen(), None
                    hotlines.forget()  # what was added while not listening is read with the rest
                if announced is not None and time.monotonic() - everyone_at >= options["poll"]:
                    announced = None
                if announced is None:
                    everyone_at = time.monotonic()
                relay_everywhere(schemas=announced, publish=publish, hotlines=hotlines, dispatches=dispatches)
                backoff = 0.0
            except Exception:  # the database or Redis away: keep the events, back off, reconnect
                backoff = min(backoff * 2 or 0.5, LONGEST_BACKOFF)
                logger.exception(
                    "relay pass failed; the events stay in the outbox (next try in %.1fs)", backoff
                )
                self._forget_connections()
                hotlines.forget()  # a hotline gone (its schema dropped) fails the pass
            dispatches.flush()  # the held dispatch tasks whose time has come
            heartbeat("relay")
            if options["once"]:
                break
            held = dispatches.next_in()
            wait = backoff or options["poll"]
            # While backing off, held tasks wait with the rest (the broker is likely away too).
            found = self._wait(wait if held is None or backoff else min(wait, held), stopping)
            if backoff:
                announced = None
            elif found is None and held is not None and held < wait:
                announced = set()  # woken to queue held dispatch tasks: nothing was announced
            else:
                announced = found
        dispatches.flush(everything=True)
        self._forget_connections()
        if isinstance(publish, GroupPublisher):
            publish.close()
        self.stdout.write("relay: stopped")

    def _listen(self) -> psycopg.Connection:
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        listener = psycopg.connect(**params, autocommit=True, connect_timeout=5)
        session_settings_set(listener)  # its backend, too, gives up on a vanished relay
        listener.execute("LISTEN work_order_events")
        return listener

    def _forget_connections(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(psycopg.Error):
                self.listener.close()
            self.listener = None
        connection.close()

    def _wait(self, seconds: float, stopping: threading.Event) -> set[str] | None:
        """Until a notification, ``seconds``, or a stop: the schemas announced (each notification
        names the schema that wrote the event), or None when none was. A broken listener is
        dropped (and made again on the next pass), never raised."""
        if self.listener is None:
            stopping.wait(seconds)
            return None
        deadline = time.monotonic() + seconds
        try:
            while not stopping.is_set() and time.monotonic() < deadline:
                ready, _, _ = select.select([self.listener.fileno()], [], [], min(0.5, seconds))
                if ready:
                    # Drain every notification that arrived; one pass serves them all.
                    return {n.payload for n in self.listener.notifies(timeout=0, stop_after=1000)}
        except (psycopg.Error, OSError, ValueError):
            logger.warning("relay lost its LISTEN connection; it reconnects on the next pass")
            self._forget_connections()
            stopping.wait(min(seconds, 1.0))
        return None
