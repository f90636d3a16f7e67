"""The relay: publishes committed work-order events to the live channels, in order, once.

The event log is the outbox (a trigger copies each new event's id into
``hotline_outbox`` in the writing transaction). The relay of a hotline schema
takes the counter row's lock (one relay at a time per schema, so events of a
work order go out in the order they were written), numbers the pending events
with gap-free positions and removes them from the outbox, in one transaction;
after the commit it publishes them to the Channels groups of their audiences
and queues the task that dispatches their side effects (``live/dispatch.py``). If the transaction
fails the events stay in the outbox; if publishing fails, live clients catch up
by position (a reconnecting client asks for what came after its last one).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Collection, Coroutine
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

from hotline.models import Outbox, RelayedEvent, RelayFeed, WorkOrderEvent
from tenants.context import each_tenant, enqueue_on_commit
from tenants.models import Manufacturer, NetworkMembership, Tenant

from .audiences import audiences_of
from .dispatch import DISPATCH_TASK

logger = logging.getLogger(__name__)

BATCH = 500

Runner = Callable[[Callable[[], Coroutine[Any, Any, None]]], None]


def _run_once(send: Callable[[], Coroutine[Any, Any, None]]) -> None:
    async_to_sync(send)()


class Publisher:
    """One event loop kept for a process's life, on a thread of its own: the channel layer keeps
    its Redis connections per loop, so a long-running relay reuses them instead of opening a
    loop and a connection on every pass."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="relay-publisher", daemon=True)
        self.thread.start()

    def __call__(self, send: Callable[[], Coroutine[Any, Any, None]]) -> None:
        asyncio.run_coroutine_threadsafe(send(), self.loop).result(timeout=30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


def relay_pending(*, manufacturer: Manufacturer, layer: Any = None, run: Runner = _run_once) -> int:
    """Relay the current (hotline) schema's pending events; return how many were relayed.
    ``run`` runs the publishing coroutine (by default on an event loop of its own)."""
    layer = layer or get_channel_layer()
    hotline_id, code = manufacturer.hotline_id, manufacturer.code
    sent = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO hotline_relaycounter (id, last) VALUES (1, 0) ON CONFLICT (id) DO NOTHING"
                )
                cursor.execute("SELECT last FROM hotline_relaycounter WHERE id = 1 FOR UPDATE")
                last = cursor.fetchone()[0]
            ids = list(Outbox.objects.order_by("event_id").values_list("event_id", flat=True)[:BATCH])
            if not ids:
                return sent
            events = list(
                WorkOrderEvent.objects.filter(pk__in=ids)
                .select_related("work_order", "work_order__owner")
                .order_by("pk")
            )
            positions = {event.pk: last + i for i, event in enumerate(events, 1)}
            RelayedEvent.objects.bulk_create(RelayedEvent(position=positions[e.pk], event=e) for e in events)
            with connection.cursor() as cursor:
                cursor.execute("UPDATE hotline_relaycounter SET last = %s WHERE id = 1", [last + len(events)])
            Outbox.objects.filter(event_id__in=ids).delete()
            active = set(
                NetworkMembership.objects.filter(manufacturer=manufacturer, is_active=True).values_list(
                    "dealer_id", flat=True
                )
            )
            # Notifications, webhooks and texts: a task after the commit (a sweep if it is lost).
            enqueue_on_commit(DISPATCH_TASK, [event.pk for event in events])
            dealers = {e.dealer_id for e in events if e.dealer_id in active}
            feeds = dict(RelayFeed.objects.filter(dealer_id__in=dealers).values_list("dealer_id", "last"))
            messages = [
                pair
                for event in events
                for pair in audiences_of(event, hotline_id, code, positions[event.pk], active, feeds)
            ]
            RelayFeed.objects.bulk_create(
                [RelayFeed(dealer_id=d, last=feeds[d]) for d in sorted(dealers)],
                update_conflicts=True,
                unique_fields=["dealer_id"],
                update_fields=["last"],
            )
        _publish(layer, messages, run)
        sent += len(events)


def _publish(layer: Any, messages: list[tuple[str, dict]], run: Runner) -> None:
    """Send in order, in one event loop (the layer keeps its Redis connections per loop)."""

    async def send_all() -> None:
        for group, message in messages:
            await layer.group_send(group, message)

    try:
        run(send_all)
    except Exception:  # Redis away: clients catch up by position when they reconnect
        logger.exception("live publishing failed; clients will replay what they missed")


def relay_everywhere(
    layer: Any = None, *, schemas: Collection[str] | None = None, run: Runner = _run_once
) -> int:
    """One pass over every manufacturer's hotline schema (or those of ``schemas``, the ones
    whose events were just announced); one manufacturer's trouble does not stop the others, and
    is raised after the pass (the relay process backs off and retries)."""
    manufacturers = Manufacturer.objects.order_by("pk")
    if schemas is not None:
        manufacturers = manufacturers.filter(hotline__schema_name__in=list(schemas))
    makers = {m.hotline_id: m for m in manufacturers}
    done = each_tenant(
        lambda hotline: relay_pending(manufacturer=makers[hotline.pk], layer=layer, run=run),
        tenants=Tenant.objects.filter(pk__in=list(makers)).order_by("pk"),
        name="relay",
    )
    if done.failed:
        raise next(iter(done.failed.values()))
    return sum(done.results.values())
