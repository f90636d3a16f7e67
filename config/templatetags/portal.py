"""Template helpers shared by both portals: event names, clock attributes, labels of stored values."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hotline.models import CallbackOutcome, Category, ClockKind, Severity, State, StockCheck, WorkOrderType
from parts_tickets.models import LineState, RequestState

register = template.Library()

EVENT_LABELS = {
    "work_order.created": _("Work order recorded"),
    "work_order.dispatched": _("Sent to the dealer"),
    "work_order.first_contact": _("First contact with the owner"),
    "work_order.contact_attempt": _("Contact attempt"),
    "work_order.stock_checked": _("Stock checked"),
    "work_order.parts_received": _("Parts received"),
    "work_order.parts_unavailable": _("Parts unavailable"),
    "work_order.resolved": _("Reported resolved"),
    "work_order.closed": _("Closed"),
    "work_order.reopened": _("Reopened"),
    "work_order.repeated": _("The owner complained again"),
    "work_order.cancelled": _("Cancelled"),
    "work_order.transferred": _("Transferred to another dealer"),
    "work_order.transferred_away": _("Transferred away"),
    "clock.started": _("Window started"),
    "clock.stopped": _("Window stopped"),
    "clock.paused": _("Window paused"),
    "clock.resumed": _("Window resumed"),
    "clock.warning": _("Window about to expire"),
    "clock.breached": _("Window missed"),
    "clock.escalated": _("Escalated"),
    "clock.extended": _("Window extended"),
    "clock.recalculated": _("Window recalculated"),
    "parts.requested": _("Parts-support request raised"),
    "parts.acknowledged": _("Parts centre acknowledged"),
    "parts.line_allocated": _("Part allocated"),
    "parts.line_back_ordered": _("Part back-ordered"),
    "parts.line_shipped": _("Part shipped"),
    "parts.line_rejected": _("Part refused by the parts centre"),
    "transfer.requested": _("Transfer requested"),
    "transfer.refused": _("Transfer refused"),
    "extension.requested": _("Extension requested"),
    "extension.decided": _("Extension decided"),
    "callback.recorded": _("Callback"),
}

# Event details worth a line on the timeline, with their labels.
DETAIL_LABELS = {
    "dealer_name": _("Dealer"),
    "whom": _("Whom"),
    "agreed": _("What was agreed"),
    "result": _("Result"),
    "result_summary": _("Result summary"),
    "reason": _("Reason"),
    "kind": _("Window"),
    "outcome": _("Outcome"),
    "score": _("Score"),
    "note": _("Note"),
    "carrier": _("Carrier"),
    "tracking_number": _("Tracking number"),
    "part_code": _("Part code"),
    "minutes": _("Minutes"),
    "clock_kind": _("Window"),
    "by": _("By"),
}
CHOICE_FIELDS = {"kind": ClockKind, "clock_kind": ClockKind, "result": StockCheck, "outcome": CallbackOutcome}
# Why a window stopped, as the services record it.
STOP_REASONS = {
    "first_contact": _("first contact made"),
    "answered": _("a solution was offered"),
    "resolved": _("reported resolved"),
    "callback": _("callback made"),
    "transferred": _("transferred"),
    "cancel": _("cancelled"),
    "close_without_callback": _("closed without a callback"),
    "reopen": _("reopened"),
    "reopened": _("reopened"),
}


@register.filter
def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


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
        elif value is True or value is False:
            value = _("yes") if value else _("no")
        out.append((str(label), str(value)))
    return out


@register.filter
def state_label(value: str) -> str:
    for choices in (State, RequestState, LineState):
        if value in choices.values:
            return str(choices(value).label)
    return value


@register.filter
def work_order_label(value: str) -> str:
    """A work order type, severity or category as the user reads it."""
    for choices in (WorkOrderType, Severity, Category):
        if value in choices.values:
            return str(choices(value).label)
    return value


@register.simple_tag
def clock(due_at: Any, state: str = "running", warn_at: Any = None, paused_label: str = "") -> str:
    """A running clock: the page's script shows time left (green, then amber) or overdue (red)."""
    if due_at is None:
        return format_html('<span class="muted">{}</span>', "—")
    if state == "paused":
        return format_html('<span class="clock clock-paused">{}</span>', paused_label or _("paused"))
    warn = warn_at.isoformat() if hasattr(warn_at, "isoformat") else (warn_at or "")
    return format_html(
        '<span class="clock" data-testid="clock" data-due="{}" data-warn="{}">{}</span>',
        due_at.isoformat(),
        warn,
        due_at.isoformat(),
    )
