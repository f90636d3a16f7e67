"""Template helpers for parts-support requests: their states, and a work order's requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from ..models import LineState, PartsRequest, RequestState
from ..selectors import parts_centre_turnaround

register = template.Library()


@register.filter
def parts_state_label(value: str) -> str:
    """A parts request's or a line's state as the user reads it."""
    for choices in (RequestState, LineState):
        if value in choices.values:
            return str(choices(value).label)
    return value


@register.inclusion_tag("parts_tickets/_requests.html")
def parts_requests_of(work_order: Any) -> dict[str, Any]:
    """Every parts-support request of a work order (the hotline sees them all), oldest first."""
    requests = PartsRequest.objects.filter(work_order=work_order).prefetch_related("lines")
    return {"parts_requests": list(requests.order_by("raised_at"))}


def turnaround_headers() -> list[str]:
    return [
        str(h)
        for h in (
            _("Parts centre"),
            _("Requests"),
            _("Shipped"),
            _("Hours from request to shipment (average)"),
            _("Back-ordered lines"),
        )
    ]


@register.inclusion_tag("parts_tickets/_turnaround.html")
def parts_centre_turnaround_of(since: dt.datetime, until: dt.datetime, query: str) -> dict[str, Any]:
    """The KPI page's parts-centre table for the period ``[since, until)``; ``query`` keeps its filters."""
    return {
        "centres": parts_centre_turnaround(since=since, until=until),
        "headers": turnaround_headers(),
        "query": query,
    }
