"""Requests reach the tenant of their host, and only the URLs of its type."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.models import Role

from ..conftest import client_for, host_of, person

pytestmark = pytest.mark.django_db


def test_hotline_page_is_served_on_the_hotline_host(hotline, hotline_agent, dealer):
    response = client_for(hotline, hotline_agent).get("/network/")

    assert response.status_code == 200
    assert "HQ-GD-001" in response.content.decode()


def test_a_hotline_url_on_a_dealer_host_is_a_404(dealer, dealer_user):
    response = client_for(dealer, dealer_user).get("/network/")

    assert response.status_code == 404


def test_dealer_home_shows_the_dealers_networks(dealer, dealer_user):
    response = client_for(dealer, dealer_user).get("/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "HQ-GD-001" in body
    assert "华南配件分中心" in body


def test_unknown_host_is_a_plain_404_that_names_nothing(hotline):
    known_missing_page = client_for(hotline).get("/no-such-page/")
    unknown_host = Client(HTTP_HOST="no-such-dealer.localhost").get("/")

    assert unknown_host.status_code == 404
    assert "no-such-dealer" not in unknown_host.content.decode()
    # The same page as any other "not here": nothing tells whether the tenant exists.
    assert unknown_host.content == known_missing_page.content


def test_anonymous_visitor_is_sent_to_sign_in(hotline):
    response = client_for(hotline).get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_answers_on_every_host_even_unknown_ones(hotline, dealer, path):
    for host in (host_of(hotline), host_of(dealer), "localhost", "10.0.0.7", "nobody.localhost"):
        response = Client(HTTP_HOST=host).get(path)
        assert response.status_code == 200, host
        assert response.json()["status"] == "ok"


def test_readyz_reports_each_dependency(hotline):
    body = Client(HTTP_HOST=host_of(hotline)).get("/readyz").json()

    assert body == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_is_unreachable(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["redis"].startswith("unavailable")
    assert response.json()["database"] == "ok"


def test_platform_operator_sees_every_manufacturer_on_the_public_host(
    platform, manufacturer, other_manufacturer
):
    operator = person("ops", platform, Role.PLATFORM_OPERATOR)

    body = client_for(platform, operator).get("/").content.decode()

    assert "华骐汽车" in body
    assert "东岳汽车" in body
    assert "http://huaqi.localhost/" in body


def test_the_operators_links_keep_the_port_the_page_came_from(platform, manufacturer):
    operator = person("ops", platform, Role.PLATFORM_OPERATOR)
    client = client_for(platform, operator)  # an operator signs in with a second factor
    client.defaults["HTTP_HOST"] = "localhost:8123"

    body = client.get("/").content.decode()

    assert "http://huaqi.localhost:8123/" in body
    assert ":8000" not in body
    assert operator.pk


def test_pages_speak_chinese_by_default_and_english_on_request(hotline):
    chinese = client_for(hotline).get("/login/").content.decode()
    english = Client(HTTP_HOST=host_of(hotline), HTTP_ACCEPT_LANGUAGE="en").get("/login/").content.decode()

    assert "登录" in chinese
    assert "Sign in" not in chinese
    assert "Sign in" in english
