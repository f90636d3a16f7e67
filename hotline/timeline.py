"""A work order's timeline as people read it: newest first, one line per window.

The event log keeps every clock start, pause, resume, warning, breach and stop (about
forty rows for a parts work order). People need what happened and who did it; for the
windows, one line each: which window, when it started and was due, whether it was met
and after how long (or missed by how much), pauses, extensions and escalations.
Clock events are the system's doing, whoever's action started or stopped them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from config.portal import human_duration

from .events import EventKind, event_label
from .models import ClockKind

# The timeline's filters: what each shows.
GROUPS = ("people", "parts", "clocks")


def group_of(kind: str) -> str:
    if kind.startswith("clock."):
        return "clocks"
    if kind.startswith("parts.") or kind in (EventKind.PARTS_RECEIVED, EventKind.STOCK_CHECKED):
        return "parts"
    return "people"


@dataclass
class Entry:
    """One line of the timeline: an event, or one window's whole course."""

    at: dt.datetime
    kind: str
    label: str
    actor: str
    group: str
    details: list[tuple[str, str]] = field(default_factory=list)
    event_id: int = 0
    css: str = ""


def _when(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    return parse_datetime(value) if isinstance(value, str) else None


def _local(value: Any) -> str:
    moment = _when(value)
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""


def _window(events: list[Any]) -> Entry:
    """One window's course from its clock events (oldest first)."""
    first, last = events[0], events[-1]
    kind = first.data.get("clock_kind", "")
    label = str(ClockKind(kind).label) if kind in ClockKind.values else kind
    details: list[tuple[str, str]] = []
    started = next((e for e in events if e.kind == EventKind.CLOCK_STARTED), None)
    if started is not None:
        details.append((_("Started"), _local(started.at)))
    due = next((e.data.get("due_at") for e in reversed(events) if e.data.get("due_at")), None)
    if due:
        details.append((_("Due"), _local(due)))
    pauses = [e for e in events if e.kind == EventKind.CLOCK_PAUSED]
    if pauses:
        details.append((_("Paused"), _("%(n)s times") % {"n": len(pauses)} if len(pauses) > 1 else _("once")))
    for e in events:
        if e.kind == EventKind.CLOCK_EXTENDED and e.data.get("minutes"):
            details.append((_("Extended by"), human_duration(int(e.data["minutes"]) * 60)))
    warnings = sum(1 for e in events if e.kind == EventKind.CLOCK_WARNING)
    if warnings:
        details.append((_("Warnings"), str(warnings)))
    escalations = [e for e in events if e.kind == EventKind.CLOCK_ESCALATED]
    if escalations:
        details.append((_("Escalated"), _("to level %(n)s") % {"n": escalations[-1].data.get("level", "")}))
    stopped = next((e for e in reversed(events) if e.kind == EventKind.CLOCK_STOPPED), None)
    breached = any(e.kind == EventKind.CLOCK_BREACHED for e in events)
    if stopped is not None and started is not None:
        took = human_duration((stopped.at - started.at).total_seconds())
        if stopped.data.get("met"):
            outcome, css = _("met after %(t)s") % {"t": took}, "met"
        elif stopped.data.get("met") is False or breached:
            late = stopped.data.get("overdue_seconds")
            outcome = (
                _("missed by %(t)s") % {"t": human_duration(late)}
                if late
                else _("missed (%(t)s)") % {"t": took}
            )
            css = "missed"
        else:
            outcome, css = _("stopped after %(t)s") % {"t": took}, "stopped"
    elif breached:
        outcome, css = _("missed, still running"), "missed"
    elif pauses and (not last or last.kind == EventKind.CLOCK_PAUSED):
        outcome, css = _("paused"), "paused"
    else:
        outcome, css = _("running"), "running"
    return Entry(
        at=last.at,
        kind="window",
        label=f"{label}: {outcome}",
        actor=_("System"),
        group="clocks",
        details=details,
        event_id=last.pk,
        css=f"window-{css}",
    )


def timeline_of(events: Iterable[Any], *, show: Iterable[str] = GROUPS, details: Any = None) -> list[Entry]:
    """The events as timeline entries, newest first: clock events folded into one entry per
    window, the rest one entry each, credited to the person (or to the system); only the
    groups in ``show`` (people, parts, clocks). ``details``: an event's data as label/value
    pairs (the template filter of the portal)."""
    wanted = set(show) & set(GROUPS) or set(GROUPS)
    windows: dict[Any, list[Any]] = {}
    entries: list[Entry] = []
    for event in events:
        group = group_of(event.kind)
        if group == "clocks":
            windows.setdefault(event.data.get("clock") or event.data.get("clock_kind"), []).append(event)
            continue
        if group not in wanted:
            continue
        system = not event.actor_name or event.actor_name == "system"
        entries.append(
            Entry(
                at=event.at,
                kind=event.kind,
                label=event_label(event.kind),
                actor=_("System") if system else event.actor_name,
                group=group,
                details=details(event.data) if details else [],
                event_id=event.pk,
                css="ev-" + event.kind.replace(".", "-").replace("_", "-"),
            )
        )
    if "clocks" in wanted:
        for window in windows.values():
            window.sort(key=lambda e: (e.at, e.pk))
            entries.append(_window(window))
    entries.sort(key=lambda e: (e.at, e.event_id), reverse=True)
    return entries
