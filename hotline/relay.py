"""The relay: publishes committed work-order events to the live channels, in order, once.

The event log is the outbox (a trigger copies each new event's id into
``hotline_outbox`` in the writing transaction). The relay of a hotline schema
takes the counter row's lock (one relay at a time per schema, so events of a
work order go out in the order they were written), numbers the pending events
with gap-free positions, publishes them to the Channels groups of their
audiences and removes them from the outbox, in one transaction. If Redis is
down the transaction rolls back and the events stay in the outbox until it
returns; if the commit fails after publishing, the events go out again with new
positions and receivers drop what they have seen by event id.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from .models import Outbox, RelayCounter, RelayedEvent, RelayFeed, WorkOrderEvent

logger = logging.getLogger(__name__)

# Fields of the manufacturer's log a dealer never receives (where a work order was before).
HIDDEN_FROM_DEALERS = frozenset({"from_dealer_id", "from_dealer_code"})
BATCH = 500
# More missed events than this and a reconnecting client is told to reload instead.
REPLAY_LIMIT = 1000


def board_group(hotline_id: int) -> str:
    return f"board.{hotline_id}"


def inbox_group(dealer_id: int) -> str:
    return f"inbox.{dealer_id}"


def work_order_group(hotline_id: int, work_order_id: int, audience: str | int) -> str:
    """One work order's page: ``hotline``, or the id of the dealer watching it."""
    return f"wo.{hotline_id}.{work_order_id}.{audience}"


def event_message(
    event: WorkOrderEvent, position: int, hotline_id: int, manufacturer_code: str, *, for_dealer: bool
) -> dict[str, Any]:
    """What a live client receives; ``stream`` and ``position`` let it ask for what it missed."""
    data = {k: v for k, v in event.data.items() if not (for_dealer and k in HIDDEN_FROM_DEALERS)}
    work_order = event.work_order
    return {
        "type": "live.event",
        "stream": hotline_id,
        "position": position,
        "id": event.pk,
        "kind": event.kind,
        "at": DjangoJSONEncoder().default(event.at),
        "manufacturer": manufacturer_code,
        "work_order": work_order.number,
        "state": work_order.state,
        "dealer_id": event.dealer_id,
        "data": data,
    }


def feed_position(dealer_id: int | None = None) -> int:
    """In the current hotline schema: the last position relayed to the board, or to a dealer."""
    if dealer_id is None:
        return RelayCounter.objects.filter(pk=1).values_list("last", flat=True).first() or 0
    return RelayFeed.objects.filter(pk=dealer_id).values_list("last", flat=True).first() or 0


def feed_positions(wanted: dict[int, set[int | None]]) -> dict[tuple[int, int | None], int]:
    """The last position relayed to each feed asked for: per hotline id, its board
    (``None``) and dealers' inboxes; one query per hotline schema."""
    from django_tenants.utils import tenant_context

    from tenants.models import Tenant

    positions: dict[tuple[int, int | None], int] = {}
    for hotline in Tenant.objects.filter(pk__in=list(wanted)):
        with tenant_context(hotline):
            if None in wanted[hotline.pk]:
                positions[hotline.pk, None] = feed_position()
            dealers = [d for d in wanted[hotline.pk] if d is not None]
            for dealer_id, last in RelayFeed.objects.filter(dealer_id__in=dealers).values_list(
                "dealer_id", "last"
            ):
                positions[hotline.pk, dealer_id] = last
    return positions


def relayed_after(
    position: int, *, hotline_id: int, manufacturer_code: str, for_dealer: bool, **filters: Any
) -> list[dict[str, Any]] | None:
    """In the current hotline schema: the published events after ``position``, as messages.

    ``filters`` narrow the events (e.g. ``event__dealer_id``); None when there are
    more than ``REPLAY_LIMIT`` (the client reloads instead).
    """
    rows = list(
        RelayedEvent.objects.select_related("event", "event__work_order")
        .filter(position__gt=position, **filters)
        .order_by("position")[: REPLAY_LIMIT + 1]
    )
    if len(rows) > REPLAY_LIMIT:
        return None
    return [
        event_message(r.event, r.position, hotline_id, manufacturer_code, for_dealer=for_dealer) for r in rows
    ]


def _audiences(
    event: WorkOrderEvent,
    hotline_id: int,
    manufacturer_code: str,
    position: int,
    active_dealers: set[int],
    feeds: dict[int, int],
) -> list[tuple[str, dict]]:
    """Each group that may receive this event, with the message it receives.

    A dealer receives an event only if the work order was routed to it when the
    event happened (``event.dealer_id``) and it is still an active member of the
    network; the dealer a work order was transferred away from learns only that.
    Board and inbox messages carry ``prev``, the position of the previous message
    of that feed (``feeds`` holds each dealer's and is advanced here).
    """
    full = event_message(event, position, hotline_id, manufacturer_code, for_dealer=False)
    groups = [
        (board_group(hotline_id), {**full, "prev": position - 1}),
        (work_order_group(hotline_id, event.work_order_id, "hotline"), full),
    ]
    if event.dealer_id in active_dealers:
        dealer = event_message(event, position, hotline_id, manufacturer_code, for_dealer=True)
        prev, feeds[event.dealer_id] = feeds.get(event.dealer_id, 0), position
        groups += [
            (inbox_group(event.dealer_id), {**dealer, "prev": prev}),
            (work_order_group(hotline_id, event.work_order_id, event.dealer_id), dealer),
        ]
    previous = event.data.get("from_dealer_id")
    if event.kind == "work_order.transferred" and previous in active_dealers:
        gone = {**full, "kind": "work_order.transferred_away", "data": {}, "dealer_id": None}
        groups += [
            (inbox_group(previous), gone),
            (work_order_group(hotline_id, event.work_order_id, previous), gone),
        ]
    return groups


def relay_pending(
    *, hotline_id: int, manufacturer_code: str, layer: Any = None, brand: str | None = None
) -> int:
    """Relay the current schema's pending events; return how many were relayed.

    In one transaction: number the events, record them as relayed, file the
    notifications, queue webhooks and texts. After the commit: publish to the
    live groups. If publishing fails, the events are not lost for live
    clients: a client that reconnects asks for what came after its last position.
    """
    from notifications.services import notifications_for_events
    from tenants.models import NetworkMembership

    layer = layer or get_channel_layer()
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
            RelayedEvent.objects.bulk_create(
                RelayedEvent(position=last + i, event=event) for i, event in enumerate(events, 1)
            )
            with connection.cursor() as cursor:
                cursor.execute("UPDATE hotline_relaycounter SET last = %s WHERE id = 1", [last + len(events)])
            Outbox.objects.filter(event_id__in=ids).delete()
            active = set(
                NetworkMembership.objects.filter(
                    manufacturer__hotline_id=hotline_id,
                    is_active=True,
                ).values_list("dealer_id", flat=True)
            )
            pushes = notifications_for_events(
                events, hotline_id=hotline_id, manufacturer_code=manufacturer_code, active_dealers=active
            )
            _webhooks(events, hotline_id, manufacturer_code, last, active)
            from .services.owner_sms import owner_sms_enqueue

            if brand is None:
                from tenants.models import Manufacturer

                brand = Manufacturer.objects.get(code=manufacturer_code).name
            owner_sms_enqueue(events, brand=brand)
            dealers = {e.dealer_id for e in events if e.dealer_id in active}
            feeds = dict(RelayFeed.objects.filter(dealer_id__in=dealers).values_list("dealer_id", "last"))
            messages = [
                pair
                for i, event in enumerate(events, 1)
                for pair in _audiences(event, hotline_id, manufacturer_code, last + i, active, feeds)
            ]
            RelayFeed.objects.bulk_create(
                [RelayFeed(dealer_id=d, last=feeds[d]) for d in sorted(dealers)],
                update_conflicts=True,
                unique_fields=["dealer_id"],
                update_fields=["last"],
            )
        _publish(layer, [*messages, *pushes])
        sent += len(events)


def _publish(layer: Any, messages: list[tuple[str, dict]]) -> None:
    """Send in order, in one event loop (the layer keeps its Redis connections per loop)."""

    async def send_all() -> None:
        for group, message in messages:
            await layer.group_send(group, message)

    try:
        async_to_sync(send_all)()
    except Exception:  # Redis away: clients catch up by position when they reconnect
        logger.exception("live publishing failed; clients will replay what they missed")


def _webhooks(
    events: list[WorkOrderEvent], hotline_id: int, manufacturer_code: str, last: int, active_dealers: set[int]
) -> None:
    """Queue the events for the hotline's webhooks, and each dealer's for its own."""
    from django_tenants.utils import tenant_context

    from notifications.webhooks import webhooks_enqueue
    from tenants.models import Tenant

    positions = {event.pk: last + i for i, event in enumerate(events, 1)}
    webhooks_enqueue(
        hotline_id,
        hotline_id,
        [event_message(e, positions[e.pk], hotline_id, manufacturer_code, for_dealer=False) for e in events],
    )
    by_dealer: dict[int, list[WorkOrderEvent]] = {}
    for event in events:
        if event.dealer_id in active_dealers:
            by_dealer.setdefault(event.dealer_id, []).append(event)
    for dealer in Tenant.objects.filter(pk__in=list(by_dealer)):
        messages = [
            event_message(e, positions[e.pk], hotline_id, manufacturer_code, for_dealer=True)
            for e in by_dealer[dealer.pk]
        ]
        with tenant_context(dealer):
            webhooks_enqueue(dealer.pk, hotline_id, messages)


def relay_everywhere(layer: Any = None) -> int:
    """One pass over every manufacturer's hotline schema."""
    from django_tenants.utils import tenant_context

    from tenants.models import Manufacturer

    sent = 0
    failed = None
    for manufacturer in Manufacturer.objects.select_related("hotline").order_by("pk"):
        try:
            with tenant_context(manufacturer.hotline):
                sent += relay_pending(
                    hotline_id=manufacturer.hotline_id,
                    manufacturer_code=manufacturer.code,
                    layer=layer,
                    brand=manufacturer.name,
                )
        except Exception as exc:  # one manufacturer's trouble must not stop the others
            logger.exception("relay failed for %s", manufacturer.code)
            failed = exc
    if failed is not None:
        raise failed
    return sent
