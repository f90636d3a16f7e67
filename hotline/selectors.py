"""Reads of the hotline schema, named for what they return."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from config.listing import PAGE_SIZE, Cursor, Page, Sort, ordered, page_of, sort_from
from tenants.models import Membership, NetworkMembership, Region, Tenant, User
from tenants.permissions import roles_allowed
from tenants.selectors import network_of_manufacturer

from .events import EventKind, dealer_internal
from .models import (
    DEALER_INTERNAL_KINDS,
    HOTLINE_OWN_KINDS,
    OPEN_STATES,
    AgentExtension,
    Attachment,
    AttachmentSide,
    Call,
    CallbackAttempt,
    CallbackOutcome,
    CallbackParty,
    CallState,
    Category,
    Clock,
    ClockKind,
    ClockState,
    Conclusion,
    DecisionState,
    ExtensionRequest,
    Message,
    MessageRead,
    NumberCheck,
    NumberCheckState,
    Owner,
    PartLine,
    RelayCounter,
    RelayedEvent,
    RelayFeed,
    Responsibility,
    RootCause,
    Severity,
    Side,
    State,
    TechSupportRequest,
    TransferRequest,
    UpgradeRequest,
    Validity,
    Vehicle,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderType,
)
from .services.major import senior_answers_awaiting
from .services.policy import policy_current


def owners_matching(query: str) -> QuerySet[Owner]:
    """Owners found again by mobile number, licence plate or VIN (exact, case-insensitive)."""
    query = (query or "").strip().upper()
    if not query:
        return Owner.objects.none()
    return (
        Owner.objects.filter(Q(mobile=query) | Q(vehicles__plate=query) | Q(vehicles__vin=query))
        .prefetch_related("vehicles")
        .distinct()
        .order_by("-created_at")
    )


def vehicles_of(owner: Owner) -> QuerySet[Vehicle]:
    return owner.vehicles.order_by("-purchase_date")


def owner_by_id(owner_id: object) -> Owner | None:
    """An owner picked from the look-up list (anything else: none)."""
    return Owner.objects.filter(pk=owner_id).first() if str(owner_id or "").isdigit() else None


def owner_by_mobile(mobile: str) -> Owner | None:
    mobile = (mobile or "").strip()
    return Owner.objects.filter(mobile=mobile).first() if mobile else None


def vehicle_by_vin(vin: str) -> Vehicle | None:
    vin = (vin or "").strip().upper()
    return Vehicle.objects.select_related("owner").filter(vin=vin).first() if vin else None


def vehicle_of(owner: Owner, vehicle_id: object = None) -> Vehicle | None:
    """The owner's vehicle picked from the look-up list, else their latest bought."""
    vehicles = vehicles_of(owner)
    picked = vehicles.filter(pk=vehicle_id).first() if str(vehicle_id or "").isdigit() else None
    return picked or vehicles.first()


def work_orders_recent_of(owner: Owner | None) -> list[WorkOrder]:
    """Open work orders of the owner, and any within the repeat window: a new one will be a repeat."""
    if owner is None:
        return []
    since = timezone.now() - dt.timedelta(days=policy_current().repeat_window_days)
    recent = Q(state__in=OPEN_STATES) | Q(received_at__gte=since)
    return list(WorkOrder.objects.filter(Q(owner=owner) & recent).order_by("-received_at")[:10])


def network_active(manufacturer_id: int) -> list[NetworkMembership]:
    """The dealers a work order can go to now."""
    return [m for m in network_of_manufacturer(manufacturer_id) if m.is_active]


def regions_of(manufacturer_id: int) -> QuerySet[Region]:
    return Region.objects.filter(manufacturer_id=manufacturer_id).order_by("code")


# --- the board and the supervisors' queues --------------------------------------------------

QUEUE_ROWS = 100


# The board's sortable columns: the query's key, and the direction each starts in.
def _due_key() -> Min:
    """The most urgent running window's due time, as an aggregate: one join for a whole list
    instead of a query per row."""
    return Min("clocks__due_at", filter=Q(clocks__state=ClockState.RUNNING))


BOARD_SORTS = {
    "due": Sort("due_key", nullable=True, expression=_due_key()),
    "age": Sort("received_at"),
    "dealer": Sort("dealer_code"),
    "state": Sort("state"),
    "agent": Sort("agent_name", nullable=True),
}


def search_matches(q: str) -> Q:
    """Work orders whose number, owner's mobile or name, plate or VIN contains ``q``.

    From 3 characters on, any part matches (``00006``, the middle of a mobile, ``A3K8``);
    a shorter text matches the start or the end of a value (李娜, 王建 or 建华 of 王建华).
    Each column is searched on its own through its trigram index and the work orders come
    from the union, so a search costs about the same at 1,000,000 work orders
    (docs/benchmarks.md).
    """
    q = (q or "").strip()
    if not q:
        return Q()
    wo, owner, vehicle = WorkOrder._meta.db_table, Owner._meta.db_table, Vehicle._meta.db_table
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # A text of 3 characters or more: anywhere in the value. A shorter one has no trigram of its
    # own: at the start or the end of the value (王建 and 建华 of 王建华), where the value's edges
    # give the index its trigrams.
    patterns = [f"%{escaped}%"] if len(q) >= 3 else [f"{escaped}%", f"%{escaped}"]

    def any_of(*columns: str) -> str:
        return " OR ".join(f"{column} ILIKE %s" for column in columns for _pattern in patterns)

    sql = (
        f"SELECT id FROM {wo} WHERE {any_of('number')} "  # noqa: S608 -- names from the models
        f"UNION SELECT w.id FROM {wo} w JOIN {owner} o ON o.id = w.owner_id "
        f"WHERE {any_of('o.mobile', 'o.name')} "
        f"UNION SELECT w.id FROM {wo} w JOIN {vehicle} v ON v.id = w.vehicle_id "
        f"WHERE {any_of('v.plate', 'v.vin')}"
    )
    return Q(pk__in=RawSQL(sql, patterns * 5))  # noqa: S611 -- the text is a parameter


def _running(work_order: Any = None, *, internal: bool = False) -> QuerySet[Clock]:
    """Running windows. The hotline's lists: all but the dealer's internal ones; the dealer's
    lists (``internal``): all but the hotline's own (``dealer_windows_running``)."""
    if internal:
        return dealer_windows_running(work_order=OuterRef("pk") if work_order is None else work_order)
    qs = Clock.objects.filter(
        work_order=OuterRef("pk") if work_order is None else work_order, state=ClockState.RUNNING
    )
    return qs.exclude(kind__in=DEALER_INTERNAL_KINDS).order_by("due_at", "pk")


def dealer_windows_running(**filters: Any) -> QuerySet[Clock]:
    """The running windows a dealer must meet (its own internal ones included, the hotline's own
    callback and technical-support answer not), most urgent first."""
    return (
        Clock.objects.filter(state=ClockState.RUNNING, **filters)
        .exclude(kind__in=HOTLINE_OWN_KINDS)
        .order_by("due_at", "pk")
    )


def with_list_columns(qs: QuerySet[WorkOrder], *, internal: bool = False) -> QuerySet[WorkOrder]:
    """The columns of a list of work orders: the most urgent running window (its due time, kind
    and first warning), whether one is missed, since when it awaits parts, who recorded it.
    The dealer's internal windows count only in the dealer's own lists (``internal``)."""
    awaiting = WorkOrderEvent.objects.filter(
        work_order=OuterRef("pk"), kind=EventKind.PARTS_REQUESTED
    ).order_by("-id")
    running = _running(internal=internal)
    return qs.annotate(
        next_due=Subquery(running.values("due_at")[:1]),
        next_kind=Subquery(running.values("kind")[:1]),
        next_warn=Subquery(running.values("warn_times")[:1]),
        is_overdue=Exists(running.filter(due_at__lt=timezone.now())),
        awaiting_since=Subquery(awaiting.values("at")[:1]),
        agent_name=Subquery(User.objects.filter(pk=OuterRef("created_by_id")).values("full_name")[:1]),
    )


def _with_clocks(qs: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Each work order with the due time of its most urgent running window, and whether one is missed."""
    return with_list_columns(qs)


def board_work_orders(
    *,
    state: str = "",
    dealer: str = "",
    region: str = "",
    category: str = "",
    severity: str = "",
    overdue: bool = False,
    repeat: bool = False,
    due_within: int | None = None,
    received_since: dt.datetime | None = None,
    received_until: dt.datetime | None = None,
    created_by: int | None = None,
    callback_by: dt.datetime | None = None,
    verify: bool = False,
    q: str = "",
) -> QuerySet[WorkOrder]:
    """The hotline's board, unsorted: open work orders (``state`` "all" or one state to widen it),
    filtered; ``due_within`` minutes: a running window due in that time (not yet missed);
    ``created_by``: recorded by this person; ``callback_by``: its callback to the owner is due by
    then; ``verify``: the owner's number was wrong on the last callback (to correct);
    ``q`` finds any part of a number, mobile, plate, VIN or name (``search_matches``)."""
    qs = with_list_columns(WorkOrder.objects.select_related("owner", "vehicle"))
    if state == "":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state != "all":
        qs = qs.filter(state=state)
    exact = {"dealer_id": dealer, "region_id": region, "category": category, "severity": severity}
    qs = qs.filter(**{name: value for name, value in exact.items() if value})
    if overdue:
        qs = qs.filter(is_overdue=True)
    if repeat:
        qs = qs.filter(repeat_of__isnull=False)
    if due_within:
        now = timezone.now()
        soon = _running().filter(due_at__gte=now, due_at__lt=now + dt.timedelta(minutes=due_within))
        qs = qs.filter(Exists(soon))
    if received_since is not None:
        qs = qs.filter(received_at__gte=received_since)
    if received_until is not None:
        qs = qs.filter(received_at__lt=received_until)
    if created_by is not None:
        qs = qs.filter(created_by_id=created_by)
    if callback_by is not None:
        qs = qs.filter(Exists(_running().filter(kind=ClockKind.CALLBACK, due_at__lt=callback_by)))
    if verify:
        qs = qs.filter(numbers_to_verify())
    return qs.filter(search_matches(q))


def numbers_to_verify() -> Q:
    """Open work orders whose owner's number a callback found empty or wrong and nobody has
    corrected yet (or marked the owner unreachable): no text goes there meanwhile."""
    pending = NumberCheck.objects.filter(work_order=OuterRef("pk"), state=NumberCheckState.PENDING)
    return Q(state__in=OPEN_STATES) & Q(Exists(pending))


def number_checks_pending() -> QuerySet[NumberCheck]:
    """The queue of owners' numbers to verify, oldest first, with their work orders and owners."""
    return (
        NumberCheck.objects.filter(state=NumberCheckState.PENDING, work_order__state__in=OPEN_STATES)
        .select_related("work_order", "work_order__owner", "attempt")
        .order_by("raised_at", "id")
    )


@dataclass
class Dashboard:
    """The figures a day starts from; each one is the count of a list the board can show."""

    figures: dict[str, int]
    awaiting_parts: list[WorkOrder]
    by_dealer: list[dict[str, Any]]
    by_region: list[dict[str, Any]]


def dashboard_for_hotline(*, user_id: int | None, today: dt.datetime) -> Dashboard:
    """The hotline's start page: the agent's own work, what is due, what is late, what waits.

    ``today``: the start of today in the tenant's time zone. Each figure is the count of
    ``board_work_orders`` with the same filters, so the number and the list behind it agree.
    """
    tomorrow = today + dt.timedelta(days=1)
    open_orders = WorkOrder.objects.filter(state__in=OPEN_STATES)
    figures = {
        "mine": board_work_orders(created_by=user_id).count() if user_id else 0,
        "callbacks_today": board_work_orders(callback_by=tomorrow).count(),
        "verify": board_work_orders(verify=True).count(),
        "overdue": board_work_orders(overdue=True).count(),
        "due_soon": board_work_orders(due_within=120).count(),
        "awaiting_parts": board_work_orders(state=State.AWAITING_PARTS).count(),
        "decisions": work_orders_awaiting_decision().count(),
        "intake_today": WorkOrder.objects.filter(received_at__gte=today, received_at__lt=tomorrow).count(),
        "intake_yesterday": WorkOrder.objects.filter(
            received_at__gte=today - dt.timedelta(days=1), received_at__lt=today
        ).count(),
    }
    awaiting = list(
        board_work_orders(state=State.AWAITING_PARTS).order_by(F("awaiting_since").asc(nulls_last=True))[:8]
    )
    late = Exists(_running().filter(due_at__lt=timezone.now()))
    by_dealer = list(
        open_orders.values("dealer_id", "dealer_code", "dealer_name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=late))
        .order_by("-overdue", "-open", "dealer_code")[:10]
    )
    regions = dict(Region.objects.values_list("pk", "name"))
    by_region = [
        {**row, "name": regions.get(row["region_id"], str(row["region_id"]))}
        for row in open_orders.values("region_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=late))
        .order_by("-overdue", "-open")
    ]
    return Dashboard(figures=figures, awaiting_parts=awaiting, by_dealer=by_dealer, by_region=by_region)


def work_orders_awaiting_decision() -> QuerySet[WorkOrder]:
    """Work orders with a transfer or extension request waiting for a supervisor."""
    pending = (
        Q(transfer_requests__state=DecisionState.PENDING)
        | Q(extension_requests__state=DecisionState.PENDING)
        | Q(upgrade_requests__state=DecisionState.PENDING)
    )
    return WorkOrder.objects.filter(pk__in=WorkOrder.objects.filter(pending).values("pk"))


def work_orders_for_board(
    *, sort: str = "due", cursor: Cursor | None = None, size: int = PAGE_SIZE, **filters: Any
) -> Page:
    """One page of the board sorted by a column of ``BOARD_SORTS`` (``-`` reverses it), after
    ``cursor``; with the count of the whole list."""
    name, descending = sort_from(sort, BOARD_SORTS, "due")
    page = page_of(board_work_orders(**filters), BOARD_SORTS[name], descending, cursor, size)
    page.extra = {"sort": name, "descending": descending}
    return page


def board_work_orders_sorted(*, sort: str = "due", **filters: Any) -> QuerySet[WorkOrder]:
    """The whole board in the order of its page (for a download)."""
    name, descending = sort_from(sort, BOARD_SORTS, "due")
    key = BOARD_SORTS[name]
    qs = board_work_orders(**filters)
    if key.expression is not None:
        qs = qs.annotate(**{key.key: key.expression})
    return ordered(qs, key.key, descending, key.nullable)


def work_orders_for_supervisors() -> dict[str, list[WorkOrder]]:
    """The supervisors' queues: overdue now, escalated, awaiting callback, awaiting a decision."""
    base = _with_clocks(WorkOrder.objects.select_related("owner"))
    escalated = Clock.objects.filter(
        work_order=OuterRef("pk"), escalation_level__gt=0, stopped_at__isnull=True
    ).exclude(kind__in=DEALER_INTERNAL_KINDS)
    pending = (
        Q(transfer_requests__state=DecisionState.PENDING)
        | Q(extension_requests__state=DecisionState.PENDING)
        | Q(upgrade_requests__state=DecisionState.PENDING)
    )
    queues = {
        "overdue": base.filter(is_overdue=True).order_by("next_due"),
        "escalated": base.filter(Exists(escalated)).order_by("next_due"),
        "callback": base.filter(state=State.RESOLVED).order_by("resolved_at"),
        "decision": base.filter(pending).distinct().order_by("received_at"),
        # Major complaints (重大投诉) still open, most urgent first.
        "major": base.filter(severity=Severity.MAJOR, state__in=OPEN_STATES).order_by(
            F("next_due").asc(nulls_last=True)
        ),
    }
    return {name: list(qs[:QUEUE_ROWS]) for name, qs in queues.items()}


# --- one work order ---------------------------------------------------------------------------


@dataclass
class WorkOrderPage:
    """Everything the hotline's page of one work order shows."""

    work_order: WorkOrder
    part_lines: list[PartLine]
    clocks: list[Clock]
    events: list[WorkOrderEvent]
    callbacks: list[CallbackAttempt]
    transfers: list[TransferRequest]
    extensions: list[ExtensionRequest]
    repeats: list[WorkOrder]
    upgrades: list[UpgradeRequest]
    # Answers recorded on a senior manager's behalf, not yet confirmed by them.
    awaiting_senior: list[WorkOrderEvent]
    created_by: str
    network: list[NetworkMembership] = field(default_factory=list)
    # The dealer's windows inside the dealership: how many run, how many were missed (no more).
    internal_clocks: dict[str, int] = field(default_factory=dict)
    conclusion: Conclusion | None = None
    tech_support: list[TechSupportRequest] = field(default_factory=list)
    history: OwnerHistory | None = None


def work_order_by_number(number: str) -> WorkOrder:
    """One of the hotline's work orders; ``WorkOrder.DoesNotExist`` (a 404) otherwise."""
    return WorkOrder.objects.select_related("owner", "vehicle", "repeat_of").get(number=number)


def work_order_page(number: str, *, manufacturer_id: int) -> WorkOrderPage:
    """The work order with its lines, windows, timeline, callbacks, requests and repeats."""
    work_order = work_order_by_number(number)
    network = network_active(manufacturer_id)
    names = {m.dealer_id: f"{m.dealer_code} {m.dealer.name}" for m in network}
    transfers = list(work_order.transfer_requests.order_by("-requested_at"))
    for transfer in transfers:
        transfer.suggested_name = names.get(transfer.suggested_dealer_id, "")
    creator = User.objects.filter(pk=work_order.created_by_id).first()
    clocks = list(work_order.clocks.order_by("started_at", "kind"))
    return WorkOrderPage(
        work_order=work_order,
        part_lines=list(work_order.part_lines.all()),
        clocks=[c for c in clocks if c.kind not in DEALER_INTERNAL_KINDS],
        internal_clocks={
            "running": sum(1 for c in clocks if c.kind in DEALER_INTERNAL_KINDS and c.stopped_at is None),
            "missed": sum(1 for c in clocks if c.kind in DEALER_INTERNAL_KINDS and c.breached_at is not None),
        },
        events=[e for e in work_order.events.order_by("id") if not dealer_internal(e.kind, e.data)],
        callbacks=list(
            work_order.callbacks.select_related("questionnaire")
            .prefetch_related("answers__item")
            .order_by("at")
        ),
        transfers=transfers,
        extensions=list(work_order.extension_requests.order_by("-requested_at")),
        tech_support=list(work_order.tech_support_requests.all()),
        repeats=list(work_order.repeats.order_by("-received_at")),
        upgrades=list(work_order.upgrade_requests.order_by("-requested_at")),
        awaiting_senior=senior_answers_awaiting(work_order),
        created_by=(creator.get_full_name() or creator.username) if creator else "",
        network=network,
        conclusion=Conclusion.objects.select_related("root_cause").filter(work_order=work_order).first(),
        history=owner_history(work_order),
    )


@dataclass
class OwnerHistory:
    """The owner's other work orders, vehicles and callbacks: what the person on the phone needs
    to know before promising anything."""

    work_orders: list[WorkOrder]
    total: int
    open: int
    vehicles: list[Vehicle]
    callbacks: list[CallbackAttempt]

    def __bool__(self) -> bool:
        return bool(self.total or len(self.vehicles) > 1 or self.callbacks)


OWNER_HISTORY_ROWS = 20


def owner_history(
    work_order: WorkOrder, *, visible: Q | None = None, callbacks_of_dealer: int | None = None
) -> OwnerHistory:
    """The owner's other work orders (newest first; ``visible`` narrows them to what a dealer may
    see), their vehicles, and the callbacks on those work orders (``callbacks_of_dealer``: only
    that dealer's own)."""
    others = WorkOrder.objects.filter(owner_id=work_order.owner_id).exclude(pk=work_order.pk)
    if visible is not None:
        others = others.filter(visible)
    counts = others.aggregate(total=Count("id"), open=Count("id", filter=Q(state__in=OPEN_STATES)))
    rows = list(others.select_related("vehicle").order_by("-received_at", "-id")[:OWNER_HISTORY_ROWS])
    callbacks = CallbackAttempt.objects.filter(work_order__in=others).select_related("work_order")
    if callbacks_of_dealer is not None:
        callbacks = callbacks.filter(party=CallbackParty.DEALER, dealer_id=callbacks_of_dealer)
    return OwnerHistory(
        work_orders=rows,
        total=counts["total"],
        open=counts["open"],
        vehicles=list(Vehicle.objects.filter(owner_id=work_order.owner_id).order_by("-purchase_date", "-id")),
        callbacks=list(callbacks.order_by("-at", "-id")[:OWNER_HISTORY_ROWS]),
    )


# The owner's and vehicle's fields a listed work order carries (as owner_<name>, vehicle_<name>).
OWNER_LISTED = ("name", "gender", "mobile", "province", "city")
VEHICLE_LISTED = ("vin", "plate", "model")


def work_orders_for_hotline(
    *,
    state: str = "",
    work_order_type: str = "",
    category: str = "",
    severity: str = "",
    dealer_code: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[WorkOrder]:
    """The manufacturer's work orders with the given filters, for lists and exports.

    Owner, vehicle and repeat fields come as annotations (``owner_name``,
    ``vehicle_vin``, ``repeat_number``, ...), not as related objects: a page of
    200 rows builds 200 model instances instead of 800.
    """
    return (
        _work_orders_filtered(
            state=state,
            work_order_type=work_order_type,
            category=category,
            severity=severity,
            dealer_code=dealer_code,
            since=since,
            until=until,
        )
        .annotate(
            **{f"owner_{name}": F(f"owner__{name}") for name in OWNER_LISTED},
            **{f"vehicle_{name}": F(f"vehicle__{name}") for name in VEHICLE_LISTED},
            repeat_number=F("repeat_of__number"),
        )
        .select_related("conclusion__root_cause")
    )


def work_order_created_as_listed(work_order: WorkOrder) -> WorkOrder:
    """A work order just returned by ``work_order_create``, with what ``work_orders_for_hotline``
    reads as annotations taken from the owner, vehicle and earlier complaint it was created
    with (and no conclusion): its answer is the document a read gives, without reading it back."""
    owner, vehicle, repeat_of = work_order.owner, work_order.vehicle, work_order.repeat_of
    for name in OWNER_LISTED:
        setattr(work_order, f"owner_{name}", getattr(owner, name))
    for name in VEHICLE_LISTED:
        setattr(work_order, f"vehicle_{name}", getattr(vehicle, name) if vehicle else None)
    work_order.repeat_number = repeat_of.number if repeat_of else None
    WorkOrder.conclusion.related.set_cached_value(work_order, None)
    return work_order


def part_lines_of(work_orders: list[WorkOrder]) -> dict[int, list[dict]]:
    """The part lines of a page of work orders in one query, by work order id."""
    lines: dict[int, list[dict]] = {wo.pk: [] for wo in work_orders}
    for row in (
        PartLine.objects.filter(work_order_id__in=list(lines))
        .order_by("work_order_id", "line_no")
        .values("work_order_id", "line_no", "part_code", "part_name", "quantity")
    ):
        lines[row.pop("work_order_id")].append(row)
    return lines


def _work_orders_filtered(
    *,
    state: str = "",
    work_order_type: str = "",
    category: str = "",
    severity: str = "",
    dealer_code: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[WorkOrder]:
    exact = {
        "state": state,
        "type": work_order_type,
        "category": category,
        "severity": severity,
        "dealer_code": dealer_code,
    }
    work_orders = WorkOrder.objects.filter(**{k: v for k, v in exact.items() if v})
    if since is not None:
        work_orders = work_orders.filter(received_at__gte=since)
    if until is not None:
        work_orders = work_orders.filter(received_at__lt=until)
    return work_orders


# --- KPIs: what the manufacturer measures (docs/portals.md, docs/api.md) ------------------------
#
# One definition for the portal's KPI page, the dealer's KPI page and the API's /kpis/.

KPI_GROUPS = ("dealer", "region", "category", "week", "month")


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _kpi_work_orders(
    *, since: dt.datetime | None, until: dt.datetime | None, dealer_id: int | None, dealer_code: str
) -> QuerySet[WorkOrder]:
    """Work orders received in the period (either end open when None); cancelled ones never count."""
    qs = WorkOrder.objects.exclude(state=State.CANCELLED)
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    if until is not None:
        qs = qs.filter(received_at__lt=until)
    if dealer_id is not None:
        qs = qs.filter(dealer_id=dealer_id)
    if dealer_code:
        qs = qs.filter(dealer_code=dealer_code)
    return qs


def _kpi_counts() -> dict[str, Count]:
    now = timezone.now()
    response = Q(clocks__kind=ClockKind.FIRST_CONTACT)
    completion = Q(clocks__kind=ClockKind.COMPLETION) | (
        Q(clocks__kind=ClockKind.ANSWER) & ~Q(type=WorkOrderType.PARTS_SHORTAGE)
    )
    decided = Q(clocks__met__isnull=False) | Q(clocks__breached_at__isnull=False)
    met = Q(clocks__met=True)
    reached = Q(
        callbacks__outcome=CallbackOutcome.REACHED,
        callbacks__party__in=(CallbackParty.HOTLINE, CallbackParty.DEALER),
    )
    return {
        "total": Count("pk", distinct=True),
        "response_decided": Count("clocks", filter=response & decided, distinct=True),
        "response_met": Count("clocks", filter=response & met, distinct=True),
        "completion_decided": Count("clocks", filter=completion & decided, distinct=True),
        "completion_met": Count("clocks", filter=completion & met, distinct=True),
        "overdue": Count(
            "pk",
            distinct=True,
            filter=Q(
                clocks__state=ClockState.RUNNING,
                clocks__due_at__lt=now,
                clocks__kind__in=[k for k in ClockKind.values if k not in DEALER_INTERNAL_KINDS],
            ),
        ),
        "repeats": Count("pk", distinct=True, filter=Q(repeat_of__isnull=False)),
        "reopened": Count("pk", distinct=True, filter=Q(reopen_count__gt=0)),
        # Over reached callbacks by a person (hotline.satisfaction): an owner's texted score
        # or online answer sets ``satisfaction`` but is no callback.
        "scored": Count("callbacks", distinct=True, filter=reached & Q(callbacks__score__isnull=False)),
        "band_high": Count("callbacks", distinct=True, filter=reached & Q(callbacks__score__gte=8)),
        "band_mid": Count(
            "callbacks", distinct=True, filter=reached & Q(callbacks__score__gte=6, callbacks__score__lt=8)
        ),
        "band_low": Count("callbacks", distinct=True, filter=reached & Q(callbacks__score__lt=6)),
    }


def _kpi_figures(counts: dict[str, Any]) -> dict[str, Any]:
    total = counts["total"]
    return {
        "total": total,
        "response_rate": _percent(counts["response_met"], counts["response_decided"]),
        "completion_rate": _percent(counts["completion_met"], counts["completion_decided"]),
        "overdue": counts["overdue"],
        "repeat_rate": _percent(counts["repeats"], total),
        "reopen_rate": _percent(counts["reopened"], total),
        "scored": counts["scored"],
        "band_high": counts["band_high"],
        "band_mid": counts["band_mid"],
        "band_low": counts["band_low"],
    }


def kpi_totals(
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    dealer_id: int | None = None,
    dealer_code: str = "",
) -> dict[str, Any]:
    """The figures of ``kpi_rows`` over the whole period, ungrouped (rates are not sums of rows)."""
    qs = _kpi_work_orders(since=since, until=until, dealer_id=dealer_id, dealer_code=dealer_code)
    return _kpi_figures(qs.aggregate(**_kpi_counts()))


def kpi_rows(
    *,
    group: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    time_zone: Any,
    dealer_id: int | None = None,
    dealer_code: str = "",
) -> list[dict[str, Any]]:
    """Per dealer, region, category, week or month of receipt: counts and rates of the period.

    Work orders received in ``[since, until)``, cancelled ones left out. Rates in percent
    (one decimal), None when nothing to divide by.
    Timely response: first-contact windows met among those decided (stopped, or missed).
    Timely completion: the completion window of parts work orders and the answer window of
    the others, likewise. Overdue: work orders with a running window past its due time now.
    Repeat and reopen rates: share of the work orders. Satisfaction bands: overall scores of
    reached callbacks by a person, 8–10, 6–7, 1–5. Each row has a ``key`` (dealer code,
    region id, category, first day of the week or month) and a ``label`` for people.
    """

    qs = _kpi_work_orders(since=since, until=until, dealer_id=dealer_id, dealer_code=dealer_code)
    keys = {
        "dealer": ["dealer_code", "dealer_name"],
        "region": ["region_id"],
        "category": ["category"],
        "week": ["period"],
        "month": ["period"],
    }[group]
    if group == "week":
        qs = qs.annotate(period=TruncWeek("received_at", tzinfo=time_zone))
    elif group == "month":
        qs = qs.annotate(period=TruncMonth("received_at", tzinfo=time_zone))
    rows = qs.values(*keys).annotate(**_kpi_counts()).order_by(*keys)
    regions = dict(Region.objects.values_list("pk", "name")) if group == "region" else {}
    out = []
    for row in rows:
        if group == "dealer":
            key, label = row["dealer_code"], f"{row['dealer_code']} {row['dealer_name']}"
        elif group == "region":
            key, label = str(row["region_id"]), regions.get(row["region_id"], str(row["region_id"]))
        elif group == "category":
            key, label = row["category"], str(Category(row["category"]).label)
        else:
            day = row["period"].astimezone(time_zone).date()
            key, label = day.isoformat(), day.strftime("%Y-%m-%d" if group == "week" else "%Y-%m")
        out.append({"key": key, "label": label, **_kpi_figures(row)})
    return out


# --- the relay's log: what was published, at which position ----------------------------------


def feed_position(dealer_id: int | None = None) -> int:
    """The last position relayed to the board, or to one dealer's inbox."""
    if dealer_id is None:
        return RelayCounter.objects.filter(pk=1).values_list("last", flat=True).first() or 0
    return RelayFeed.objects.filter(pk=dealer_id).values_list("last", flat=True).first() or 0


def feed_positions_of(dealer_ids: set[int | None]) -> dict[int | None, int]:
    """The last position of each feed asked for (``None``: the board), in one or two queries."""
    positions: dict[int | None, int] = {}
    if None in dealer_ids:
        positions[None] = feed_position()
    dealers = [d for d in dealer_ids if d is not None]
    if dealers:
        positions.update(RelayFeed.objects.filter(dealer_id__in=dealers).values_list("dealer_id", "last"))
    return positions


def relayed_after(position: int, *, limit: int, **filters: Any) -> list[RelayedEvent] | None:
    """Published events after ``position``, in order; None when more than ``limit``.

    ``filters`` narrow them (``event__dealer_id``, ``event__work_order_id``, ...).
    """
    rows = list(
        RelayedEvent.objects.select_related("event", "event__work_order")
        .filter(position__gt=position, **filters)
        .order_by("position")[: limit + 1]
    )
    return None if len(rows) > limit else rows


# --- calls from the telephony system ------------------------------------------------------

CALLS_LISTED = 100


def call_by_id(call_id: object) -> Call | None:
    return Call.objects.select_related("owner").filter(pk=call_id).first() if str(call_id).isdigit() else None


def calls_recent(*, to_return: bool = False) -> QuerySet[Call]:
    """The latest calls, newest first; ``to_return``: only missed calls not yet called back."""
    calls = Call.objects.select_related("owner").order_by("-started_at", "-id")
    if to_return:
        calls = calls.filter(missed=True, returned_at__isnull=True)
    return calls


def call_current_for(user_id: int, *, within: dt.timedelta = dt.timedelta(minutes=30)) -> Call | None:
    """The call this agent has in hand: ringing for them or answered by them, not ended long ago."""
    since = timezone.now() - within
    return (
        Call.objects.filter(started_at__gte=since)
        .filter(
            Q(state=CallState.RINGING, ringing_user_ids__contains=[user_id])
            | Q(state=CallState.ANSWERED, answered_by_id=user_id)
        )
        .order_by("-started_at")
        .first()
    )


@dataclass
class CallCard:
    """What the agent sees while the phone rings: who calls, about what, and whether it repeats."""

    call: Call
    owner: Owner | None
    vehicles: list[Vehicle]
    open_work_orders: list[WorkOrder]
    recent_work_orders: list[WorkOrder]
    repeat_window_days: int

    @property
    def repeat_warning(self) -> bool:
        """A new complaint now would be counted as a repeat of an earlier one."""
        return bool(self.open_work_orders or self.recent_work_orders)


def call_card(call: Call) -> CallCard:
    owner = call.owner or (owner_by_mobile(call.caller) if call.caller else None)
    window = policy_current().repeat_window_days
    recent = work_orders_recent_of(owner)
    return CallCard(
        call=call,
        owner=owner,
        vehicles=list(vehicles_of(owner)) if owner else [],
        open_work_orders=[w for w in recent if w.state in OPEN_STATES],
        recent_work_orders=[w for w in recent if w.state not in OPEN_STATES],
        repeat_window_days=window,
    )


def agent_extensions() -> dict[int, str]:
    return dict(AgentExtension.objects.values_list("user_id", "extension"))


def attachments_visible(work_order: WorkOrder, *, dealer_id: int | None = None) -> QuerySet[Attachment]:
    """A work order's files as one side sees them: the hotline all of them; a dealer the hotline's
    and its own (never those another dealer attached before the work order came here)."""
    rows = Attachment.objects.filter(work_order=work_order)
    if dealer_id is not None:
        rows = rows.filter(
            Q(side=AttachmentSide.HOTLINE) | Q(side=AttachmentSide.DEALER, dealer_id=dealer_id)
        )
    return rows


def hotline_notes_of(work_order: WorkOrder) -> tuple[list[Any], list[Any]]:
    """The hotline's notes and the owner's logged calls on a work order, oldest first, each with
    ``author`` (the agent's name)."""
    notes = list(work_order.hotline_notes.order_by("at", "id"))
    calls = list(work_order.owner_calls.order_by("at", "id"))
    ids = {n.author_id for n in notes} | {c.agent_id for c in calls}
    names = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=ids)}
    for note in notes:
        note.author = names.get(note.author_id, "")
    for call in calls:
        call.author = names.get(call.agent_id, "")
    return notes, calls


# --- conclusions: validity, responsibility, root cause and remedy cost ----------------------

CONCLUSION_DIMENSIONS = {
    "validity": _lazy("Validity"),
    "responsibility": _lazy("Responsibility"),
    "root_cause": _lazy("Root cause"),
    "dealer": _lazy("Dealer"),
}


def conclusion_breakdown(
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    dealer_id: int | None = None,
    dealer_code: str = "",
) -> dict[str, Any]:
    """The conclusions of the work orders received in the period (cancelled ones left out).

    ``concluded``: how many have one, ``remedy_cost`` their remedies' amounts (CNY) and
    ``paid`` how many cost anything, ``unconcluded`` how many were resolved without one;
    ``rows`` per validity, responsibility, root cause and
    dealer: the count, its share of the concluded (percent, one decimal) and the remedy cost,
    most frequent first within each dimension.
    """
    work_orders = _kpi_work_orders(since=since, until=until, dealer_id=dealer_id, dealer_code=dealer_code)
    qs = Conclusion.objects.filter(work_order__in=work_orders)
    totals = qs.aggregate(
        concluded=Count("id"),
        remedy_cost=Sum("remedy_amount"),
        paid=Count("id", filter=Q(remedy_amount__gt=0)),
    )
    concluded = totals["concluded"]
    causes = {c.code: c.name for c in RootCause.objects.all()}
    names = dict(work_orders.values_list("dealer_code", "dealer_name").distinct())
    labels: dict[str, Any] = {
        "validity": lambda key: Validity(key).label,
        "responsibility": lambda key: Responsibility(key).label,
        "root_cause": lambda key: causes.get(key, key),
        "dealer": lambda key: f"{key} {names.get(key, '')}".strip(),
    }
    columns = {
        "validity": "validity",
        "responsibility": "responsibility",
        "root_cause": "root_cause__code",
        "dealer": "work_order__dealer_code",
    }
    rows = []
    for dimension, column in columns.items():
        grouped = (
            qs.values(column)
            .annotate(count=Count("id"), cost=Sum("remedy_amount"))
            .order_by("-count", column)
        )
        for row in grouped:
            key = row[column]
            label = str(labels[dimension](key))
            rows.append(
                {
                    "dimension": dimension,
                    "dimension_label": str(CONCLUSION_DIMENSIONS[dimension]),
                    "key": key,
                    "label": label,
                    "count": row["count"],
                    "share": _percent(row["count"], concluded),
                    "remedy_cost": row["cost"] or Decimal("0.00"),
                }
            )
    return {
        "concluded": concluded,
        # Resolved through the API without a conclusion (version-1 clients).
        "unconcluded": work_orders.filter(resolved_at__isnull=False, conclusion__isnull=True).count(),
        "remedy_cost": totals["remedy_cost"] or Decimal("0.00"),
        "paid": totals["paid"],
        "rows": rows,
    }


def root_causes(*, in_use_only: bool = False) -> list[RootCause]:
    """The manufacturer's root causes in their order (only those in use, for a new conclusion)."""
    qs = RootCause.objects.all()
    return list(qs.filter(active=True) if in_use_only else qs)


def root_cause_by_id(pk: int) -> RootCause:
    """One root cause of this hotline; ``RootCause.DoesNotExist`` (a 404) otherwise."""
    return RootCause.objects.get(pk=pk)


# --- the conversation between the hotline and the dealer ------------------------------------


@dataclass(frozen=True)
class Participant:
    """Someone who may read a work order's conversation, and so be mentioned in it."""

    user_id: int
    tenant_id: int
    name: str
    side: str  # ``Side``: hotline or dealer
    org: str  # the hotline's or the dealer's name


def conversation_people(work_order: WorkOrder, hotline: Tenant) -> list[Participant]:
    """Who may be mentioned in a work order's conversation: the hotline's staff who may read
    work orders, and the staff of the dealer it is routed to; each by name."""
    roles = {Side.HOTLINE: roles_allowed("work_order.read"), Side.DEALER: roles_allowed("inbox.read")}
    tenants = {Side.HOTLINE: hotline.pk}
    if work_order.dealer_id:
        tenants[Side.DEALER] = work_order.dealer_id
    names = dict(Tenant.objects.filter(pk__in=tenants.values()).values_list("pk", "name"))
    people: list[Participant] = []
    seen: set[int] = set()
    for side, tenant_id in tenants.items():
        members = (
            Membership.objects.filter(tenant_id=tenant_id, is_active=True, role__in=list(roles[side]))
            .select_related("user")
            .order_by("user__username")
        )
        for m in members:
            if m.user_id in seen or not m.user.is_active:
                continue
            seen.add(m.user_id)
            name = m.user.get_full_name() or m.user.username
            people.append(Participant(m.user_id, tenant_id, name, side, names.get(tenant_id, "")))
    return people


@dataclass
class Conversation:
    """A work order's conversation as one reader sees it: its messages oldest first (each with
    ``mentioned``, the names it mentions, and ``is_new``), how many are unread, and the people
    who may be mentioned."""

    messages: list[Message]
    last_read_id: int
    unread: int
    people: list[Participant] = field(default_factory=list)


def conversation_of(
    work_order: WorkOrder,
    *,
    reader: tuple[int, int] | None,
    dealer_id: int | None = None,
    hotline: Tenant | None = None,
) -> Conversation:
    """The conversation on a work order for ``reader`` (tenant id, user id). With ``dealer_id``
    only that dealer's conversation (a dealer never reads what the hotline wrote with another);
    with ``hotline`` also the people who may be mentioned. A message is new to its reader when it
    comes after what they last read and someone else wrote it."""
    messages = work_order.messages.all()
    if dealer_id is not None:
        messages = messages.filter(dealer_id=dealer_id)
    rows = list(messages.prefetch_related("mentions", "attachments").order_by("id"))
    last_read = 0
    if reader is not None:
        last_read = (
            MessageRead.objects.filter(work_order=work_order, tenant_id=reader[0], user_id=reader[1])
            .values_list("last_read_id", flat=True)
            .first()
        ) or 0
    unread = 0
    for message in rows:
        message.mentioned = [m.name for m in message.mentions.all()]
        message.files = list(message.attachments.all())
        own = reader is not None and (message.author_tenant_id, message.author_id) == reader
        message.is_new = reader is not None and message.pk > last_read and not own
        unread += message.is_new
    people = conversation_people(work_order, hotline) if hotline is not None else []
    return Conversation(rows, last_read, unread, people)
