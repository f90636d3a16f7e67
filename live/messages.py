"""What a live client (and a webhook receiver) gets for one relayed event."""

from __future__ import annotations

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from hotline.events import dealer_view, hotline_view
from hotline.models import RelayedEvent, WorkOrderEvent


def event_message(
    event: WorkOrderEvent, position: int, hotline_id: int, manufacturer_code: str, *, for_dealer: bool
) -> dict[str, Any]:
    """One event; ``stream`` and ``position`` let a client ask for what it missed."""
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
        "data": dealer_view(event.data) if for_dealer else hotline_view(event.kind, event.data),
    }


def replayed(
    rows: list[RelayedEvent] | None, *, hotline_id: int, manufacturer_code: str, for_dealer: bool
) -> list[dict[str, Any]] | None:
    """Relayed log rows as messages (None stays None: too many, the client reloads)."""
    if rows is None:
        return None
    return [
        event_message(r.event, r.position, hotline_id, manufacturer_code, for_dealer=for_dealer) for r in rows
    ]
