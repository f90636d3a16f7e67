"""Live pages: the positions a page is current to, noted before the view reads anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from dealers.gateway import DealerGateway
from hotline.selectors import feed_position
from tenants.models import TenantType


class LivePageMiddleware:
    """For a view marked with ``config.portal.live_page``, shown to a member: ``request.live_since``,
    the last relayed position of each stream the page may watch (a hotline's own; a dealer's
    networks'), which the page's script subscribes with."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        if not getattr(view, "live_page", False) or getattr(request, "membership", None) is None:
            return
        if request.tenant.type == TenantType.HOTLINE:
            request.live_since = json.dumps({str(request.tenant.pk): feed_position()})
        elif request.tenant.type == TenantType.DEALER:
            request.live_since = json.dumps(DealerGateway(request.tenant).positions())
