"""Requests per key (or per signed-in person and host), counted in Redis across processes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiKey


class ApiRateThrottle(SimpleRateThrottle):
    """``API_RATE_WRITE`` for POSTs and ``API_RATE_READ`` otherwise; a 429 says when to retry."""

    cache = caches["ratelimit"]
    cache_format = "api:%(scope)s:%(ident)s"

    def __init__(self) -> None:  # the rate depends on the request, see allow_request
        pass

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        self.rate = settings.API_RATE_READ if self.scope == "read" else settings.API_RATE_WRITE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_ident(self, request: Request) -> str:
        """The client's address as the web server reports it (it alone applies FORWARDED_ALLOW_IPS);
        DRF's own reading would take a client's X-Forwarded-For at its word."""
        return request.META.get("REMOTE_ADDR", "") or "unknown"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user{request.user.pk}@{request._request.tenant.pk}"
        else:
            ident = f"ip{self.get_ident(request)}@{request._request.tenant.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
