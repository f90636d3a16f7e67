"""Requests per key (or per signed-in person and host), counted in Redis across processes.

Each request is one atomic call to Redis (``limits``' sliding-window counter: this
window's count and the last one's, weighted by how much of it still overlaps the
last minute). Concurrent requests in different processes cannot both take the
last place, and the cost does not grow with the rate. With Redis away the API is
not rate-limited (logged), as for sign-in (docs/operations.md).
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from config.cache import cache_unreachable

from ..models import ApiKey

# The limiter of the current rate-limit cache configuration (settings replace the whole dict).
_limiter: list[tuple[dict, SlidingWindowCounterRateLimiter]] = []
_limiter_lock = threading.Lock()


def limiter() -> SlidingWindowCounterRateLimiter:
    """The process's limiter, on the rate-limit cache's own Redis client and pool."""
    config = settings.CACHES["ratelimit"]
    if not (_limiter and _limiter[0][0] is config):
        with _limiter_lock:
            if not (_limiter and _limiter[0][0] is config):
                pool = caches["ratelimit"].redis_client().connection_pool
                storage = RedisStorage(
                    "redis://",
                    connection_pool=pool,
                    key_prefix=config.get("KEY_PREFIX", ""),
                    wrap_exceptions=True,
                )
                _limiter[:] = [(config, SlidingWindowCounterRateLimiter(storage))]
    return _limiter[0][1]


class ApiRateThrottle(SimpleRateThrottle):
    """``API_RATE_WRITE`` for POSTs and ``API_RATE_READ`` otherwise; a 429 says when to retry."""

    cache_format = "api:%(scope)s:%(ident)s"

    def __init__(self) -> None:  # the rate depends on the request, see allow_request
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        rate = settings.API_RATE_READ if self.scope == "read" else settings.API_RATE_WRITE
        amount, seconds = self.parse_rate(rate)
        item = RateLimitItemPerSecond(amount, seconds)
        key = self.get_cache_key(request, view)
        try:
            if limiter().hit(item, key):
                return True
            reset_at = limiter().get_window_stats(item, key).reset_time
        except StorageError:
            cache_unreachable("rate limit")
            return True
        self.retry_after = max(1, math.ceil(reset_at - time.time()))
        return False

    def wait(self) -> float | None:
        return self.retry_after

    def get_ident(self, request: Request) -> str:
        """The client's address as the web server reports it (it alone applies FORWARDED_ALLOW_IPS);
        DRF's own reading would take a client's X-Forwarded-For at its word."""
        return request.META.get("REMOTE_ADDR", "") or "unknown"

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, ApiKey):
            ident = f"key{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user{request.user.pk}@{request._request.tenant.pk}"
        else:
            ident = f"ip{self.get_ident(request)}@{request._request.tenant.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
