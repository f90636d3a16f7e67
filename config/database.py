"""What every database session of the product sets as it opens.

A process on a node that vanishes (power, network) leaves its PostgreSQL
backend waiting on a socket nobody answers; a scheduler's backend mid-batch
keeps that batch's clock rows locked, and ``SKIP LOCKED`` makes every other
scheduler pass them by. PostgreSQL's own TCP keepalives wait the operating
system's two hours before asking; each session here asks for them after
``tcp_keepalives_idle`` seconds of silence, so the backend gives up on a
vanished client, rolls back and releases its locks within about a minute.
They are session settings (any user may set them), set with one statement,
so they hold through a session-mode pooler as well (its reset clears them, and
the next session sets them again). Over a Unix socket PostgreSQL ignores them.
"""

from __future__ import annotations

import weakref
from typing import Any

from django.conf import settings

# The driver connections already set up: a pooled one is handed out again and again.
_configured: weakref.WeakSet[Any] = weakref.WeakSet()


def session_settings_apply(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: this session's ``DATABASE_SESSION_SETTINGS``, in one round trip
    (once per session, though a pool hands the session out for every request)."""
    wanted = getattr(settings, "DATABASE_SESSION_SETTINGS", {})
    raw = connection.connection
    if connection.vendor != "postgresql" or not wanted or raw in _configured:
        return
    calls = ", ".join("set_config(%s, %s, false)" for _ in wanted)
    with raw.cursor() as cursor:  # the driver's own: no tenant's search path is needed here
        cursor.execute(f"SELECT {calls}", [str(part) for pair in wanted.items() for part in pair])
    if not raw.autocommit:
        raw.commit()
    _configured.add(raw)
