"""Reads of parts-support requests: a parts centre's own, and the manufacturer's turnaround figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet

from hotline.models import WorkOrder
from tenants.models import NetworkMembership, PartsCentre

from .models import LineState, PartsRequest, PartsRequestLine


def parts_requests_for_centre(
    *,
    parts_centre_id: int,
    manufacturer_id: int,
    state: str = "",
    dealer_code: str = "",
    since: dt.datetime | None = None,
) -> QuerySet[PartsRequest]:
    """The centre's requests (those of the regions it served when raised), newest first."""
    requests = (
        PartsRequest.objects.filter(parts_centre_id=parts_centre_id)
        .select_related("work_order")
        .prefetch_related("lines")
    )
    if state:
        requests = requests.filter(state=state)
    if dealer_code:
        dealer_ids = NetworkMembership.objects.filter(
            manufacturer_id=manufacturer_id, dealer_code=dealer_code
        ).values_list("dealer_id", flat=True)
        requests = requests.filter(dealer_id__in=list(dealer_ids))
    if since is not None:
        requests = requests.filter(raised_at__gte=since)
    return requests


def parts_request_for_centre(*, parts_centre_id: int, number: str) -> PartsRequest:
    """One of the centre's requests; anything else is ``DoesNotExist`` (404, as if it did not exist)."""
    return (
        PartsRequest.objects.select_related("work_order")
        .prefetch_related("lines")
        .get(parts_centre_id=parts_centre_id, number=number)
    )


def parts_requests_of_work_order(number: str) -> list[PartsRequest]:
    """The parts-support requests of one work order of this hotline, oldest first, with their lines.

    ``WorkOrder.DoesNotExist`` (404) when the hotline has no such work order.
    """
    work_order = WorkOrder.objects.only("pk").get(number=number)
    return list(
        PartsRequest.objects.filter(work_order=work_order)
        .select_related("work_order")
        .prefetch_related("lines")
        .order_by("raised_at", "id")
    )


def parts_centre_names(ids: set[int]) -> dict[int, tuple[str, str]]:
    """Code and name of each parts centre named by id."""
    return {
        pk: (code, name)
        for pk, code, name in PartsCentre.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    }


def parts_centre_turnaround(*, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """Per parts centre: requests, hours from request to shipment (average), back-ordered lines."""
    names = dict(PartsCentre.objects.values_list("pk", "name"))
    requests = PartsRequest.objects.filter(raised_at__gte=since, raised_at__lt=until)
    out = []
    for row in (
        requests.values("parts_centre_id")
        .annotate(
            requests=Count("pk"),
            shipped=Count("pk", filter=Q(shipped_at__isnull=False)),
            turnaround=Avg(F("shipped_at") - F("raised_at")),
        )
        .order_by("parts_centre_id")
    ):
        back_ordered = PartsRequestLine.objects.filter(
            request__in=requests.filter(parts_centre_id=row["parts_centre_id"]), state=LineState.BACK_ORDERED
        ).count()
        hours = row["turnaround"].total_seconds() / 3600 if row["turnaround"] else None
        out.append(
            {
                "label": names.get(row["parts_centre_id"], str(row["parts_centre_id"])),
                "requests": row["requests"],
                "shipped": row["shipped"],
                "hours": round(hours, 1) if hours is not None else None,
                "back_ordered": back_ordered,
            }
        )
    return out
