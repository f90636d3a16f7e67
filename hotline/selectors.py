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
    Clock,
    ClockKind,
    ClockState,
    Owner,
    PartLine,
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


def work_orders_for_hotline(*, state: str = "", work_order_type: str = "", category: str = "",
                            severity: str = "", dealer_code: str = "", since: dt.datetime | None = None,
                            until: dt.datetime | None = None) -> QuerySet[WorkOrder]:
    """The manufacturer's work orders with the given filters, for lists and exports.

    Owner, vehicle and repeat fields come as annotations (``owner_name``,
    ``vehicle_vin``, ``repeat_number``, ...), not as related objects: a page of
    200 rows builds 200 model instances instead of 800.
    """
    return (_work_orders_filtered(state=state, work_order_type=work_order_type, category=category,
                                  severity=severity, dealer_code=dealer_code, since=since, until=until)
            .annotate(**{f"owner_{name}": F(f"owner__{name}")
                         for name in ("name", "gender", "mobile", "province", "city")},
                      **{f"vehicle_{name}": F(f"vehicle__{name}") for name in ("vin", "plate", "model")},
                      repeat_number=F("repeat_of__number")))


def part_lines_of(work_orders: list[WorkOrder]) -> dict[int, list[dict]]:
    """The part lines of a page of work orders in one query, by work order id."""
    lines: dict[int, list[dict]] = {wo.pk: [] for wo in work_orders}
    for row in (PartLine.objects.filter(work_order_id__in=list(lines)).order_by("work_order_id", "line_no")
                .values("work_order_id", "line_no", "part_code", "part_name", "quantity")):
        lines[row.pop("work_order_id")].append(row)
    return lines


def _work_orders_filtered(*, state: str = "", work_order_type: str = "", category: str = "",
                          severity: str = "", dealer_code: str = "", since: dt.datetime | None = None,
                          until: dt.datetime | None = None) -> QuerySet[WorkOrder]:
    exact = {"state": state, "type": work_order_type, "category": category, "severity": severity,
             "dealer_code": dealer_code}
    work_orders = WorkOrder.objects.filter(**{k: v for k, v in exact.items() if v})
    if since is not None:
        work_orders = work_orders.filter(received_at__gte=since)
    if until is not None:
        work_orders = work_orders.filter(received_at__lt=until)
    return work_orders


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def work_order_kpis(*, since: dt.datetime | None = None, until: dt.datetime | None = None,
                    dealer_code: str = "") -> dict:
    """What the manufacturer measures, over work orders received in the period (domain.md)."""
    work_orders = _work_orders_filtered(dealer_code=dealer_code, since=since, until=until)
    totals = work_orders.aggregate(
        received=Count("id"),
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        repeats=Count("id", filter=Q(repeat_of__isnull=False)),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
        satisfaction=Avg("satisfaction"),
    )
    by_state = dict(work_orders.order_by().values_list("state").annotate(n=Count("id")))
    clocks = Clock.objects.filter(work_order__in=work_orders.values("id"))
    # A cancelled work order's stopped clocks say nothing about the dealer's timeliness.
    decided = (clocks.filter(met__isnull=False).exclude(work_order__state=State.CANCELLED)
               .values("kind").annotate(met=Count("id", filter=Q(met=True)), all=Count("id")))
    met = {row["kind"]: (row["met"], row["all"]) for row in decided}
    overdue = (clocks.filter(breached_at__isnull=False, stopped_at__isnull=True,
                             work_order__state__in=OPEN_STATES)
               .values("work_order_id").distinct().count())
    return {
        "received": totals["received"],
        "open": totals["open"],
        "by_state": by_state,
        "overdue_now": overdue,
        "timely_response_rate": _rate(*met.get(ClockKind.FIRST_CONTACT, (0, 0))),
        "timely_completion_rate": _rate(*met.get(ClockKind.COMPLETION, (0, 0))),
        "repeat_rate": _rate(totals["repeats"], totals["received"]),
        "reopen_rate": _rate(totals["reopened"], totals["received"]),
        "satisfaction_average": (round(float(totals["satisfaction"]), 2)
                                 if totals["satisfaction"] is not None else None),
    }


# --- KPIs: what the manufacturer measures (docs/portals.md) -----------------------------------

KPI_GROUPS = ("dealer", "region", "category", "week", "month")


def _percent(part: int, whole: int) -> float | None:
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
            "response_rate": _percent(row["response_met"], row["response_decided"]),
            "completion_rate": _percent(row["completion_met"], row["completion_decided"]),
            "overdue": row["overdue"],
            "repeat_rate": _percent(row["repeats"], total), "reopen_rate": _percent(row["reopened"], total),
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
