"""What every page of every portal shows: the tenant, the person's role there, the product."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    return {
        "tenant": getattr(request, "tenant", None),
        "membership": getattr(request, "membership", None),
        "product_name": settings.PRODUCT_NAME,
    }
