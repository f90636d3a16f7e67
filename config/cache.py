"""A Redis cache that answers "nothing cached" while its Redis is away, instead of raising.

For counters and hints only (sign-in and API rate limits, cached values): with
Redis away a request goes on as if nothing were cached, and a warning is logged,
rather than ending in a server error (docs/operations.md).
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cached_property
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
WARN_EVERY_SECONDS = 30.0
_last_warning = [0.0]


def cache_unreachable(operation: str) -> None:
    """Log (at most every WARN_EVERY_SECONDS) that ``operation`` went on without Redis."""
    if time.monotonic() - _last_warning[0] > WARN_EVERY_SECONDS:
        _last_warning[0] = time.monotonic()
        logger.warning("cache %s skipped: Redis is unreachable", operation, exc_info=True)


class _SharedClients(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` (and its table of reply callbacks) for every
    operation; one per connection pool serves them all (a Redis client may be shared between
    threads; its pool hands each command a connection and reconnects after a failure)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # kept for the cache's life: its id is stable
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


# Django keeps its cache objects per context, and under ASGI every request has a context of its
# own: without this, each request made a cache, a connection pool and a new Redis connection.
# One client (and its pools) per configuration serves the whole process; a forked worker's
# pools notice the fork and connect again.
_CLIENTS: dict[tuple[str, ...], _SharedClients] = {}
_CLIENTS_LOCK = threading.Lock()


class FailOpenRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> _SharedClients:
        key = (*self._servers, repr(sorted(self._options.items())))
        with _CLIENTS_LOCK:
            client = _CLIENTS.get(key)
            if client is None:
                client = _CLIENTS[key] = _SharedClients(self._servers, **self._options)
        return client

    def redis_client(self) -> Any:
        """This configuration's one Redis client (its pool and timeouts), for a caller that talks
        to Redis itself; it raises what Redis raises."""
        return self._cache.get_client(write=True)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except (RedisError, OSError):
            cache_unreachable("get")
            return default

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except (RedisError, OSError):
            cache_unreachable("add")
            return False

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except (RedisError, OSError):
            cache_unreachable("set")

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except (RedisError, OSError) as exc:
            cache_unreachable("incr")
            raise ValueError("cache unreachable") from exc

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except (RedisError, OSError):
            cache_unreachable("delete")
            return False

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        try:
            return super().get_many(keys, version)
        except (RedisError, OSError):
            cache_unreachable("get_many")
            return {}

    def set_many(self, data: dict, timeout: Any = None, version: int | None = None) -> list:
        try:
            return super().set_many(data, timeout, version)
        except (RedisError, OSError):
            cache_unreachable("set_many")
            return list(data)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except (RedisError, OSError):
            cache_unreachable("delete_many")

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except (RedisError, OSError):
            cache_unreachable("touch")
            return False

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except (RedisError, OSError):
            cache_unreachable("has_key")
            return False
