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

import json
import logging
import math
import time
from collections.abc import Callable, Collection
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.utils import timezone

from hotline.events import EventKind
from hotline.models import Outbox, WorkOrder, WorkOrderEvent
from tenants.context import each_tenant, enqueue_in, enqueue_on_commit
from tenants.models import Manufacturer, Tenant

from .audiences import audiences_of
from .dispatch import DISPATCH_TASK
from .layer import LiveChannelLayer

logger = logging.getLogger(__name__)

BATCH = 500
# A relay process queues a hotline's dispatch task at once, then at most one every this many
# seconds, for the events relayed meanwhile (``Dispatches``).
DISPATCH_HOLD = 0.5

# Sends a pass's group messages, in order.
Publish = Callable[[list[tuple[str, dict]]], None]


def publish_once(messages: list[tuple[str, dict]]) -> None:
    """Send on an event loop of its own (a pass outside the relay process: tests, commands)."""
    layer = get_channel_layer()

    async def send_all() -> None:
        if isinstance(layer, LiveChannelLayer):
            await layer.group_send_many(messages)  # one round trip
            return
        for group, message in messages:
            await layer.group_send(group, message)

    async_to_sync(send_all)()


class Dispatches:
    """The dispatch tasks of a relay process, one Celery message for the events of several passes.

    A hotline's first relayed events are queued at once; events relayed within
    ``hold`` seconds of that are held and queued together when the time is up
    (``flush``, called by the relay's loop, which wakes for it: ``next_in``). At
    tens of events a second this makes a few messages a second instead of one per
    event; an event after a quiet spell is not held. The events are committed as relayed before
    they are held: a relay that dies holding some leaves them to the dispatch sweep,
    as a lost message would.
    """

    def __init__(self, hold: float = DISPATCH_HOLD, clock: Callable[[], float] = time.monotonic) -> None:
        self.hold, self.clock = hold, clock
        self.sent_at: dict[int, float] = {}  # hotline id → when its last task was queued
        self.held: dict[int, tuple[Tenant, list[int]]] = {}

    def add(self, hotline: Tenant, event_ids: list[int]) -> None:
        """Events of ``hotline`` just committed as relayed: queue their dispatch, or hold them."""
        held = self.held.pop(hotline.pk, (hotline, []))[1] + list(event_ids)
        # Queued now: the hold is over (a long pass may have kept the loop from flushing), or a
        # task's worth (a burst's events go as tasks of a batch each, for several workers).
        if self.clock() - self.sent_at.get(hotline.pk, -math.inf) >= self.hold or len(held) >= BATCH:
            self._send(hotline, held)
        else:
            self.held[hotline.pk] = (hotline, held)

    def flush(self, *, everything: bool = False) -> None:
        """Queue what has been held long enough (``everything``: all of it, on the way out)."""
        now = self.clock()
        for hotline_id, (hotline, event_ids) in list(self.held.items()):
            if everything or now - self.sent_at[hotline_id] >= self.hold:
                del self.held[hotline_id]
                self._send(hotline, event_ids)

    def next_in(self) -> float | None:
        """Seconds until held events are to be queued, or None when none are held."""
        if not self.held:
            return None
        return max(min(self.sent_at[pk] for pk in self.held) + self.hold - self.clock(), 0.0)

    def _send(self, hotline: Tenant, event_ids: list[int]) -> None:
        self.sent_at[hotline.pk] = self.clock()
        for start in range(0, len(event_ids), BATCH):
            enqueue_in(hotline, DISPATCH_TASK, event_ids[start : start + BATCH])


# The pending events (oldest first, a batch at most) with what a live message reads of each
# and of its work order (``live.messages.event_message``), and whether its dealer and (a
# transfer's) the dealer it left are active members of the manufacturer's network now; an
# outbox entry whose event is missing comes with nulls.
PENDING_SQL = """
SELECT o.event_id, e.work_order_id, e.kind, e.at, e.dealer_id, e.data, w.number, w.state,
    EXISTS (SELECT FROM tenants_networkmembership AS m WHERE m.manufacturer_id = %(manufacturer)s
            AND m.is_active AND m.dealer_id = e.dealer_id),
    EXISTS (SELECT FROM tenants_networkmembership AS m WHERE m.manufacturer_id = %(manufacturer)s
            AND m.is_active AND m.dealer_id = CASE WHEN e.kind = %(transferred)s
                THEN (e.data ->> 'from_dealer_id')::bigint END)
FROM (SELECT event_id FROM hotline_outbox ORDER BY event_id LIMIT %(batch)s) AS o
LEFT JOIN hotline_workorderevent AS e ON e.id = o.event_id
LEFT JOIN hotline_workorder AS w ON w.id = e.work_order_id
ORDER BY o.event_id
"""


def _pending_event(row: tuple) -> WorkOrderEvent:
    """An event row of ``PENDING_SQL`` as the event (with its work order's number and state)."""
    event_id, work_order_id, kind, at, dealer_id, data, number, state = row[:8]
    event = WorkOrderEvent(
        id=event_id, work_order_id=work_order_id, kind=kind, at=at, dealer_id=dealer_id, data=json.loads(data)
    )
    event.work_order = WorkOrder(id=work_order_id, number=number, state=state)
    return event


# The pass's bookkeeping in one statement: the outbox emptied of the events taken, their
# positions recorded, the counter advanced (its row is locked by this transaction), each
# dealer's feed moved to its last event of the pass; returns the feeds' previous positions.
RELAYED_SQL = """
WITH gone AS (DELETE FROM hotline_outbox WHERE event_id = ANY(%(ids)s)),
relayed AS (
    INSERT INTO hotline_relayedevent (position, event_id, relayed_at)
    SELECT position, event_id, %(now)s FROM unnest(%(positions)s::bigint[], %(ids)s::bigint[])
        AS t (position, event_id)
),
counter AS (UPDATE hotline_relaycounter SET last = %(last)s WHERE id = 1),
before AS (SELECT dealer_id, last FROM hotline_relayfeed WHERE dealer_id = ANY(%(dealers)s)),
feeds AS (
    INSERT INTO hotline_relayfeed (dealer_id, last)
    SELECT * FROM unnest(%(dealers)s::bigint[], %(dealer_lasts)s::bigint[])
    ON CONFLICT (dealer_id) DO UPDATE SET last = EXCLUDED.last
)
SELECT dealer_id, last FROM before
"""


def _counter_locked(cursor: Any) -> int:
    """The last position handed out, with the counter row locked until the commit."""
    cursor.execute("SELECT last FROM hotline_relaycounter WHERE id = 1 FOR UPDATE")
    row = cursor.fetchone()
    if row is None:  # the schema's first relay
        cursor.execute(
            "INSERT INTO hotline_relaycounter (id, last) VALUES (1, 0) ON CONFLICT (id) DO NOTHING"
        )
        cursor.execute("SELECT last FROM hotline_relaycounter WHERE id = 1 FOR UPDATE")
        row = cursor.fetchone()
    return row[0]


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
        with transaction.atomic(), connection.cursor() as cursor:
            # The lock first: the statements after it see every event committed before it.
            last = _counter_locked(cursor)
            cursor.execute(
                PENDING_SQL,
                {"manufacturer": manufacturer.pk, "batch": BATCH, "transferred": EventKind.TRANSFERRED.value},
            )
            rows = cursor.fetchall()
            if not rows:
                return sent
            ids = [row[0] for row in rows]
            pending = [(_pending_event(row), row[8], row[9]) for row in rows if row[1] is not None]
            events = [event for event, _, _ in pending]
            positions = {event.pk: last + i for i, event in enumerate(events, 1)}
            # The active dealers among those these events concern (all that is asked of them).
            active = {event.dealer_id for event, its_dealer, _ in pending if its_dealer} | {
                int(event.data["from_dealer_id"]) for event, _, left in pending if left
            }
            # Each active dealer's last event of this pass (events in position order).
            dealer_lasts = {e.dealer_id: positions[e.pk] for e in events if e.dealer_id in active}
            cursor.execute(
                RELAYED_SQL,
                {
                    "ids": [e.pk for e in events],
                    "positions": [positions[e.pk] for e in events],
                    "now": timezone.now(),
                    "last": last + len(events),
                    "dealers": list(dealer_lasts),
                    "dealer_lasts": list(dealer_lasts.values()),
                },
            )
            feeds = dict(cursor.fetchall())
            if len(events) < len(ids):  # an outbox entry without its event: nothing to relay
                Outbox.objects.filter(event_id__in=ids).delete()
            # Notifications, webhooks and texts: a task after the commit (a sweep if it is lost).
            if dispatches is None:
                enqueue_on_commit(DISPATCH_TASK, [event.pk for event in events])
            messages = [
                pair
                for event in events
                for pair in audiences_of(event, hotline_id, code, positions[event.pk], active, feeds)
            ]
        try:
            publish(messages)
        except Exception:  # Redis away: clients catch up by position when they reconnect
            logger.exception("live publishing failed; clients will replay what they missed")
        if dispatches is not None and events:
            dispatches.add(manufacturer.hotline, [event.pk for event in events])
        sent += len(events)
        if len(ids) < BATCH:
            return sent  # the outbox held less than a batch: nothing more was waiting


class Hotlines:
    """The manufacturers by hotline schema, for a relay process: read again on a full pass and
    when a schema it does not know is announced (a new manufacturer), not on every pass."""

    def __init__(self) -> None:
        self.by_schema: dict[str, Manufacturer] = {}

    def of(self, schemas: Collection[str] | None) -> list[Manufacturer]:
        if schemas is None or not set(schemas) <= self.by_schema.keys():
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
