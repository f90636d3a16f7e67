"""Template helpers every portal shares: a running clock."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

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
