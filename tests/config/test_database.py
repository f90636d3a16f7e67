"""Every database session asks PostgreSQL for TCP keepalives, so a vanished client's locks go."""

from __future__ import annotations

import pytest
from django.db import connections

KEEPALIVES = ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count", "tcp_user_timeout")


def session_settings(wrapper) -> dict[str, tuple[str, str]]:
    with wrapper.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting, source FROM pg_settings WHERE name = ANY(%s)", [list(KEEPALIVES)]
        )
        return {name: (setting, source) for name, setting, source in cursor.fetchall()}


@pytest.mark.django_db
def test_a_new_session_asks_for_keepalives_after_thirty_seconds_of_silence():
    fresh = connections.create_connection("default")
    try:
        found = session_settings(fresh)
        over_tcp = not (fresh.settings_dict["HOST"] or "/").startswith("/")
    finally:
        fresh.close()

    # Set by the session itself (over a Unix socket PostgreSQL reads them as 0: nothing to probe).
    assert {name: source for name, (_setting, source) in found.items()} == dict.fromkeys(
        KEEPALIVES, "session"
    )
    if over_tcp:
        assert found["tcp_keepalives_idle"][0] == "30"
        assert found["tcp_keepalives_count"][0] == "3"
