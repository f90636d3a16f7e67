"""What every portal view shares: who acts, and service errors shown next to their fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _

from config.actor import Actor


def actor_of(request: HttpRequest) -> Actor:
    """The signed-in person acting for the host's tenant, in the role they hold there."""
    return Actor.of(request.user, request.membership)  # type: ignore[attr-defined]


def port_of(request: HttpRequest) -> int | None:
    """The port the reader's browser used (from the Host header); None: the scheme's default."""
    host = request.get_host()
    _name, _sep, port = host.rpartition(":")
    return int(port) if _sep and port.isdigit() and "]" not in port else None


def errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for e in errs for m in e.messages] for name, errs in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


LINE_FIELD = re.compile(r"^(?:part_)?lines\[(\d+)\]\.(\w+)$")


def apply_errors(
    form: forms.Form, exc: ValidationError, aliases: dict[str, str] | None = None
) -> dict[str, list[str]]:
    """Put a service's field errors on the form's fields; the rest on the form as a whole.

    Returns the errors that belong to part lines, keyed ``"<line>.<field>"`` (``"all"``: the lines
    as a whole), for the part-lines editor to show by its rows.
    """
    line_errors: dict[str, list[str]] = {}
    for name, messages in errors_of(exc).items():
        match = LINE_FIELD.match(name)
        if name in ("part_lines", "lines"):
            line_errors["all"] = messages
            continue
        if match:
            line_errors[f"{match[1]}.{match[2]}"] = messages
            continue
        field: Any = (aliases or {}).get(name, name)
        if field not in form.fields:
            field = None
        for message in messages:
            form.add_error(field, message)
    return line_errors


def live_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a page that goes live: before it reads anything, the live path notes the streams'
    last relayed positions (``live.middleware.LivePageMiddleware`` sets ``request.live_since``).

    The page's script subscribes with these as ``since``, so an event relayed
    while the page was being rendered is replayed to it instead of being missed.
    """
    view.live_page = True  # type: ignore[attr-defined]
    return view


def sort_links(
    query: QueryDict, names: list[str], current: str, descending: bool, reversed_: bool = False
) -> dict[str, dict[str, Any]]:
    """Per sortable column: the address that sorts by it (the current column: the other way
    round) from the first page, and how it is sorted now (``aria-sort``)."""
    links = {}
    for name in names:
        q = query.copy()
        q.pop("cursor", None)
        active = name == current
        q["sort"] = ("" if reversed_ else "-") + name if active else name
        links[name] = {
            "url": "?" + q.urlencode(),
            "active": active,
            "aria": ("descending" if descending else "ascending") if active else "none",
        }
    return links


def human_duration(seconds: float) -> str:
    """A length of time as people say it: "2 d 3 h", "3 h 20 min", "45 min" (in their language)."""
    minutes = max(0, int(seconds // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours} if hours else _("%(d)s d") % {"d": days}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes} if minutes else _("%(h)s h") % {"h": hours}
    return _("%(m)s min") % {"m": minutes}


def error_summary(
    form: forms.Form, line_errors: dict[str, list[str]] | None = None, lines_anchor: str = ""
) -> list[dict[str, str]]:
    """Every error of a form for the summary at its top, in the order of the fields, each
    with the address of its field (``#id_…``; part lines: ``#<lines_anchor>``)."""
    if not form.is_bound:
        return []
    items = [{"label": "", "message": str(m), "href": ""} for m in form.non_field_errors()]
    for name, field in form.fields.items():
        for message in form.errors.get(name, []):
            items.append(
                {"label": str(field.label or ""), "message": str(message), "href": f"#{form[name].auto_id}"}
            )
    for key, messages in (line_errors or {}).items():
        line = key.split(".", 1)[0]
        label = _("Part line %(n)s") % {"n": line} if line.isdigit() else _("Part lines")
        for message in messages:
            items.append({"label": str(label), "message": str(message), "href": f"#{lines_anchor}"})
    return items
