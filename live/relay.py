"""The relay: publishes committed work-order events to the live channels, in order, once.

The event log is the outbox (a trigger copies each new event's id into
``hotline_outbox`` in the writing transaction). The relay of a hotline schema
takes the counter row's lock (one relay at a time per schema, so events of a
work order go out in the order they were written), numbers the pending events
with gap-free positions and removes them from the outbox, in one transaction;
after the commit it publishes them to the Channels groups of their audiences
and queues the task that dispatches their side effects (``live/dispatch.py``; a relay process
queues one task for the events of several passes close together: ``Dispatches``). If the transaction
fails the events stay in the outbox; if publishing fails, live clients catch up
by position (a reconnecting client asks for what came after its last one).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import time
from collections.abc import Callable, Collection
from typing import NamedTuple

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from hotline.events import EventKind
from hotline.models import WorkOrder, WorkOrderEvent
from tenants.context import each_tenant, enqueue_in, enqueue_on_commit, enqueue_public
from tenants.models import Manufacturer, Tenant

from .audiences import audiences_of
from .dispatch import DISPATCH_MANY_TASK, DISPATCH_TASK
from .layer import publish_once

logger = logging.getLogger(__name__)

BATCH = 500
# A relay process queues the dispatch of the first events after a quiet spell at once, then at
# most one task every this many seconds, for what any hotline relayed meanwhile (``Dispatches``).
DISPATCH_HOLD = 0.5

# Sends a pass's group messages, in order.
Publish = Callable[[list[tuple[str, dict]]], None]


class Dispatches:
    """The dispatch tasks of a relay process: one Celery message for the events of several passes,
    of every hotline it relays.

    The first events relayed after a quiet spell are queued at once; events relayed within
    ``hold`` seconds of that, whichever hotline they belong to, are held and queued together
    when the time is up (``flush``, called by the relay's loop, which wakes for it: ``next_in``).
    At tens of events a second over several hotlines this makes a few messages a second
    instead of one per event or per hotline. The events are committed as relayed before they
    are held: a relay that dies holding some leaves them to the dispatch sweep, as a lost
    message would.
    """

    def __init__(self, hold: float = DISPATCH_HOLD, clock: Callable[[], float] = time.monotonic) -> None:
        self.hold, self.clock = hold, clock
        self.sent_at = -math.inf  # when the last task was queued
        self.held: dict[int, tuple[Tenant, list[int]]] = {}  # hotline id → its events held

    def add(self, hotline: Tenant, event_ids: list[int]) -> None:
        """Events of ``hotline`` just committed as relayed: queue their dispatch, or hold them."""
        self.held.setdefault(hotline.pk, (hotline, []))[1].extend(event_ids)
        # Queued now: the hold is over (a long pass may have kept the loop from flushing), or a
        # task's worth (a burst's events go as tasks of a batch each, for several workers).
        if (
            self.clock() - self.sent_at >= self.hold
            or sum(len(ids) for _, ids in self.held.values()) >= BATCH
        ):
            self._send()

    def flush(self, *, everything: bool = False) -> None:
        """Queue what has been held long enough (``everything``: all of it, on the way out)."""
        if self.held and (everything or self.clock() - self.sent_at >= self.hold):
            self._send()

    def next_in(self) -> float | None:
        """Seconds until held events are to be queued, or None when none are held."""
        if not self.held:
            return None
        return max(self.sent_at + self.hold - self.clock(), 0.0)

    def _send(self) -> None:
        """Everything held, as tasks of a batch at most: each a hotline's ``DISPATCH_TASK`` in its
        schema, or, for several hotlines, one ``DISPATCH_MANY_TASK`` naming each one's events."""
        self.sent_at = self.clock()
        task: list[tuple[Tenant, list[int]]] = []
        for hotline, event_ids in self.held.values():
            for start in range(0, len(event_ids), BATCH):
                chunk = event_ids[start : start + BATCH]
                if task and sum(len(ids) for _, ids in task) + len(chunk) > BATCH:
                    _queue(task)
                    task = []
                task.append((hotline, chunk))
        _queue(task)
        self.held = {}


def _queue(task: list[tuple[Tenant, list[int]]]) -> None:
    if len(task) == 1:
        enqueue_in(task[0][0], DISPATCH_TASK, task[0][1])
    elif task:
        enqueue_public(DISPATCH_MANY_TASK, [[hotline.schema_name, event_ids] for hotline, event_ids in task])


# One pass over the current hotline schema, as one statement and so one transaction of its own
# (``public.relay_pass``, tenants/migrations/0013): it takes the counter row's lock, then numbers
# the pending events (oldest first, a batch at most) and records them as relayed. Each row: the
# event and what a live message reads of it and its work order (``live.messages.event_message``),
# its position, whether its dealer and (a transfer's) the dealer it left are active members of the
# manufacturer's network, and the position of the dealer's previous inbox message; an outbox
# entry whose event is missing comes with nulls (and is removed).
ONE_RELAY_SQL = "SELECT * FROM public.relay_pass(%s, %s, %s, %s, %s)"


class Pending(NamedTuple):
    event: WorkOrderEvent
    position: int
    left_active: bool
    dealer_prev: int | None  # None: its dealer is not an active member of the network


def _pending(row: tuple) -> Pending:
    """A row of ``relay_pass`` as the event (with its work order's number and state)."""
    event_id, work_order_id, kind, at, dealer_id, data, number, state = row[:8]
    event = WorkOrderEvent(
        id=event_id, work_order_id=work_order_id, kind=kind, at=at, dealer_id=dealer_id, data=json.loads(data)
    )
    event.work_order = WorkOrder(id=work_order_id, number=number, state=state)
    position, _dealer_active, left_active, dealer_prev = row[8:]  # (prev is null when inactive)
    return Pending(event, position, left_active, dealer_prev)


def relay_one_pass(manufacturer: Manufacturer) -> list[tuple]:
    """One call of ``relay_pass`` for the manufacturer's hotline, on the driver's own connection:
    the function names the schema for its statements, so nothing here needs the search path set,
    or Django's cursor around it. Its errors are Django's (a broken connection is noticed); inside
    a transaction it is a savepoint of its own, so a failure leaves the transaction usable."""
    connection.ensure_connection()
    params = [manufacturer.hotline.schema_name, manufacturer.pk, BATCH, EventKind.TRANSFERRED.value]
    within = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with within, connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        # No server-side prepared statement: a pooler may hand the next call another session.
        cursor.execute(ONE_RELAY_SQL, [*params, timezone.now()], prepare=False)
        return cursor.fetchall()


def relay_pending(
    *,
    manufacturer: Manufacturer,
    publish: Publish = publish_once,
    dispatches: Dispatches | None = None,
) -> int:
    """Relay the current (hotline) schema's pending events; return how many were relayed.
    ``publish`` sends their messages (the relay process: a ``GroupPublisher``); the dispatch
    of their side effects is queued on commit, or handed to ``dispatches``."""
    hotline_id, code = manufacturer.hotline_id, manufacturer.code
    sent = 0
    while True:
        rows = relay_one_pass(manufacturer)
        pending = [_pending(row) for row in rows if row[1] is not None]
        event_ids = [p.event.pk for p in pending]
        if pending:
            # Notifications, webhooks and texts: a task after the commit (a sweep if it is lost).
            if dispatches is None:
                enqueue_on_commit(DISPATCH_TASK, event_ids)
            try:
                publish(
                    [
                        pair
                        for p in pending
                        for pair in audiences_of(
                            p.event,
                            hotline_id,
                            code,
                            p.position,
                            dealer_prev=p.dealer_prev,
                            left_active=p.left_active,
                        )
                    ]
                )
            except Exception:  # Redis away: clients catch up by position when they reconnect
                logger.exception("live publishing failed; clients will replay what they missed")
            if dispatches is not None:
                dispatches.add(manufacturer.hotline, event_ids)
        sent += len(pending)
        if len(rows) < BATCH:
            return sent  # the outbox held less than a batch: nothing more was waiting


# How long a relay process keeps the manufacturers it read for its full passes (every --poll
# seconds): a manufacturer added since is read at once when its schema is announced, and within
# this many seconds when it never is.
HOTLINES_KEPT = 60.0


class Hotlines:
    """The manufacturers by hotline schema, for a relay process: read again when a schema it does
    not know is announced (a new manufacturer), on a full pass once ``kept`` seconds have gone by,
    and after ``forget`` (a new listening connection, a failed pass); not on every pass."""

    def __init__(self, kept: float = HOTLINES_KEPT, clock: Callable[[], float] = time.monotonic) -> None:
        self.kept, self.clock = kept, clock
        self.by_schema: dict[str, Manufacturer] = {}
        self.read_at = -math.inf

    def forget(self) -> None:
        """The next pass reads the manufacturers again."""
        self.read_at = -math.inf

    def of(self, schemas: Collection[str] | None) -> list[Manufacturer]:
        if (schemas is None and self.clock() - self.read_at >= self.kept) or not set(
            schemas or ()
        ) <= self.by_schema.keys():
            self.read_at = self.clock()
            self.by_schema = {
                m.hotline.schema_name: m
                for m in Manufacturer.objects.select_related("hotline").order_by("hotline_id")
            }
        return [m for schema, m in self.by_schema.items() if schemas is None or schema in schemas]


def relay_everywhere(
    *,
    schemas: Collection[str] | None = None,
    publish: Publish = publish_once,
    hotlines: Hotlines | None = None,
    dispatches: Dispatches | None = None,
) -> int:
    """One pass over every manufacturer's hotline schema (or those of ``schemas``, the ones
    whose events were just announced); one manufacturer's trouble does not stop the others, and
    is raised after the pass (the relay process backs off and retries). A relay process keeps
    its ``hotlines`` and its ``dispatches``; without, the hotlines are read for this pass and
    each dispatch task is queued on commit."""
    makers = {m.hotline_id: m for m in (hotlines or Hotlines()).of(schemas)}
    done = each_tenant(
        lambda hotline: relay_pending(
            manufacturer=makers[hotline.pk], publish=publish, dispatches=dispatches
        ),
        tenants=[m.hotline for m in makers.values()],
        name="relay",
    )
    if done.failed:
        raise next(iter(done.failed.values()))
    return sum(done.results.values())
