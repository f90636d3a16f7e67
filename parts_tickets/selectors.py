"""Reads of parts-support requests: a parts centre's own, and the manufacturer's turnaround figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Case, Count, F, IntegerField, Q, QuerySet, Value, When

from hotline.models import WorkOrder
from tenants.models import NetworkMembership, PartsCentre

from .models import LineState, PartsRequest, PartsRequestLine, RequestState


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


OPEN_REQUEST_STATES = (RequestState.SUBMITTED, RequestState.ACKNOWLEDGED, RequestState.IN_PROGRESS)


def parts_queue_for_centre(
    *,
    parts_centre_id: int,
    manufacturer_id: int,
    state: str = "open",
    dealer_code: str = "",
    number: str = "",
) -> QuerySet[PartsRequest]:
    """The centre's queue for its people: open requests first, the longest waiting on top, then
    the rest newest first. ``state``: ``open`` (the default), ``all`` or one request state;
    ``number``: any part of the request's or the work order's number."""
    requests = parts_requests_for_centre(
        parts_centre_id=parts_centre_id,
        manufacturer_id=manufacturer_id,
        state="" if state in ("open", "all") else state,
        dealer_code=dealer_code,
    ).select_related("work_order__vehicle")
    if state == "open":
        requests = requests.filter(state__in=OPEN_REQUEST_STATES)
    if number:
        requests = requests.filter(Q(number__icontains=number) | Q(work_order__number__icontains=number))
    open_first = Case(
        When(state__in=OPEN_REQUEST_STATES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    waiting_since = Case(When(state__in=OPEN_REQUEST_STATES, then=F("raised_at")), default=None)
    return requests.alias(open_first=open_first, waiting=waiting_since).order_by(
        "open_first", F("waiting").asc(nulls_last=True), "-raised_at", "-id"
    )


def dealers_of_requests(manufacturer_id: int, dealer_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Dealer code and name in the manufacturer's network, per dealer tenant id."""
    return {
        dealer_id: (code, name)
        for dealer_id, code, name in NetworkMembership.objects.filter(
            manufacturer_id=manufacturer_id, dealer_id__in=dealer_ids
        ).values_list("dealer_id", "dealer_code", "dealer__name")
    }


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
