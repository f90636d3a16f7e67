"""What every database session of the product sets as it opens.

A process on a node that vanishes (power, network) leaves its PostgreSQL
backend waiting on a socket nobody answers; a scheduler's backend mid-batch
keeps that batch's clock rows locked, and ``SKIP LOCKED`` makes every other
scheduler pass them by. PostgreSQL's own TCP keepalives wait the operating
system's two hours before asking; each session here asks for them after
``tcp_keepalives_idle`` seconds of silence, so the backend gives up on a
vanished client, rolls back and releases its locks within about a minute.
They are session settings (any user may set them), set with one statement.
Through a pooler they reach only the pooler's own connection to PostgreSQL (whose
peer does not vanish): there the pooler's keepalives towards its clients do the
work (docs/deploy.md). Over a Unix socket PostgreSQL ignores them.
"""

from __future__ import annotations

import weakref
from typing import Any

from django.conf import settings

# The driver connections already set up: a pooled one is handed out again and again.
_configured: weakref.WeakSet[Any] = weakref.WeakSet()


def session_settings_set(raw: Any) -> None:
    """Set ``DATABASE_SESSION_SETTINGS`` on a driver (psycopg) connection, in one round trip."""
    wanted = getattr(settings, "DATABASE_SESSION_SETTINGS", {})
    if not wanted:
        return
    calls = ", ".join("set_config(%s, %s, false)" for _ in wanted)
    with raw.cursor() as cursor:  # the driver's own: no tenant's search path is needed here
        cursor.execute(f"SELECT {calls}", [str(part) for pair in wanted.items() for part in pair])
    if not raw.autocommit:
        raw.commit()


def session_settings_apply(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: the session's settings, once per session (a pool hands the same
    session out for every request)."""
    raw = connection.connection
    if connection.vendor != "postgresql" or raw in _configured:
        return
    session_settings_set(raw)
    _configured.add(raw)
