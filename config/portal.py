"""What every portal view shares: who acts, and service errors shown next to their fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from config.actor import Actor


def actor_of(request: HttpRequest) -> Actor:
    """The signed-in person acting for the host's tenant, in the role they hold there."""
    return Actor.of(request.user, request.membership)  # type: ignore[attr-defined]


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
