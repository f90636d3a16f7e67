"""The API's rate limit holds across threads and processes: racing requests cannot share the last places."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from django.test import override_settings

from tenants.api.throttling import ApiRateThrottle
from tenants.models import ApiKey


def a_request(key_pk: int) -> SimpleNamespace:
    return SimpleNamespace(method="GET", auth=ApiKey(pk=key_pk), user=None, META={})


# Windows of an hour: a test taking a fraction of a second all but never straddles two.
@override_settings(API_RATE_READ="20/hour")
def test_requests_racing_for_the_last_places_get_exactly_the_limit():
    allowed: list[bool] = []
    start = threading.Barrier(8)

    def client() -> None:
        start.wait()
        for _ in range(5):
            allowed.append(ApiRateThrottle().allow_request(a_request(7001), view=None))

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert allowed.count(True) == 20
    assert ApiRateThrottle().allow_request(a_request(7002), view=None)  # another key has its own budget


@override_settings(API_RATE_READ="2/hour")
def test_a_refused_request_is_told_to_wait_at_most_the_window():
    for _ in range(2):
        assert ApiRateThrottle().allow_request(a_request(7003), view=None)
    refused = ApiRateThrottle()
    assert not refused.allow_request(a_request(7003), view=None)
    assert 1 <= refused.wait() <= 3600
