"""Readiness: can this process reach its database and its Redis right now?"""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import DatabaseError, connection


def readiness() -> dict[str, str]:
    result = {"database": "ok", "redis": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        result["database"] = f"unavailable: {type(exc).__name__}"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
    except (redis.RedisError, OSError) as exc:
        result["redis"] = f"unavailable: {type(exc).__name__}"
    return result
