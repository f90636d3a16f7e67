"""Degrade, don't fail: with the database or Redis away, people and API clients get clear answers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from ..conftest import api_client, client_for, host_of

DEAD_REDIS = "redis://127.0.0.1:1/0"


@contextmanager
def database_away() -> Iterator[None]:
    """The next connection goes to a server that is not there (as when PostgreSQL is down)."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def redis_away(settings) -> None:
    """The caches (rate-limit counters included) point at a Redis that is not there."""
    settings.CACHES = {name: {**cache, "LOCATION": DEAD_REDIS} for name, cache in settings.CACHES.items()}


@pytest.mark.django_db(transaction=True)
def test_with_the_database_away_the_api_answers_503_problem_json(committed_tenants, hotline):
    browser = Client(HTTP_HOST=host_of(hotline), raise_request_exception=False)
    with database_away():
        response = browser.get("/api/v1/work-orders/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "15"
    assert response.json()["type"].endswith("/unavailable")
    assert response.json()["title"] == "The service is reconnecting; try again in a few seconds."
    # and the published contract says so: a 503 with Retry-After, its body a problem document
    schema = api_client(hotline).get("/api/v1/schema/?format=json").json()
    declared = schema["paths"]["/api/v1/work-orders/"]["get"]["responses"]["503"]
    assert declared["headers"]["Retry-After"]["required"] is True
    assert list(declared["content"]) == ["application/problem+json"]
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) <= set(response.json()) <= set(problem["properties"])


@pytest.mark.django_db(transaction=True)
def test_with_the_database_away_a_person_gets_a_page_in_both_languages(committed_tenants, hotline):
    browser = Client(HTTP_HOST=host_of(hotline), raise_request_exception=False)
    with database_away():
        response = browser.get("/work-orders/")

    page = response.content.decode()
    assert response.status_code == 503
    assert "请在十几秒后刷新页面" in page
    assert "please reload the page in a few seconds" in page


def test_an_unexpected_error_under_api_is_a_problem_document_never_html(rf):
    from config.error_pages import server_error

    request = rf.get("/api/v1/work-orders/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_with_redis_away_the_api_and_sign_in_still_answer(hotline, hotline_agent, redis_away, caplog):
    from tenants.services.api_keys import api_key_create

    secret = api_key_create(tenant=hotline, name="呼叫中心", scope="read").secret

    with caplog.at_level(logging.WARNING, logger="config.cache"):
        listed = api_client(hotline, secret).get("/api/v1/work-orders/")
        signed_in = client_for(hotline, hotline_agent).get("/")

    assert listed.status_code == 200
    assert signed_in.status_code == 200
    assert "Redis is unreachable" in caplog.text


def test_the_cache_works_again_once_redis_is_back(redis_of_its_own, caplog):
    from config.cache import FailOpenRedisCache

    sock, start, stop = redis_of_its_own
    cache = FailOpenRedisCache(f"unix://{sock}", {"OPTIONS": {"socket_timeout": 1}})
    cache.set("calls", 1)
    assert cache.get("calls") == 1
    stop()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        assert cache.get("calls", "nothing") == "nothing"  # away: as if nothing were cached
    start()
    cache.set("calls", 2)  # the same cache, no restart of the process
    assert cache.get("calls") == 2
