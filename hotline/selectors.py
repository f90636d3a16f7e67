"""Reads of the hotline schema, named for what they return."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, F, Q, QuerySet

from .models import OPEN_STATES, Clock, ClockKind, Owner, PartLine, State, Vehicle, WorkOrder


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
