"""The side effects of relayed events: who is told, which webhooks and which texts go out.

Runs inside the relay's transaction, in the hotline's schema: what is queued
here commits with the positions it was relayed at, or not at all. The sending
itself happens later, from these rows (the scheduler's jobs).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tenants.utils import tenant_context

from hotline.events import CATALOGUE, EventKind
from hotline.models import WorkOrderEvent
from hotline.services.owner_sms import owner_sms_enqueue
from notifications.services import Tell, notifications_file
from notifications.webhooks import webhooks_enqueue
from tenants.models import Manufacturer, Tenant

from .audiences import user_group
from .messages import event_message


def _notify_at(event: WorkOrderEvent) -> dt.datetime:
    """When people are told: a warning waits for business hours (the clock says when)."""
    value = event.data.get("notify_at")
    return dt.datetime.fromisoformat(value) if value else event.at


def tells_of(
    events: list[WorkOrderEvent], *, manufacturer: Manufacturer, active_dealers: set[int]
) -> list[Tell]:
    """Each event as the catalogue says to tell it. A dealer is told only of events that
    happened while the work order was theirs, and only while it is in the network."""
    tells = []
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
                always=spec.always,
                caller=(
                    (event.actor_tenant_id, event.actor_user_id)
                    if event.actor_tenant_id and event.actor_user_id
                    else None
                ),
            )
        )
    return tells


def side_effects_queue(
    events: list[WorkOrderEvent],
    positions: dict[int, int],
    *,
    manufacturer: Manufacturer,
    active_dealers: set[int],
) -> list[tuple[str, dict[str, Any]]]:
    """Notifications filed, webhooks and owner texts queued; returns the unread-count pushes."""
    unread = notifications_file(tells_of(events, manufacturer=manufacturer, active_dealers=active_dealers))
    _webhooks(events, positions, manufacturer=manufacturer, active_dealers=active_dealers)
    owner_sms_enqueue(events, brand=manufacturer.name)
    return [
        (user_group(tenant_id, user_id), {"type": "live.notification", "unread": count})
        for (tenant_id, user_id), count in unread.items()
    ]


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
