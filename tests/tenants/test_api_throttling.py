"""API rate limits count the client the web server saw, not what a client claims to be."""

from __future__ import annotations

from rest_framework.test import APIRequestFactory

from tenants.api.throttling import ApiRateThrottle


def test_anonymous_api_calls_are_counted_by_address_whatever_x_forwarded_for_says():
    factory = APIRequestFactory()
    idents = {
        ApiRateThrottle().get_ident(
            factory.get("/api/v1/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        )
        for n in range(5)
    }

    assert idents == {"203.0.113.7"}
