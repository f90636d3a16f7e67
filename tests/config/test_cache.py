"""The cache under ASGI: every request runs in a context of its own, and Django keeps its cache
objects per context; the Redis connections must not follow them."""

from __future__ import annotations

import contextvars

import redis
from django.core.cache import caches


def test_requests_in_contexts_of_their_own_share_the_processs_redis_connections(settings, redis_of_its_own):
    sock, _start, _stop = redis_of_its_own  # a server of its own: only this test connects
    settings.CACHES = {
        name: {**cache, "LOCATION": f"unix://{sock}"} for name, cache in settings.CACHES.items()
    }
    server = redis.Redis(unix_socket_path=sock)
    caches["default"].set("warm", 1)  # the process's first connection
    before = server.info("stats")["total_connections_received"]

    def a_request(n: int) -> None:  # what the rate limit and a cached read do in one request
        caches["ratelimit"].add(f"hits:{n}", 0, 60)
        assert caches["default"].get("warm") == 1

    for n in range(20):
        contextvars.Context().run(a_request, n)  # as the ASGI server gives each request
    # this test's own connection to ask, and at most one more for the caches
    assert server.info("stats")["total_connections_received"] - before <= 2
