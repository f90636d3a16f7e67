"""Reads of the hotline schema, named for what they return."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from tenants.models import PartsCentre, Region

from .models import (
    OPEN_STATES,
    Category,
    ClockKind,
    ClockState,
    Owner,
    State,
    Vehicle,
    WorkOrder,
    WorkOrderType,
)


def owners_matching(query: str) -> QuerySet[Owner]:
    """Owners found again by mobile number, licence plate or VIN (exact, case-insensitive)."""
    query = (query or "").strip().upper()
    if not query:
        return Owner.objects.none()
    return (Owner.objects.filter(Q(mobile=query) | Q(vehicles__plate=query)
                                 | Q(vehicles__vin=query))
            .prefetch_related("vehicles").distinct().order_by("-created_at"))


def vehicles_of(owner: Owner) -> QuerySet[Vehicle]:
    return owner.vehicles.order_by("-purchase_date")


def open_work_orders_of(owner: Owner) -> QuerySet[WorkOrder]:
    """For the intake warning: this owner already has work orders in progress."""
    return WorkOrder.objects.filter(owner=owner, state__in=OPEN_STATES).order_by("-received_at")


# --- KPIs: what the manufacturer measures (docs/portals.md) -----------------------------------

KPI_GROUPS = ("dealer", "region", "category", "week", "month")


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def kpi_rows(*, group: str, since: dt.datetime, until: dt.datetime, time_zone: Any,
             dealer_id: int | None = None) -> list[dict[str, Any]]:
    """Per dealer, region, category, week or month of receipt: counts and rates of the period.

    Timely response: first-contact windows met among those decided (stopped, or missed).
    Timely completion: the completion window of parts work orders and the answer window of
    the others, likewise. Satisfaction bands from callback scores: 8–10, 6–7, below 6.
    """
    from django.db.models.functions import TruncMonth, TruncWeek

    qs = WorkOrder.objects.filter(received_at__gte=since, received_at__lt=until).exclude(
        state=State.CANCELLED)
    if dealer_id is not None:
        qs = qs.filter(dealer_id=dealer_id)
    keys = {"dealer": ["dealer_code", "dealer_name"], "region": ["region_id"], "category": ["category"],
            "week": ["period"], "month": ["period"]}[group]
    if group == "week":
        qs = qs.annotate(period=TruncWeek("received_at", tzinfo=time_zone))
    elif group == "month":
        qs = qs.annotate(period=TruncMonth("received_at", tzinfo=time_zone))
    now = timezone.now()
    response = Q(clocks__kind=ClockKind.FIRST_CONTACT)
    completion = Q(clocks__kind=ClockKind.COMPLETION) | (
        Q(clocks__kind=ClockKind.ANSWER) & ~Q(type=WorkOrderType.PARTS_SHORTAGE))
    decided = Q(clocks__met__isnull=False) | Q(clocks__breached_at__isnull=False)
    met = Q(clocks__met=True)
    rows = qs.values(*keys).annotate(
        total=Count("pk", distinct=True),
        response_decided=Count("clocks", filter=response & decided, distinct=True),
        response_met=Count("clocks", filter=response & met, distinct=True),
        completion_decided=Count("clocks", filter=completion & decided, distinct=True),
        completion_met=Count("clocks", filter=completion & met, distinct=True),
        overdue=Count("pk", distinct=True, filter=Q(
            clocks__state=ClockState.RUNNING, clocks__due_at__lt=now)),
        repeats=Count("pk", distinct=True, filter=Q(repeat_of__isnull=False)),
        reopened=Count("pk", distinct=True, filter=Q(reopen_count__gt=0)),
        scored=Count("pk", distinct=True, filter=Q(satisfaction__isnull=False)),
        band_high=Count("pk", distinct=True, filter=Q(satisfaction__gte=8)),
        band_mid=Count("pk", distinct=True, filter=Q(satisfaction__gte=6, satisfaction__lt=8)),
        band_low=Count("pk", distinct=True, filter=Q(satisfaction__lt=6)),
    ).order_by(*keys)
    regions = dict(Region.objects.values_list("pk", "name")) if group == "region" else {}
    out = []
    for row in rows:
        if group == "dealer":
            label = f"{row['dealer_code']} {row['dealer_name']}"
        elif group == "region":
            label = regions.get(row["region_id"], str(row["region_id"]))
        elif group == "category":
            label = str(Category(row["category"]).label)
        else:
            label = row["period"].astimezone(time_zone).strftime("%Y-%m-%d" if group == "week" else "%Y-%m")
        total = row["total"]
        out.append({
            "label": label, "total": total,
            "response_rate": _rate(row["response_met"], row["response_decided"]),
            "completion_rate": _rate(row["completion_met"], row["completion_decided"]),
            "overdue": row["overdue"],
            "repeat_rate": _rate(row["repeats"], total), "reopen_rate": _rate(row["reopened"], total),
            "scored": row["scored"], "band_high": row["band_high"], "band_mid": row["band_mid"],
            "band_low": row["band_low"],
        })
    return out


def parts_centre_turnaround(*, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """Per parts centre: requests, hours from request to shipment (average), back-ordered lines."""
    from parts_tickets.models import LineState, PartsRequest, PartsRequestLine

    names = dict(PartsCentre.objects.values_list("pk", "name"))
    requests = PartsRequest.objects.filter(raised_at__gte=since, raised_at__lt=until)
    out = []
    for row in requests.values("parts_centre_id").annotate(
            requests=Count("pk"), shipped=Count("pk", filter=Q(shipped_at__isnull=False)),
            turnaround=Avg(F("shipped_at") - F("raised_at"))).order_by("parts_centre_id"):
        back_ordered = PartsRequestLine.objects.filter(
            request__in=requests.filter(parts_centre_id=row["parts_centre_id"]),
            state=LineState.BACK_ORDERED).count()
        hours = row["turnaround"].total_seconds() / 3600 if row["turnaround"] else None
        out.append({"label": names.get(row["parts_centre_id"], str(row["parts_centre_id"])),
                    "requests": row["requests"], "shipped": row["shipped"],
                    "hours": round(hours, 1) if hours is not None else None,
                    "back_ordered": back_ordered})
    return out
