from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    """The tenant, the signed-in user's role there and their unread notifications, for every page."""
    tenant = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    unread = 0
    if membership is not None and tenant is not None and tenant.type in ("hotline", "dealer"):
        from notifications.services import unread_count

        unread = unread_count(request.user.pk)
    return {
        "tenant": tenant,
        "membership": membership,
        "product_name": settings.PRODUCT_NAME,
        "unread_notifications": unread,
    }
