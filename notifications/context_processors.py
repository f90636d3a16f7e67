"""The unread count in every page's top bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .services import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """A member's unread notifications on a hotline or dealer host (none elsewhere).

    The person is the membership's, not ``request.user``: an API page (its documentation)
    renders with a request whose user its own authentication decided, possibly none.
    """
    tenant = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    if membership is None or getattr(tenant, "type", "") not in ("hotline", "dealer"):
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(membership.user_id)}
