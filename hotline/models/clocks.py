"""SLA policy, calendar overrides and clocks: each timed window is a row with its due time."""

from __future__ import annotations

import datetime as dt

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..calendar import CalendarKind
from .choices import ClockKind
from .work_order import WorkOrder

CALENDAR_CHOICES = [
    (CalendarKind.WALL.value, _("Wall-clock time")),
    (CalendarKind.WORKING_DAYS.value, _("Working days")),
    (CalendarKind.BUSINESS_HOURS.value, _("Business hours")),
]


class SlaPolicy(models.Model):
    """One version of the manufacturer's SLA policy. Versions are never edited, only added."""

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    business_opens = models.TimeField(_("business hours open"), default=dt.time(8, 30))
    business_closes = models.TimeField(_("business hours close"), default=dt.time(17, 30))
    repeat_window_days = models.PositiveSmallIntegerField(
        _("repeat complaint window (days)"), default=30, validators=[MinValueValidator(1)]
    )
    # What the manufacturer aims for, per KPI figure, in percent (``KPI_TARGETS`` says which way).
    targets = models.JSONField(_("KPI targets"), default=dict, blank=True)
    # Whether an open technical-support request pauses the parts work order's completion clock
    # (the dealer waits for the manufacturer's answer, as it waits for parts).
    tech_support_pauses_completion = models.BooleanField(
        _("an open technical-support request pauses the completion window"), default=True
    )

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class SlaWindow(models.Model):
    """A timed window of a policy; the most specific match (type, severity, category) wins."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="windows")
    kind = models.CharField(_("window"), max_length=20, choices=ClockKind.choices)
    work_order_type = models.CharField(_("type"), max_length=20, blank=True)
    severity = models.CharField(_("severity"), max_length=8, blank=True)
    category = models.CharField(_("category"), max_length=24, blank=True)
    minutes = models.PositiveIntegerField(
        _("length (minutes of counted time)"), validators=[MinValueValidator(1)]
    )
    calendar = models.CharField(
        _("calendar"), max_length=16, choices=CALENDAR_CHOICES, default=CalendarKind.WALL.value
    )
    # Minutes before the due time at which warnings fire, e.g. [30, 10].
    warn_before = models.JSONField(_("warn before (minutes)"), default=list)
    # Minutes after the breach until the second escalation (general manager, hotline supervisors).
    second_escalation_after = models.PositiveIntegerField(_("second escalation after (minutes)"), default=120)
    # Work order states in which this clock does not run, e.g. ["awaiting_parts"].
    paused_in = models.JSONField(_("paused in states"), default=list)

    class Meta:
        ordering = ["policy", "kind"]

    def __str__(self) -> str:
        return f"{self.kind} {self.minutes}min {self.calendar}"

    @property
    def specificity(self) -> int:
        return sum(bool(v) for v in (self.work_order_type, self.severity, self.category))


class CalendarOverride(models.Model):
    """An administrator's correction of the official calendar for one date."""

    day = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'working' if self.is_working_day else 'holiday'}"


class CalendarYear(models.Model):
    """A year whose published schedule administrators have entered as ``CalendarOverride`` rows.

    From then on that year counts Monday–Friday corrected by the overrides, no
    longer the provisional holidays (``hotline.calendar.provisional_holidays``).
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    entered_at = models.DateTimeField(_("entered at"))
    entered_by = models.CharField(_("entered by"), max_length=150)

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


class Clock(models.Model):
    """One timed window of one work order.

    ``next_fire_at`` is the one time the scheduler watches (next warning, the
    breach, or the next escalation); it is null when nothing more can fire.
    """

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=20, choices=ClockKind.choices)
    policy_version = models.PositiveIntegerField()
    calendar = models.CharField(max_length=16, choices=CALENDAR_CHOICES)
    budget_minutes = models.PositiveIntegerField()
    warn_before = models.JSONField(default=list)
    # When each warning fires: ``warn_before`` minutes of counted time before the due time.
    warn_times = models.JSONField(default=list)
    second_escalation_after = models.PositiveIntegerField(default=120)
    paused_in = models.JSONField(default=list)
    state = models.CharField(max_length=8, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.BigIntegerField(null=True, blank=True)  # counted time left at pause
    paused_seconds = models.BigIntegerField(default=0)  # wall time spent paused, for the record
    extended_minutes = models.PositiveIntegerField(default=0)
    warnings_fired = models.PositiveSmallIntegerField(default=0)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # The outcome, kept for good: met or breached, and by how much (counted time, seconds).
    met = models.BooleanField(null=True, blank=True)
    overdue_seconds = models.BigIntegerField(null=True, blank=True)
    next_fire_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_fire_at"],
                name="clock_next_fire",
                condition=models.Q(next_fire_at__isnull=False),
            ),
            models.Index(fields=["work_order", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id}:{self.kind}"
