"""Template helpers every portal shares: a running clock, how long ago, a list's sortable header."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.portal import human_duration

register = template.Library()


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


@register.filter
def age(moment: Any) -> str:
    """How long ago ``moment`` was, as people say it ("3 d 4 h")."""
    if not moment:
        return ""
    return human_duration((timezone.now() - moment).total_seconds())


@register.inclusion_tag("portal/_sort_header.html")
def sort_header(sorts: dict[str, Any], name: str, label: str) -> dict[str, Any]:
    """A column header that sorts the list by this column (again: the other way round)."""
    return {"link": sorts.get(name), "label": label, "name": name}
