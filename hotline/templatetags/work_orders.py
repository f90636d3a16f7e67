"""Template helpers for work orders, on both portals: events on the timeline, labels of stored values."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from config.portal import human_duration

from ..events import DETAIL_LABELS, STOP_REASONS
from ..events import event_label as _event_label
from ..models import (
    CallbackOutcome,
    Category,
    ClockKind,
    Department,
    OwnerCallTopic,
    Severity,
    State,
    StockCheck,
    WorkOrderType,
)
from ..timeline import GROUPS, timeline_of

register = template.Library()

CHOICE_FIELDS = {
    "kind": ClockKind,
    "clock_kind": ClockKind,
    "result": StockCheck,
    "outcome": CallbackOutcome,
    "topic": OwnerCallTopic,
    "department": Department,
    "severity_after": Severity,
    "category_after": Category,
}


@register.filter
def event_label(kind: str) -> str:
    return _event_label(kind)


@register.filter
def event_details(data: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name, label in DETAIL_LABELS.items():
        value = (data or {}).get(name)
        if value in (None, "", []):
            continue
        choices = CHOICE_FIELDS.get(name)
        if choices is not None and value in choices.values:
            value = choices(value).label
        elif name == "reason" and value in STOP_REASONS:
            value = STOP_REASONS[value]
        elif name == "minutes" and isinstance(value, int):
            value = human_duration(value * 60)
        elif value is True or value is False:
            value = _("yes") if value else _("no")
        out.append((str(label), str(value)))
    return out


@register.filter
def state_label(value: str) -> str:
    """A work order's state as the user reads it."""
    return str(State(value).label) if value in State.values else value


@register.filter
def work_order_label(value: str) -> str:
    """A work order type, severity or category as the user reads it."""
    for choices in (WorkOrderType, Severity, Category):
        if value in choices.values:
            return str(choices(value).label)
    return value


@register.filter
def clock_kind(value: str) -> str:
    """The window a clock counts, as the user reads it ("First contact")."""
    return str(ClockKind(value).label) if value in ClockKind.values else value


@register.inclusion_tag("hotline/_timeline.html", takes_context=True)
def timeline(context: Any, events: list[Any]) -> dict[str, Any]:
    """The work order's timeline, newest first, filtered by the page's ``show`` (people, parts,
    clocks), with the links that change the filter."""
    request = context["request"]
    shown = [g for g in request.GET.getlist("show") if g in GROUPS]
    entries = timeline_of(events, show=shown or GROUPS, details=event_details)
    labels = {"people": _("People"), "parts": _("Parts"), "clocks": _("Windows")}
    filters = [{"key": "", "label": _("Everything"), "current": not shown}] + [
        {"key": g, "label": labels[g], "current": shown == [g]} for g in GROUPS
    ]
    return {"entries": entries, "filters": filters, "path": request.path}


@register.filter
def with_mentions(text: str, names: list[str]) -> str:
    """A message's text, escaped, with each ``@name`` of a person it mentions marked."""
    html = str(escape(text or ""))
    for name in sorted(set(names or ()), key=len, reverse=True):
        written = str(escape(f"@{name}"))
        html = html.replace(written, f'<mark class="mention">{written}</mark>')
    return mark_safe(html)  # noqa: S308 - built from escaped text only
