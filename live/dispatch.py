"""The side effects of relayed events: who is told, which webhooks and which texts go out.

A Celery task (``live/tasks.py``) queued by the relay after it commits runs this
in the hotline's schema; a sweep queues it again for events it never reached.
It only writes rows (notifications, deliveries, texts); each row's own task does
the sending (``notifications/outbound.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from dealers.models import Assignment
from hotline.events import CATALOGUE, EventKind, dealer_view
from hotline.models import RelayedEvent, WorkOrderEvent
from hotline.models.choices import ClockKind
from hotline.models.notes import OwnerCallTopic
from hotline.services.owner_sms import owner_sms_enqueue
from notifications.services import Tell, notifications_file
from notifications.webhooks import webhooks_enqueue
from tenants.models import Manufacturer, Tenant
from tenants.selectors import dealers_active_in

from .audiences import user_group
from .messages import event_message


def _notify_at(event: WorkOrderEvent) -> dt.datetime:
    """When people are told: a warning waits for business hours (the clock says when)."""
    value = event.data.get("notify_at")
    return dt.datetime.fromisoformat(value) if value else event.at


def facts_of(event: WorkOrderEvent) -> dict[str, Any]:
    """What a notification keeps of an event to say what happened (``notifications/sentences.py``):
    who acted, the event's fields as a dealer may see them, labels as their source text, the
    owner's name and the vehicle's plate."""
    data = dealer_view(event.data)
    if event.kind.startswith("parts.") or event.kind == EventKind.PARTS_UNAVAILABLE:
        by = "parts_centre"
    elif event.actor_user_id:
        by = "person"
    else:
        by = "system"
    labels = {}
    with translation.override("en"):  # kept as their source text, translated when shown
        for name, choices in (("clock_kind", ClockKind), ("topic", OwnerCallTopic)):
            if data.get(name) in choices.values:
                labels[name] = str(choices(data[name]).label)
    work_order = event.work_order
    vehicle = work_order.vehicle
    return {
        "who": event.actor_name if by == "person" else "",
        "by": by,
        "data": data,
        "labels": labels,
        "owner": work_order.owner.name,
        "plate": (vehicle.plate if vehicle is not None else "") or "",
    }


def tells_of(
    events: list[WorkOrderEvent], *, manufacturer: Manufacturer, active_dealers: set[int]
) -> list[Tell]:
    """Each event as the catalogue says to tell it. A dealer is told only of events that
    happened while the work order was theirs, and only while it is in the network."""
    tells = []
    assignees = _assignees(events, manufacturer=manufacturer, active_dealers=active_dealers)
    for event in events:
        spec = CATALOGUE[EventKind(event.kind)]
        tells.append(
            Tell(
                event_id=event.pk,
                kind=event.kind,
                stream=manufacturer.hotline_id,
                manufacturer_code=manufacturer.code,
                work_order_number=event.work_order.number,
                title=spec.title,
                notify_at=_notify_at(event),
                audience=spec.audience_for(event.data),
                hotline_id=manufacturer.hotline_id,
                dealer_id=event.dealer_id if event.dealer_id in active_dealers else None,
                created_by_id=event.work_order.created_by_id,
                email_by_default=spec.email,
                always=spec.always_for(event.data),
                caller=(
                    (event.actor_tenant_id, event.actor_user_id)
                    if event.actor_tenant_id and event.actor_user_id
                    else None
                ),
                assignee=assignees.get((event.dealer_id, event.work_order_id)),
                facts=facts_of(event),
            )
        )
    return tells


def _assignees(
    events: list[WorkOrderEvent], *, manufacturer: Manufacturer, active_dealers: set[int]
) -> dict[tuple[int, int], int]:
    """(dealer, work order) → the person the dealer assigned it to, for the events whose
    audience includes the assignee (read in each dealer's own schema)."""
    wanted: dict[int, set[int]] = {}
    for event in events:
        spec = CATALOGUE[EventKind(event.kind)]
        if event.dealer_id in active_dealers and spec.audience_for(event.data).assignee:
            wanted.setdefault(event.dealer_id, set()).add(event.work_order_id)
    found: dict[tuple[int, int], int] = {}
    for dealer in Tenant.objects.filter(pk__in=list(wanted)):
        with tenant_context(dealer):
            for work_order_id, assignee_id in Assignment.objects.filter(
                manufacturer_id=manufacturer.pk, work_order_id__in=wanted[dealer.pk]
            ).values_list("work_order_id", "assignee_id"):
                found[(dealer.pk, work_order_id)] = assignee_id
    return found


DISPATCH_TASK = "live.relayed_events_dispatch"
# The same for the events of several hotlines (a relay process's held events), run in public.
DISPATCH_MANY_TASK = "live.relayed_events_dispatch_many"


def relayed_events_dispatch(*, manufacturer: Manufacturer, event_ids: list[int]) -> list[tuple[str, dict]]:
    """In the hotline's schema: queue the side effects of relayed events not yet dispatched.

    In one transaction, with the relayed rows locked (two tasks never dispatch the
    same events): notifications filed in their readers' schemas, webhook deliveries
    in the hotline's and each dealer's schema, texts to owners; the events marked
    dispatched; each row's task queued on commit. Returns the unread-count pushes
    for the live sockets (sent after the commit). Running it twice changes nothing.
    """
    with transaction.atomic():
        rows = list(
            RelayedEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(event_id__in=event_ids, dispatched_at__isnull=True)
            .select_related(
                "event", "event__work_order", "event__work_order__owner", "event__work_order__vehicle"
            )
            .order_by("position")
        )
        if not rows:
            return []
        events = [row.event for row in rows]
        positions = {row.event_id: row.position for row in rows}
        active = dealers_active_in(manufacturer.pk)
        unread = notifications_file(tells_of(events, manufacturer=manufacturer, active_dealers=active))
        _webhooks(events, positions, manufacturer=manufacturer, active_dealers=active)
        owner_sms_enqueue(events, brand=manufacturer.name)
        RelayedEvent.objects.filter(pk__in=[row.pk for row in rows]).update(dispatched_at=timezone.now())
    return [
        (user_group(tenant_id, user_id), {"type": "live.notification", "unread": count})
        for (tenant_id, user_id), count in unread.items()
    ]


def undispatched(*, older_than: dt.timedelta, limit: int = 500) -> list[int]:
    """Relayed events whose dispatch should have happened by now (its task was lost)."""
    return list(
        RelayedEvent.objects.filter(dispatched_at__isnull=True, relayed_at__lt=timezone.now() - older_than)
        .order_by("position")
        .values_list("event_id", flat=True)[:limit]
    )


def _webhooks(
    events: list[WorkOrderEvent],
    positions: dict[int, int],
    *,
    manufacturer: Manufacturer,
    active_dealers: set[int],
) -> None:
    """Queue the events for the hotline's webhooks, and each dealer's for its own."""
    hotline_id, code = manufacturer.hotline_id, manufacturer.code
    webhooks_enqueue(
        hotline_id,
        hotline_id,
        [event_message(e, positions[e.pk], hotline_id, code, for_dealer=False) for e in events],
    )
    by_dealer: dict[int, list[WorkOrderEvent]] = {}
    for event in events:
        if event.dealer_id in active_dealers:
            by_dealer.setdefault(event.dealer_id, []).append(event)
    for dealer in Tenant.objects.filter(pk__in=list(by_dealer)):
        messages = [
            event_message(e, positions[e.pk], hotline_id, code, for_dealer=True) for e in by_dealer[dealer.pk]
        ]
        with tenant_context(dealer):
            webhooks_enqueue(dealer.pk, hotline_id, messages)
