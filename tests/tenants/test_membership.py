"""A person signs in once per host, and only where they are a member."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from tenants.models import Membership, Role, User
from tenants.services.provisioning import membership_grant, user_create

from ..conftest import PASSWORD, client_for, host_of, person

pytestmark = pytest.mark.django_db


def test_member_signs_in_and_sees_their_role(hotline, hotline_agent):
    body = client_for(hotline, hotline_agent).get("/").content.decode()

    assert hotline_agent.full_name in body


def test_non_member_cannot_sign_in_and_learns_nothing(hotline, dealer, dealer_user):
    client = client_for(hotline)

    right_password = client.post("/login/", {"username": dealer_user.username, "password": PASSWORD})
    wrong_password = client.post(
        "/login/", {"username": dealer_user.username, "password": "not-the-password"}
    )

    assert right_password.status_code == 200
    assert SESSION_KEY not in client.session
    # Valid credentials of a stranger read exactly like a wrong password.
    assert right_password.context["form"].errors == wrong_password.context["form"].errors


def test_session_carried_to_another_tenant_gets_404_and_is_ended(dealer, other_dealer, dealer_user):
    client = client_for(dealer, dealer_user)
    client.defaults["HTTP_HOST"] = other_dealer.domains.get().domain  # the cookie, replayed

    response = client.get("/")

    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_revoked_membership_is_a_404_at_once(dealer, dealer_user):
    client = client_for(dealer, dealer_user)
    Membership.objects.filter(user=dealer_user).update(is_active=False)

    assert client.get("/").status_code == 404


def test_one_identity_works_in_several_stores_of_a_group(dealer, other_dealer):
    gm = person("zhao.gm", dealer, Role.GENERAL_MANAGER)
    membership_grant(user=gm, tenant=other_dealer, role=Role.GENERAL_MANAGER)

    assert client_for(dealer, gm).get("/").status_code == 200
    assert client_for(other_dealer, gm).get("/").status_code == 200
    switch = client_for(dealer, gm).get("/switch/").content.decode()
    assert "http://sz-pengcheng.localhost/" in switch


def test_the_switchers_links_keep_the_port_in_use(dealer, other_dealer):
    gm = person("zhao.gm", dealer, Role.GENERAL_MANAGER)
    membership_grant(user=gm, tenant=other_dealer, role=Role.GENERAL_MANAGER)
    client = client_for(dealer, gm)  # a general manager signs in with a second factor
    client.defaults["HTTP_HOST"] = f"{host_of(dealer)}:8123"

    switch = client.get("/switch/").content.decode()

    assert "http://sz-pengcheng.localhost:8123/" in switch
    assert ":8000" not in switch


def test_session_cookie_is_host_only(hotline, hotline_agent):
    client = client_for(hotline)
    response = client.post("/login/", {"username": hotline_agent.username, "password": PASSWORD})

    cookie = response.cookies["sessionid"]
    assert cookie["domain"] == ""
    assert cookie["httponly"]


def test_sign_in_is_rate_limited_per_user_name(hotline, hotline_agent, settings):
    settings.LOGIN_RATE_PER_USERNAME = "3/m"
    client = client_for(hotline)
    statuses = [
        client.post("/login/", {"username": hotline_agent.username, "password": "wrong"}).status_code
        for _ in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
    blocked = client.post("/login/", {"username": hotline_agent.username, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "60"
    assert SESSION_KEY not in client.session


def test_weak_password_is_refused_naming_the_field(db):
    with pytest.raises(ValidationError) as caught:
        user_create(username="weak", password="12345678")

    assert "password" in caught.value.message_dict
    from tenants.models import User

    assert not User.objects.filter(username="weak").exists()


def test_role_must_belong_to_the_tenant_type(dealer, hotline_agent):
    with pytest.raises(ValidationError) as caught:
        membership_grant(user=hotline_agent, tenant=dealer, role=Role.HOTLINE_SUPERVISOR)

    assert "role" in caught.value.message_dict
    assert not Membership.objects.filter(user=hotline_agent, tenant=dealer).exists()


def test_cache_keys_are_tenant_aware(dealer, other_dealer):
    with tenant_context(dealer):
        cache.set("inbox-count", 7)
    with tenant_context(other_dealer):
        assert cache.get("inbox-count") is None
    with tenant_context(dealer):
        assert cache.get("inbox-count") == 7
    connection.set_schema_to_public()


def test_sign_in_limit_counts_across_every_host(dealer, other_dealer, settings):
    settings.LOGIN_RATE_PER_USERNAME = "3/m"
    gm = person("zhao.gm", dealer, Role.GENERAL_MANAGER)
    membership_grant(user=gm, tenant=other_dealer, role=Role.GENERAL_MANAGER)
    attempts = [
        client_for(tenant).post("/login/", {"username": gm.username, "password": "x"})
        for tenant in (dealer, other_dealer, dealer, other_dealer)
    ]

    assert [r.status_code for r in attempts] == [200, 200, 200, 429]


def test_pages_show_times_in_the_tenants_time_zone(hotline, hotline_agent):
    from django.template import Context, Template
    from django.test import RequestFactory
    from django.utils import timezone

    from tenants.middleware import TenantTimezoneMiddleware

    seen = {}

    def view(request):
        seen["zone"] = str(timezone.get_current_timezone())
        return Template("{% now 'e' %}").render(Context())

    for zone in ("Asia/Shanghai", "Asia/Urumqi"):
        hotline.time_zone = zone
        request = RequestFactory().get("/")
        request.tenant = hotline
        TenantTimezoneMiddleware(view)(request)
        assert seen["zone"] == zone


def test_sign_in_is_rate_limited_per_client_address(hotline, settings):
    settings.LOGIN_RATE_PER_IP = "3/m"
    client = client_for(hotline)
    statuses = [
        client.post("/login/", {"username": f"guess{i}", "password": "x"}).status_code for i in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


def test_the_switcher_names_each_kind_of_workplace_in_the_readers_language(hotline, dealer):
    person("li.na", hotline, Role.HOTLINE_AGENT)
    membership_grant(user=User.objects.get(username="li.na"), tenant=dealer, role=Role.GENERAL_MANAGER)
    client = Client(HTTP_HOST=host_of(hotline))
    client.post("/login/", {"username": "li.na", "password": PASSWORD})

    page = client.get("/switch/").content.decode()

    assert "<td>客户服务中心</td>" in page
    assert "<td>经销商</td>" in page
    assert "<td>hotline</td>" not in page
