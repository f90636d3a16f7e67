"""SLA clocks: started, paused, stopped and extended by services; fired by the scheduler.

A clock is a row. ``next_fire_at`` holds the one moment it next needs the
scheduler (a warning, the breach, the second escalation). The scheduler claims
due rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and fires each step once: the
step and its event commit together, and a step is fired only when the row's
counters say it has not been, so two schedulers, or one restarted after a crash,
never fire anything twice.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg import postgres
from psycopg.pq import Format

from config.actor import Actor
from config.rows import insert_values_json
from tenants.context import TenantPass, current_tenant, each_tenant

from ..calendar import BusinessCalendar, CalendarKind
from ..events import EventKind
from ..models import Clock, ClockKind, ClockState, SlaPolicy, WorkOrder
from ..models.choices import Severity, State, TechSupportState, WorkOrderType
from .events import (
    EVENTS_INSERT_SQL,
    EventRow,
    event_append,
    event_row,
    events_json,
    iso_or_none,
)
from .policy import (
    CalendarDays,
    _require_admin,
    calendar_for,
    default_window,
    policy_current,
    window_for,
    windows_of,
)

# Who is told of a breach, by escalation level (notifications resolve these to people).
ESCALATION_ROLES = {
    1: ["dealer_crm_manager", "service_manager"],
    2: ["general_manager", "hotline_supervisor"],
}
# The dealer's own callback window escalates inside the dealer: service manager, then general manager.
# The windows inside the dealership escalate to its customer-relations manager, then its general
# manager. A major complaint's senior-answer window: its missed deadline goes straight to the people
# a major complaint is told to (senior management, the service manager, the hotline's supervisors).
ESCALATION_ROLES_BY_KIND = {
    ClockKind.DEALER_CALLBACK: {1: ["service_manager"], 2: ["general_manager"]},
    ClockKind.INTERNAL_HANDOFF: {1: ["dealer_crm_manager"], 2: ["general_manager"]},
    ClockKind.DEPARTMENT_RESULT: {1: ["dealer_crm_manager"], 2: ["general_manager"]},
    ClockKind.SENIOR_ANSWER: {
        1: ["general_manager", "service_director", "service_manager", "hotline_supervisor"],
        2: ["general_manager", "service_director", "dealer_crm_manager", "hotline_supervisor"],
    },
    # Nobody called the owner while parts are awaited: the CRM manager (and the assignee,
    # whom the event's audience adds), then the service manager.
    ClockKind.OWNER_UPDATE: {1: ["dealer_crm_manager"], 2: ["dealer_crm_manager", "service_manager"]},
    # The hotline's own window to answer a dealer's technical-support request.
    ClockKind.TECH_SUPPORT: {1: ["hotline_supervisor"], 2: ["hotline_supervisor"]},
}


def escalation_roles(kind: str, level: int) -> list[str]:
    return ESCALATION_ROLES_BY_KIND.get(kind, ESCALATION_ROLES)[level]


DISPATCH_KINDS = (
    ClockKind.FIRST_CONTACT,
    ClockKind.ANSWER,
    ClockKind.SENIOR_ANSWER,
    ClockKind.COMPLETION,
    ClockKind.INTERNAL_HANDOFF,
    ClockKind.ARRIVAL_PROMISED,
)


def tenant_time_zone() -> str:
    return getattr(current_tenant(), "time_zone", None) or settings.TIME_ZONE


def _policy(version: int, cache: dict[int, SlaPolicy] | None = None) -> SlaPolicy:
    if cache is not None and version in cache:
        return cache[version]
    policy = SlaPolicy.objects.get(version=version)
    if cache is not None:
        cache[version] = policy
    return policy


def clock_calendar(clock: Clock, cache: dict[int, SlaPolicy] | None = None) -> BusinessCalendar:
    return calendar_for(clock.calendar, _policy(clock.policy_version, cache), tenant_time_zone())


def _set_due(clock: Clock, due: dt.datetime, calendar: BusinessCalendar) -> None:
    """The due time and, counted back on the same calendar, the warning times."""
    clock.due_at = due
    clock.warn_times = [t.isoformat() for t in _warnings(due, clock.warn_before, calendar)]


def _warnings(due: dt.datetime, warn_before: Iterable[int], calendar: BusinessCalendar) -> list[dt.datetime]:
    return [calendar.subtract(due, dt.timedelta(minutes=m)) for m in warn_before]


def _warn_times(clock: Clock | DueClock) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(t) for t in clock.warn_times]


def _next_fire(clock: Clock | DueClock) -> dt.datetime | None:
    if clock.state != ClockState.RUNNING:
        return None
    if clock.breached_at is None:
        return _first_step(_warn_times(clock)[clock.warnings_fired :], clock.due_at)
    if clock.escalation_level < 2:
        return clock.breached_at + dt.timedelta(minutes=clock.second_escalation_after)
    return None


def _first_step(warnings: list[dt.datetime], due: dt.datetime) -> dt.datetime:
    """An unbreached running clock's next step: its first warning still to fire, or its breach."""
    return min([*warnings, due])


def _applies(kind: str, work_order: WorkOrder) -> bool:
    if kind == ClockKind.SENIOR_ANSWER:
        return work_order.severity == Severity.MAJOR
    if kind == ClockKind.COMPLETION:
        return work_order.type == WorkOrderType.PARTS_SHORTAGE
    if kind == ClockKind.OWNER_UPDATE:
        return work_order.state == State.AWAITING_PARTS
    if kind == ClockKind.ARRIVAL_PROMISED:
        return work_order.type == WorkOrderType.RESCUE
    return True


def clocks_start(
    work_order: WorkOrder,
    kinds: Iterable[str],
    *,
    at: dt.datetime,
    actor: Actor,
    events: list[EventRow] | None = None,
    policy: SlaPolicy | None = None,
    days: CalendarDays | None = None,
) -> None:
    """Start the windows of ``kinds`` that apply to the work order, under the current policy.

    The clocks go in as one statement (plain values: a creation starts several) and their
    ``clock.started`` events as another; a caller that writes events of its own passes
    ``events`` and inserts the ones added there itself; one that has read the current policy
    already passes it, and the official calendar's corrections (``days``) if it read them with
    it."""
    policy = policy or policy_current()
    windows = windows_of(policy)
    calendars: dict[str, BusinessCalendar] = {}
    rows = []
    for kind in kinds:
        window = window_for(policy, kind, work_order, windows)
        later = default_window(policy, kind, work_order.type)
        if later is not None and (window is None or later.specificity > window.specificity):
            window = later  # a window added since the policy was published, at its default
        if window is None or not _applies(kind, work_order):
            continue
        if window.calendar not in calendars:
            calendars[window.calendar] = calendar_for(window.calendar, policy, tenant_time_zone(), days)
        calendar = calendars[window.calendar]
        due = calendar.add(at, dt.timedelta(minutes=window.minutes))
        warnings = _warnings(due, window.warn_before, calendar)
        rows.append(
            {
                "work_order_id": work_order.pk,
                "kind": kind,
                "policy_version": policy.version,
                "calendar": window.calendar,
                "budget_minutes": window.minutes,
                "warn_before": list(window.warn_before),
                "warn_times": [t.isoformat() for t in warnings],
                "second_escalation_after": window.second_escalation_after,
                "paused_in": list(window.paused_in),
                "started_at": at,
                "due_at": due,
                "next_fire_at": _first_step(warnings, due),  # running, nothing fired yet
            }
        )
    if not rows:
        return
    keys = insert_values_json(Clock, rows)
    started = [
        event_row(
            work_order,
            EventKind.CLOCK_STARTED,
            actor,
            at,
            clock=key,
            clock_kind=row["kind"],
            due_at=row["due_at"],
            policy_version=policy.version,
            calendar=row["calendar"],
            minutes=row["budget_minutes"],
        )
        for key, row in zip(keys, rows, strict=True)
    ]
    if events is None:
        with connection.cursor() as cursor:
            cursor.execute(EVENTS_INSERT_SQL, [events_json(started)])
    else:
        events.extend(started)


def clock_stop(clock: Clock, *, at: dt.datetime, actor: Actor, reason: str) -> None:
    """Stop a clock for good and record its outcome: met, or breached and by how much."""
    if clock.state == ClockState.STOPPED:
        return
    if clock.state == ClockState.RUNNING:
        overdue = clock_calendar(clock).between(clock.due_at, at)
    else:  # paused: stopped with counted time still left
        overdue = dt.timedelta(seconds=-(clock.remaining_seconds or 0))
    clock.met = clock.breached_at is None and overdue <= dt.timedelta(0)
    clock.overdue_seconds = max(int(overdue.total_seconds()), 0)
    if clock.state == ClockState.PAUSED:
        clock.paused_seconds += int((at - clock.paused_at).total_seconds())
        clock.paused_at = None
    clock.state = ClockState.STOPPED
    clock.stopped_at = at
    clock.next_fire_at = None
    clock.save()
    event_append(
        clock.work_order,
        EventKind.CLOCK_STOPPED,
        actor,
        at,
        clock=clock.pk,
        clock_kind=clock.kind,
        reason=reason,
        met=clock.met,
        overdue_seconds=clock.overdue_seconds,
        due_at=clock.due_at,
    )


def clocks_stop(
    work_order: WorkOrder, kinds: Iterable[str] | None, *, at: dt.datetime, actor: Actor, reason: str
) -> None:
    """Stop the work order's open clocks of ``kinds`` (all when None)."""
    qs = work_order.clocks.exclude(state=ClockState.STOPPED).select_for_update()
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    for clock in qs:
        clock.work_order = work_order
        clock_stop(clock, at=at, actor=actor, reason=reason)


def clocks_follow_state(work_order: WorkOrder, *, at: dt.datetime, actor: Actor) -> None:
    """Pause the clocks whose policy pauses them in the new state (or, for the completion
    window, while a technical-support request is open, if the policy says so); resume the others."""
    held: bool | None = None  # an open technical-support request: asked only for a completion clock
    policies: dict[int, SlaPolicy] = {}
    for clock in work_order.clocks.exclude(state=ClockState.STOPPED).select_for_update():
        clock.work_order = work_order
        pause = work_order.state in clock.paused_in
        if not pause and clock.kind == ClockKind.COMPLETION:
            if held is None:
                held = work_order.tech_support_requests.filter(state=TechSupportState.OPEN).exists()
            pause = held and _policy(clock.policy_version, policies).tech_support_pauses_completion
        if pause and clock.state == ClockState.RUNNING:
            calendar = clock_calendar(clock, policies)
            # Rounded up: a paused clock never loses the fraction of a second it had left.
            clock.remaining_seconds = math.ceil(calendar.between(at, clock.due_at).total_seconds())
            clock.state, clock.paused_at, clock.next_fire_at = ClockState.PAUSED, at, None
            clock.save()
            event_append(
                work_order,
                EventKind.CLOCK_PAUSED,
                actor,
                at,
                clock=clock.pk,
                clock_kind=clock.kind,
                remaining_seconds=clock.remaining_seconds,
            )
        elif not pause and clock.state == ClockState.PAUSED:
            calendar = clock_calendar(clock, policies)
            remaining = dt.timedelta(seconds=clock.remaining_seconds or 0)
            if remaining > dt.timedelta(0):
                _set_due(clock, calendar.add(at, remaining), calendar)
            clock.paused_seconds += int((at - clock.paused_at).total_seconds())
            clock.state, clock.paused_at, clock.remaining_seconds = ClockState.RUNNING, None, None
            clock.next_fire_at = _next_fire(clock)
            clock.save()
            event_append(
                work_order,
                EventKind.CLOCK_RESUMED,
                actor,
                at,
                clock=clock.pk,
                clock_kind=clock.kind,
                due_at=clock.due_at,
            )


def owner_update_follow_state(work_order: WorkOrder, *, at: dt.datetime, actor: Actor) -> None:
    """Awaiting parts: one owner-update clock runs (started on entering the state); in any
    other state none does (stopped on leaving it)."""
    if work_order.state == State.AWAITING_PARTS:
        if not work_order.clocks.filter(kind=ClockKind.OWNER_UPDATE, state=ClockState.RUNNING).exists():
            clocks_start(work_order, [ClockKind.OWNER_UPDATE], at=at, actor=actor)
    else:
        clocks_stop(work_order, [ClockKind.OWNER_UPDATE], at=at, actor=actor, reason="parts_not_awaited")


def clock_open(work_order: WorkOrder, kind: str) -> Clock | None:
    """The work order's clock of ``kind`` still running or paused, if any."""
    return work_order.clocks.filter(kind=kind).exclude(state=ClockState.STOPPED).first()


def owner_update_restart(work_order: WorkOrder, *, at: dt.datetime, actor: Actor) -> None:
    """A contact that reached the owner while parts are awaited: the owner-update clock stops
    (met) and a new one starts from the contact (a new row, so each interval keeps its outcome)."""
    if work_order.state != State.AWAITING_PARTS:
        return
    clocks_stop(work_order, [ClockKind.OWNER_UPDATE], at=at, actor=actor, reason="owner_contacted")
    clocks_start(work_order, [ClockKind.OWNER_UPDATE], at=at, actor=actor)


def clock_extend(clock: Clock, *, minutes: int, at: dt.datetime, actor: Actor, reason: str) -> None:
    """Move the due time by ``minutes`` of counted time; the change is logged."""
    calendar = clock_calendar(clock)
    before = clock.due_at
    if clock.state == ClockState.PAUSED:
        clock.remaining_seconds = (clock.remaining_seconds or 0) + minutes * 60
    _set_due(clock, calendar.add(clock.due_at, dt.timedelta(minutes=minutes)), calendar)
    clock.extended_minutes += minutes
    # Warnings already fired stay fired; those still ahead now count from the new due time.
    clock.next_fire_at = _next_fire(clock)
    clock.save()
    event_append(
        clock.work_order,
        EventKind.CLOCK_EXTENDED,
        actor,
        at,
        clock=clock.pk,
        clock_kind=clock.kind,
        due_before=before,
        due_after=clock.due_at,
        minutes=minutes,
        reason=reason,
    )


def _people_hours(version: int, cache: dict[int, BusinessCalendar]) -> BusinessCalendar:
    if version not in cache:
        cache[version] = calendar_for(CalendarKind.BUSINESS_HOURS.value, _policy(version), tenant_time_zone())
    return cache[version]


@dataclass(slots=True)
class DueClock:
    """What firing reads and moves on of a claimed clock row, with its work order's dealer
    (``_next_fire`` and ``_warn_times`` read a ``Clock`` the same way)."""

    pk: int
    work_order_id: int
    kind: str
    state: str
    due_at: dt.datetime
    warn_before: list[int]
    warn_times: list[str]
    warnings_fired: int
    breached_at: dt.datetime | None
    escalation_level: int
    second_escalation_after: int
    policy_version: int
    next_fire_at: dt.datetime | None
    dealer_id: int | None


# Due clocks, the oldest first, with their work order's dealer: the clock rows alone are locked
# (another scheduler skips them), and the rows come back as plain values for ``DueClock``.
_DUE_SQL = (
    "SELECT c.id, c.work_order_id, c.kind, c.state, c.due_at, c.warn_before, c.warn_times, "
    "c.warnings_fired, c.breached_at, c.escalation_level, c.second_escalation_after, "
    "c.policy_version, c.next_fire_at, w.dealer_id "
    "FROM hotline_clock c JOIN hotline_workorder w ON w.id = c.work_order_id "
    "WHERE c.next_fire_at <= %s AND c.state = %s ORDER BY c.next_fire_at LIMIT %s "
    "FOR UPDATE OF c SKIP LOCKED"
)


def _json_list(text: str) -> list:
    return [] if text == "[]" else json.loads(text)  # most clocks warn no one: nothing to parse


# psycopg's own loader of ``timestamptz`` text, compiled (Django registers one written in Python,
# which parses two times a claimed clock with a regular expression): it gives the same instant,
# aware, in the session's zone (UTC).
_TIMES_LOADER = postgres.adapters.get_loader(postgres.types["timestamptz"].oid, Format.TEXT)


def _due_clocks(now: dt.datetime, limit: int) -> list[DueClock]:
    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", _TIMES_LOADER)
        cursor.execute(_DUE_SQL, [now, ClockState.RUNNING.value, limit])
        return [
            DueClock(*row[:5], _json_list(row[5]), _json_list(row[6]), *row[7:]) for row in cursor.fetchall()
        ]


def clock_fire(
    clock: DueClock, now: dt.datetime, hours: dict[int, BusinessCalendar] | None = None
) -> list[EventRow]:
    """What is due on a locked clock row: at most one warning, the breach, an escalation.

    Moves the row's counters on (not saved) and returns the events (not saved);
    ``clocks_fire_due`` writes both for a whole batch in one transaction. Each
    event says when people are to be told (``notify_at``): a warning waits for
    business hours on a working day; a breach and an escalation do not wait.
    """
    hours = {} if hours is None else hours
    events: list[EventRow] = []
    system = Actor.system()
    while clock.next_fire_at is not None and clock.next_fire_at <= now:
        common = {
            "clock": clock.pk,
            "clock_kind": clock.kind,
            "due_at": clock.due_at,
            "_dealer_id": clock.dealer_id,
        }
        if clock.breached_at is None and now < clock.due_at:
            times = _warn_times(clock)
            came = [i for i, t in enumerate(times) if t <= now and i >= clock.warnings_fired]
            if not came:  # the due time moved since next_fire_at was set: nothing to tell yet
                clock.next_fire_at = _next_fire(clock)
                continue
            # The latest warning due now; earlier ones missed while down are not sent late.
            latest = max(came)
            clock.warnings_fired = latest + 1
            notify_at = _people_hours(clock.policy_version, hours).add(now, dt.timedelta(0))
            events.append(
                event_row(
                    clock.work_order_id,
                    EventKind.CLOCK_WARNING,
                    system,
                    now,
                    **common,
                    minutes_before=clock.warn_before[latest],
                    notify_at=notify_at,
                )
            )
        elif clock.breached_at is None:
            clock.breached_at = clock.due_at
            clock.warnings_fired = len(clock.warn_before)
            clock.escalation_level = 1
            events.append(
                event_row(
                    clock.work_order_id,
                    EventKind.CLOCK_BREACHED,
                    system,
                    now,
                    **common,
                    level=1,
                    escalate_to=escalation_roles(clock.kind, 1),
                    notify_at=now,
                )
            )
        else:
            clock.escalation_level = 2
            events.append(
                event_row(
                    clock.work_order_id,
                    EventKind.CLOCK_ESCALATED,
                    system,
                    now,
                    **common,
                    level=2,
                    escalate_to=escalation_roles(clock.kind, 2),
                    notify_at=now,
                )
            )
        clock.next_fire_at = _next_fire(clock)
    return events


def _save_fired(batch: list[DueClock], events: list[EventRow]) -> None:
    """The batch's counters and its events in one statement, each with one JSON parameter.

    (Django's bulk_update builds a CASE per row and field, and a 500-row INSERT has
    3,500 placeholders to convert; one JSON document is encoded in C and unpacked
    by PostgreSQL.)
    """
    if not batch:
        return
    clocks = [
        {
            "id": c.pk,
            "warnings_fired": c.warnings_fired,
            "breached_at": iso_or_none(c.breached_at),
            "escalation_level": c.escalation_level,
            "next_fire_at": iso_or_none(c.next_fire_at),
        }
        for c in batch
    ]
    moved = (
        "UPDATE hotline_clock AS c SET warnings_fired = v.warnings_fired, "
        "breached_at = v.breached_at, escalation_level = v.escalation_level, "
        "next_fire_at = v.next_fire_at FROM json_to_recordset(%s::json) AS "
        "v(id bigint, warnings_fired int, breached_at timestamptz, escalation_level int, "
        "next_fire_at timestamptz) WHERE c.id = v.id"
    )
    with connection.cursor() as cursor:
        if events:  # one statement: the counters moved on and the events written
            cursor.execute(
                f"WITH moved AS ({moved}) {EVENTS_INSERT_SQL}", [json.dumps(clocks), events_json(events)]
            )
        else:
            cursor.execute(moved, [json.dumps(clocks)])


def _fire_batches(now: dt.datetime | None, limit: int, *, first_only: bool = False) -> tuple[int, bool]:
    """Fire batches of due clocks until one is not full (or after the first, with
    ``first_only``); return the events written and whether more may be due."""
    fired = 0
    while True:
        now_batch = now or timezone.now()
        with transaction.atomic():
            batch = _due_clocks(now_batch, limit)
            hours: dict[int, BusinessCalendar] = {}
            events = [e for clock in batch for e in clock_fire(clock, now_batch, hours)]
            _save_fired(batch, events)
            fired += len(events)
        if len(batch) < limit:
            return fired, False
        if first_only:
            return fired, True


def clocks_fire_due(now: dt.datetime | None = None, *, limit: int = 500) -> tuple[int, dt.datetime | None]:
    """Fire every due clock of the current schema, in batches; return (fired, next due time).

    Each batch is claimed with ``FOR UPDATE SKIP LOCKED`` (another scheduler takes
    other rows), and its counters and events are written in the same transaction,
    so a crash before the commit fires nothing and a restart fires it then. When
    more than a batch is due (a burst), a second connection fires batches alongside
    this one: while one builds its events the other's statement runs in PostgreSQL.
    If it fails, its batch is rolled back and left to this loop or the next pass.
    """
    fired, more = _fire_batches(now, limit, first_only=True)
    tenant = current_tenant()
    # (A schema entered by name, not as a tenant row, has no helper: it could not find it again.
    # Nor can a helper see rows not yet committed, as in a test's own transaction.)
    if more and getattr(tenant, "pk", None) is not None:
        alongside: list[TenantPass[int]] = []

        def fire_alongside() -> None:
            try:
                alongside.append(
                    each_tenant(
                        lambda _: _fire_batches(now, limit)[0], tenants=[tenant], name="clocks alongside"
                    )
                )
            finally:
                connection.close()  # the thread's own connection

        helper = threading.Thread(target=fire_alongside, name="clocks-alongside")
        helper.start()
        try:
            fired += _fire_batches(now, limit)[0]
        finally:
            helper.join()
        fired += sum(sum(done.results.values()) for done in alongside)
    upcoming = (
        Clock.objects.filter(next_fire_at__isnull=False)
        .order_by("next_fire_at")
        .values_list("next_fire_at", flat=True)
        .first()
    )
    return fired, upcoming


def clocks_recalculate(*, actor: Actor, at: dt.datetime | None = None) -> int:
    """Explicit administrator action: move running clocks onto the current policy version.

    Clocks already breached keep their record; each moved clock logs its old
    and new due time. Then running clocks on a working-day or business-hours
    calendar that never paused are counted again from their start on today's
    calendar (a year's published schedule entered over its provisional holidays,
    or a corrected date). Returns how many clocks moved.
    """

    _require_admin(actor)
    at = at or timezone.now()
    policy = policy_current()
    moved_ids: list[int] = []
    with transaction.atomic():
        for clock in (
            Clock.objects.select_for_update(of=("self",))
            .select_related("work_order")
            .filter(state__in=[ClockState.RUNNING, ClockState.PAUSED], breached_at__isnull=True)
            .exclude(policy_version=policy.version)
        ):
            window = window_for(policy, clock.kind, clock.work_order)
            if window is None:
                continue
            calendar = calendar_for(window.calendar, policy, tenant_time_zone())
            before, delta = clock.due_at, window.minutes - clock.budget_minutes
            old_calendar = clock_calendar(clock)
            clock.policy_version, clock.calendar = policy.version, window.calendar
            clock.budget_minutes, clock.warn_before = window.minutes, list(window.warn_before)
            clock.second_escalation_after = window.second_escalation_after
            clock.paused_in = list(window.paused_in)
            # What is left, in counted time, changes by the difference in length: time used
            # and time spent paused stay as they were.
            if clock.state == ClockState.PAUSED:
                clock.remaining_seconds = max((clock.remaining_seconds or 0) + delta * 60, 0)
                clock.warn_times = []
            else:
                left = old_calendar.between(at, clock.due_at) + dt.timedelta(minutes=delta)
                _set_due(clock, calendar.add(at, max(left, dt.timedelta(0))), calendar)
                clock.warnings_fired = sum(1 for t in _warn_times(clock) if t <= at)
            _save_recalculated(clock, actor=actor, at=at, before=before, policy=policy)
            moved_ids.append(clock.pk)
        return len(moved_ids) + _recount_on_current_calendar(actor, at, policy, moved_ids)


def _recount_on_current_calendar(
    actor: Actor, at: dt.datetime, policy: SlaPolicy, moved_ids: list[int]
) -> int:
    """Running, never-paused, unbreached clocks on a counted calendar, counted again from their start."""
    moved = 0
    calendars: dict[str, BusinessCalendar] = {}
    for clock in (
        Clock.objects.select_for_update(of=("self",))
        .select_related("work_order")
        .filter(
            state=ClockState.RUNNING,
            breached_at__isnull=True,
            paused_seconds=0,
            policy_version=policy.version,
        )
        .exclude(calendar=CalendarKind.WALL.value)
        .exclude(pk__in=moved_ids)
    ):
        if clock.calendar not in calendars:
            calendars[clock.calendar] = calendar_for(clock.calendar, policy, tenant_time_zone())
        calendar = calendars[clock.calendar]
        budget = dt.timedelta(minutes=clock.budget_minutes + clock.extended_minutes)
        due = calendar.add(clock.started_at, budget)
        if due == clock.due_at:
            continue
        before = clock.due_at
        _set_due(clock, due, calendar)
        clock.warnings_fired = sum(1 for t in _warn_times(clock) if t <= at)
        _save_recalculated(clock, actor=actor, at=at, before=before, policy=policy)
        moved += 1
    return moved


def _save_recalculated(
    clock: Clock, *, actor: Actor, at: dt.datetime, before: dt.datetime | None, policy: SlaPolicy
) -> None:
    """A clock with its new due time saved, and the move on the work order's log."""
    clock.next_fire_at = _next_fire(clock)
    clock.save()
    event_append(
        clock.work_order,
        EventKind.CLOCK_RECALCULATED,
        actor,
        at,
        clock=clock.pk,
        clock_kind=clock.kind,
        due_before=before,
        due_after=clock.due_at,
        policy_version=policy.version,
    )
