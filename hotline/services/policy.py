"""The manufacturer's SLA policy: versioned windows, and the calendar each window runs on."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, LiteralString, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from config.rows import Rows
from tenants.permissions import require

from ..calendar import BusinessCalendar, CalendarKind, YearStatus, provisional_holidays, year_status
from ..models import (
    CalendarOverride,
    CalendarYear,
    Category,
    ClockKind,
    Severity,
    SlaPolicy,
    SlaWindow,
    State,
    WorkOrder,
)
from ..models.choices import WorkOrderType

HOUR, DAY = 60, 24 * 60


@dataclass(frozen=True)
class WindowSpec:
    kind: str
    minutes: int
    calendar: str = CalendarKind.WALL.value
    warn_before: tuple[int, ...] = ()
    second_escalation_after: int = 120
    paused_in: tuple[str, ...] = ()
    work_order_type: str = ""
    severity: str = ""
    category: str = ""


# The practice of domain.md: "2123" and the 5-working-day parts rule.
DEFAULT_WINDOWS = (
    WindowSpec(ClockKind.FIRST_CONTACT, 2 * HOUR, warn_before=(30, 10), second_escalation_after=60),
    WindowSpec(ClockKind.ANSWER, 1 * DAY, warn_before=(4 * HOUR, HOUR)),
    WindowSpec(ClockKind.SENIOR_ANSWER, 2 * DAY, warn_before=(8 * HOUR, 2 * HOUR), severity=Severity.MAJOR),
    WindowSpec(
        ClockKind.COMPLETION,
        5 * DAY,
        calendar=CalendarKind.WORKING_DAYS.value,
        warn_before=(DAY, 4 * HOUR),
        second_escalation_after=DAY,
        paused_in=(State.AWAITING_PARTS,),
        work_order_type=WorkOrderType.PARTS_SHORTAGE,
    ),
    WindowSpec(ClockKind.CALLBACK, 3 * DAY, warn_before=(8 * HOUR,)),
    WindowSpec(ClockKind.DEALER_CALLBACK, 3 * DAY, warn_before=(8 * HOUR,), second_escalation_after=DAY),
    # Inside the dealership (the Toyota manual): the complaint reaches the responsible department's
    # head within 30 minutes, and the department answers customer relations within 48 hours.
    WindowSpec(ClockKind.INTERNAL_HANDOFF, 30, warn_before=(10,), second_escalation_after=HOUR),
    WindowSpec(ClockKind.DEPARTMENT_RESULT, 2 * DAY, warn_before=(8 * HOUR,), second_escalation_after=DAY),
    # While parts are awaited the dealer calls the owner at least every 3 working days.
    WindowSpec(
        ClockKind.OWNER_UPDATE,
        3 * DAY,
        calendar=CalendarKind.WORKING_DAYS.value,
        warn_before=(4 * HOUR,),
        second_escalation_after=DAY,
    ),
    # The hotline answers a dealer's technical-support request within 2 working days.
    WindowSpec(
        ClockKind.TECH_SUPPORT,
        2 * DAY,
        calendar=CalendarKind.WORKING_DAYS.value,
        warn_before=(4 * HOUR,),
        second_escalation_after=DAY,
    ),
    # Roadside rescue: 24x7 wall-clock and in minutes. The rescuing dealer calls the owner within
    # 15 minutes and promises an arrival time within 30.
    WindowSpec(
        ClockKind.FIRST_CONTACT,
        15,
        warn_before=(5,),
        second_escalation_after=30,
        work_order_type=WorkOrderType.RESCUE,
    ),
    WindowSpec(
        ClockKind.ARRIVAL_PROMISED,
        30,
        warn_before=(10,),
        second_escalation_after=30,
        work_order_type=WorkOrderType.RESCUE,
    ),
)
# Windows a policy published before they existed still gets, at their defaults: (kind, type).
LATER_WINDOWS = (
    (ClockKind.DEALER_CALLBACK, ""),
    (ClockKind.INTERNAL_HANDOFF, ""),
    (ClockKind.DEPARTMENT_RESULT, ""),
    (ClockKind.OWNER_UPDATE, ""),
    (ClockKind.TECH_SUPPORT, ""),
    (ClockKind.FIRST_CONTACT, WorkOrderType.RESCUE),
    (ClockKind.ARRIVAL_PROMISED, WorkOrderType.RESCUE),
)


def _later_missing(windows: list[SlaWindow]) -> list[WindowSpec]:
    """The windows of ``LATER_WINDOWS`` a policy lacks: none of that kind for that type (for a
    window of every type: none of that kind at all)."""
    return [
        next(
            spec for spec in DEFAULT_WINDOWS if spec.kind == kind and spec.work_order_type == work_order_type
        )
        for kind, work_order_type in LATER_WINDOWS
        if not any(
            w.kind == kind and (not work_order_type or w.work_order_type == work_order_type) for w in windows
        )
    ]


def default_window(policy: SlaPolicy, kind: str, work_order_type: str = "") -> SlaWindow | None:
    """For a policy without a window added since it was published (``LATER_WINDOWS``): the
    default one (unsaved) of ``kind`` that applies to ``work_order_type``; None otherwise (a
    policy may leave any other window out on purpose)."""
    candidates = [
        spec
        for spec in _later_missing_of(connection.schema_name, policy.pk, policy.created_at)
        if spec.kind == kind and spec.work_order_type in ("", work_order_type)
    ]
    if not candidates:
        return None
    return _unsaved(policy, max(candidates, key=lambda spec: bool(spec.work_order_type)))


def windows_of(policy: SlaPolicy) -> tuple[SlaWindow, ...]:
    """The policy's own windows, read once per process: a published version never changes (the
    next one is a new row), and the key holds the schema and the row's creation time, so a
    schema made again with the same ids is read afresh. Callers only read them."""
    return _windows_of(connection.schema_name, policy.pk, policy.created_at)


@functools.lru_cache(maxsize=256)
def _windows_of(schema: str, policy_id: int, created_at: dt.datetime) -> tuple[SlaWindow, ...]:
    return tuple(SlaWindow.objects.filter(policy_id=policy_id).order_by("id"))


@functools.lru_cache(maxsize=256)
def _later_missing_of(schema: str, policy_id: int, created_at: dt.datetime) -> tuple[WindowSpec, ...]:
    """``_later_missing`` of a published policy's windows, worked out once per process (keyed
    as ``windows_of``)."""
    return tuple(_later_missing(list(_windows_of(schema, policy_id, created_at))))


def policy_windows(policy: SlaPolicy) -> list[SlaWindow]:
    """The policy's windows as the policy page edits them: its own, then the windows added since
    it was published, at their defaults (unsaved), so publishing the next version keeps them."""
    windows = list(policy.windows.order_by("id"))
    return windows + [_unsaved(policy, spec) for spec in _later_missing(windows)]


def _unsaved(policy: SlaPolicy, spec: WindowSpec) -> SlaWindow:
    return SlaWindow(
        policy=policy,
        kind=spec.kind,
        minutes=spec.minutes,
        calendar=spec.calendar,
        warn_before=list(spec.warn_before),
        second_escalation_after=spec.second_escalation_after,
        paused_in=list(spec.paused_in),
        work_order_type=spec.work_order_type,
    )


_NEWEST = Rows(SlaPolicy)


def policy_current_with(also: LiteralString, params: Sequence[Any]) -> tuple[SlaPolicy, tuple[Any, ...]]:
    """``policy_current``, with the values of the expressions ``also`` (``Rows.one_with``: they
    may read the policy's columns as ``t.<column>``) read in the same statement."""
    policy, values = _NEWEST.one_with(also, "TRUE ORDER BY t.version DESC", params)
    if policy is None:  # its first use makes the default policy: read again, with it
        policy_current()
        policy, values = _NEWEST.one_with(also, "TRUE ORDER BY t.version DESC", params)
    return policy, values


def policy_current() -> SlaPolicy:
    """The newest policy version; the defaults become version 1 on first use."""
    policy = _NEWEST.one("TRUE ORDER BY t.version DESC")
    if policy is None:
        try:
            with transaction.atomic():
                policy = _create(
                    version=1,
                    windows=DEFAULT_WINDOWS,
                    note=_("Default policy"),
                    created_by_id=None,
                    opens=dt.time(8, 30),
                    closes=dt.time(17, 30),
                    repeat_window_days=30,
                )
        except IntegrityError:  # a concurrent first use made version 1 and committed first
            policy = SlaPolicy.objects.order_by("-version").first()
    return policy


def _create(
    *,
    version: int,
    windows,
    note: str,
    created_by_id: int | None,
    opens: dt.time,
    closes: dt.time,
    repeat_window_days: int,
    targets: dict[str, float] | None = None,
    tech_support_pauses_completion: bool = True,
) -> SlaPolicy:
    policy = SlaPolicy.objects.create(
        tech_support_pauses_completion=tech_support_pauses_completion,
        version=version,
        note=note,
        created_by_id=created_by_id,
        business_opens=opens,
        business_closes=closes,
        repeat_window_days=repeat_window_days,
        targets=targets or {},
    )
    SlaWindow.objects.bulk_create(
        SlaWindow(
            policy=policy,
            kind=w.kind,
            minutes=w.minutes,
            calendar=w.calendar,
            warn_before=sorted(set(w.warn_before), reverse=True),
            second_escalation_after=w.second_escalation_after,
            paused_in=list(w.paused_in),
            work_order_type=w.work_order_type,
            severity=w.severity,
            category=w.category,
        )
        for w in windows
    )
    return policy


# The KPI figures a policy sets a target for: at least (rates to reach) or at most (rates to stay under).
KPI_TARGETS = {
    "response_rate": ("min", 95),
    "completion_rate": ("min", 90),
    "repeat_rate": ("max", 5),
    "reopen_rate": ("max", 3),
    "high_share": ("min", 80),
}


def kpi_targets(policy: SlaPolicy) -> dict[str, float]:
    """The policy's target for each figure, the defaults where it sets none."""
    return {
        name: float((policy.targets or {}).get(name, default))
        for name, (_way, default) in KPI_TARGETS.items()
    }


def _require_admin(actor: Actor) -> None:
    require(actor, "policy.change")


@contextmanager
def publishing() -> Iterator[None]:
    """One new version of a versioned setting (policy, callback policy, questionnaire, script),
    made in one transaction. Two administrators publishing at the same moment both read the
    same latest version; the second to commit is refused with a message, not a 500."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise ValidationError(
            {"__all__": [_("Someone published a new version a moment ago: look at it, then publish again.")]}
        ) from None


def policy_publish(
    *,
    actor: Actor,
    windows: list[WindowSpec],
    note: str = "",
    business_opens: dt.time = dt.time(8, 30),
    business_closes: dt.time = dt.time(17, 30),
    repeat_window_days: int = 30,
    targets: dict[str, float] | None = None,
    tech_support_pauses_completion: bool | None = None,
) -> SlaPolicy:
    """A new policy version. Running clocks keep the version they started under.

    ``targets``: the KPI targets in percent (``KPI_TARGETS``); None keeps the current ones.
    ``tech_support_pauses_completion``: whether an open technical-support request pauses
    the completion window; None keeps the current choice (yes by default).
    """
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    last = SlaPolicy.objects.order_by("-version").first()
    if targets is None:  # the latest version's, without making one
        targets = dict(last.targets) if last is not None else {}
    if tech_support_pauses_completion is None:
        tech_support_pauses_completion = last.tech_support_pauses_completion if last is not None else True
    elif not isinstance(tech_support_pauses_completion, bool):
        errors["tech_support_pauses_completion"] = [_("Say yes or no.")]
    for name, value in targets.items():
        if name not in KPI_TARGETS:
            errors.setdefault(f"targets.{name}", []).append(_("Unknown figure."))
        elif not isinstance(value, int | float) or not 0 <= value <= 100:
            errors.setdefault(f"targets.{name}", []).append(_("A target is a percentage from 0 to 100."))
    kinds = {w.kind for w in windows}
    for required in (ClockKind.FIRST_CONTACT, ClockKind.ANSWER, ClockKind.CALLBACK):
        if required not in kinds:
            errors.setdefault("windows", []).append(
                _("A policy needs a “%(kind)s” window.") % {"kind": ClockKind(required).label}
            )
    seen: set[tuple[str, str, str, str]] = set()
    for i, window in enumerate(windows):
        key = (window.kind, window.work_order_type, window.severity, window.category)
        if window.kind not in ClockKind.values:
            errors.setdefault(f"windows[{i}].kind", []).append(_("Unknown window."))
        elif key in seen:
            errors.setdefault(f"windows[{i}].kind", []).append(
                _("The same window is defined twice for the same work orders.")
            )
        seen.add(key)
        if window.calendar not in CalendarKind._value2member_map_:
            errors.setdefault(f"windows[{i}].calendar", []).append(
                _("Choose wall-clock time, working days or business hours.")
            )
        for name, value, choices in (
            ("work_order_type", window.work_order_type, WorkOrderType),
            ("severity", window.severity, Severity),
            ("category", window.category, Category),
        ):
            if value and value not in choices.values:
                errors.setdefault(f"windows[{i}].{name}", []).append(
                    _("“%(value)s” is not a known value.") % {"value": value}
                )
        if window.minutes < 1:
            errors.setdefault(f"windows[{i}].minutes", []).append(_("A window lasts at least one minute."))
        if any(m < 1 or m >= window.minutes for m in window.warn_before):
            errors.setdefault(f"windows[{i}].warn_before", []).append(
                _("Warnings fire between one minute and the window's length before the due time.")
            )
        bad = set(window.paused_in) - set(State.values)
        if bad:
            errors.setdefault(f"windows[{i}].paused_in", []).append(
                _("Unknown state(s): %(states)s.") % {"states": ", ".join(sorted(bad))}
            )
    if not isinstance(repeat_window_days, int) or not 1 <= repeat_window_days <= 365:
        errors.setdefault("repeat_window_days", []).append(_("The repeat window is between 1 and 365 days."))
    if business_opens >= business_closes:
        errors.setdefault("business_closes", []).append(_("Business hours must close after they open."))
    if errors:
        raise ValidationError(errors)
    with publishing():
        last = SlaPolicy.objects.select_for_update().order_by("-version").first()
        return _create(
            version=(last.version + 1) if last else 1,
            windows=windows,
            note=note,
            created_by_id=actor.user_id,
            opens=business_opens,
            closes=business_closes,
            repeat_window_days=repeat_window_days,
            targets={name: float(value) for name, value in targets.items()},
            tech_support_pauses_completion=tech_support_pauses_completion,
        )


def window_for(
    policy: SlaPolicy, kind: str, work_order: WorkOrder, windows: Sequence[SlaWindow] | None = None
) -> SlaWindow | None:
    """The most specific window of ``kind`` that matches the work order, or None."""
    best = None
    for window in windows if windows is not None else policy.windows.all():
        if window.kind != kind:
            continue
        if window.work_order_type and window.work_order_type != work_order.type:
            continue
        if window.severity and window.severity != work_order.severity:
            continue
        if window.category and window.category != work_order.category:
            continue
        if best is None or window.specificity > best.specificity:
            best = window
    return best


def calendar_entered_years() -> frozenset[int]:
    """Years whose published schedule administrators have entered (no provisional holidays)."""
    return frozenset(CalendarYear.objects.values_list("year", flat=True))


class CalendarDays(NamedTuple):
    """The official calendar as administrators corrected it: the dates made working days, the
    dates made days off, and the years whose published schedule they entered."""

    working: list[dt.date]
    off: list[dt.date]
    entered: list[int]


# ``CalendarDays`` as three columns of a statement (a creation reads them with its policy).
CALENDAR_DAYS_COLUMNS = (
    "ARRAY(SELECT day FROM hotline_calendaroverride WHERE is_working_day), "
    "ARRAY(SELECT day FROM hotline_calendaroverride WHERE NOT is_working_day), "
    "ARRAY(SELECT year FROM hotline_calendaryear)"
)


def calendar_days() -> CalendarDays:
    """The overrides and the entered years, in one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {CALENDAR_DAYS_COLUMNS}")
        return CalendarDays(*cursor.fetchone())


def calendar_for(
    calendar: str, policy: SlaPolicy, time_zone: str, days: CalendarDays | None = None
) -> BusinessCalendar:
    """The calendar a clock of ``calendar`` counts on; ``days``: the official calendar's
    corrections, if read already (else read here, unless every minute counts)."""
    kind = CalendarKind(calendar)
    if kind is CalendarKind.WALL:  # every minute counts: the official calendar is never read
        return BusinessCalendar(kind=kind, time_zone=time_zone)
    working, off, entered = days if days is not None else calendar_days()
    return BusinessCalendar(
        kind=kind,
        time_zone=time_zone,
        overrides={**dict.fromkeys(working, True), **dict.fromkeys(off, False)},
        entered_years=frozenset(entered),
        opens=policy.business_opens,
        closes=policy.business_closes,
    )


def calendar_override_set(
    *, actor: Actor, day: dt.date, is_working_day: bool, name: str = ""
) -> CalendarOverride:
    """Enter or correct one date of the official calendar (e.g. next year's schedule)."""
    _require_admin(actor)
    override, _created = CalendarOverride.objects.update_or_create(
        day=day, defaults={"is_working_day": is_working_day, "name": name}
    )
    return override


@dataclass(frozen=True)
class CalendarYearView:
    """One year as the calendar screen shows it."""

    year: int
    status: YearStatus
    holidays: dict[dt.date, str]  # the provisional days off; empty unless provisional
    entered: CalendarYear | None

    @property
    def provisional(self) -> bool:
        return self.status is YearStatus.PROVISIONAL


def calendar_years(today: dt.date) -> list[CalendarYearView]:
    """This year and next, each official, entered by administrators, or provisional."""
    entered = {y.year: y for y in CalendarYear.objects.filter(year__in=[today.year, today.year + 1])}
    views = []
    for year in (today.year, today.year + 1):
        status = year_status(year, frozenset(entered))
        views.append(
            CalendarYearView(
                year=year,
                status=status,
                holidays=provisional_holidays(year) if status is YearStatus.PROVISIONAL else {},
                entered=entered.get(year),
            )
        )
    return views


def calendar_next_year_provisional(today: dt.date) -> int | None:
    """From 1 October (``today`` in the tenant's zone): next year, while it is still provisional."""
    if today.month < 10:
        return None
    year = today.year + 1
    if year_status(year, calendar_entered_years()) is YearStatus.PROVISIONAL:
        return year
    return None


def calendar_year_enter(*, actor: Actor, year: int, at: dt.datetime | None = None) -> CalendarYear:
    """Mark ``year``'s published schedule as entered: its overrides replace the provisional holidays.

    Before: the year is provisional and administrators have entered its holidays
    (and make-up working days) as overrides. After: the year counts Monday–Friday
    corrected by those overrides; who and when are recorded. Running clocks keep
    their due times until the explicit ``clocks_recalculate`` moves them.
    """
    _require_admin(actor)
    errors: list[str] = []
    if not 1901 <= year <= 2099:
        errors.append(_("Give a year from 1901 to 2099."))
    elif year_status(year, calendar_entered_years()) is not YearStatus.PROVISIONAL:
        errors.append(_("%(year)s is not provisional: its schedule is already known.") % {"year": year})
    elif not CalendarOverride.objects.filter(
        day__gte=dt.date(year, 1, 1), day__lte=dt.date(year, 12, 31), is_working_day=False
    ).exists():
        errors.append(
            _("Enter %(year)s's holidays and make-up working days above first; none is entered yet.")
            % {"year": year}
        )
    if errors:
        raise ValidationError({"year": errors})
    with transaction.atomic():
        entered, _created = CalendarYear.objects.get_or_create(
            year=year, defaults={"entered_at": at or timezone.now(), "entered_by": actor.name[:150]}
        )
    return entered
