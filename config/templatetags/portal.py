"""Template helpers every portal shares: a running clock, how long ago, a list's sortable header."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from config.portal import error_summary, human_duration

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


@register.simple_tag(takes_context=True)
def nav_link(context: Any, name: str, label: str, testid: str = "", exclude: str = "") -> str:
    """A link of the top bar's navigation, marked ``aria-current="page"`` on its own pages
    (the start page only on itself; another on itself and the pages under it but
    ``exclude``, which another link of the bar names)."""
    url = reverse(name)
    request = context.get("request")
    path = request.path if request is not None else ""
    below = url != "/" and path.startswith(url) and not (exclude and path.startswith(exclude))
    current = path == url or below
    return format_html(
        '<a href="{}"{}{}>{}</a>',
        url,
        mark_safe(' aria-current="page"') if current else "",
        format_html(' data-testid="{}"', testid) if testid else "",
        label,
    )


@register.inclusion_tag("portal/_error_summary.html")
def form_summary(form: Any) -> dict[str, Any]:
    """The summary of a form's errors at its top, each linking to its field."""
    return {"summary": error_summary(form) if form is not None else []}


@register.filter
def query_of(values: dict[str, Any] | None) -> str:
    """A mapping as the query string of a link (``dealer=12&overdue=on``)."""
    return urlencode({k: v for k, v in (values or {}).items() if v not in (None, "")})
