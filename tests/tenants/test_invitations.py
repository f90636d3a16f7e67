"""Consent across tenants: a dealer joins a network, and a person a tenant, only by accepting an
invitation; the side that invites learns nothing about other tenants or accounts."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tenants.models import AuthEvent, Membership, NetworkMembership, Role, Tenant
from tenants.services.invitations import network_invitation_create

from ..conftest import PASSWORD, client_for, person

pytestmark = pytest.mark.django_db

NEW_DEALER = {
    "dealer-dealer_code": "HQ-GD-009",
    "dealer-slug": "fs-huanan",
    "dealer-name": "佛山华南汽车",
    "dealer-region": "SOUTH",
    "dealer-province": "广东",
    "dealer-city": "佛山",
}


@pytest.fixture
def admin_client(hotline):
    return client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN))


def test_typing_an_existing_dealers_slug_joins_nothing_and_tells_nothing(
    admin_client, manufacturer, foreign_dealer, hotline
):
    """Before: 长沙星沙 (only in 东岳's network) joined 华骐's at the slug's mention."""
    taken = admin_client.post(
        "/administration/network/dealers/",
        {**NEW_DEALER, "dealer-slug": foreign_dealer.slug},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    hotline_slug = admin_client.post(
        "/administration/network/dealers/", {**NEW_DEALER, "dealer-slug": "huaqi"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    free_but_bad = admin_client.post(
        "/administration/network/dealers/", {**NEW_DEALER, "dealer-slug": "Bad!"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert taken.status_code == hotline_slug.status_code == 400
    assert not NetworkMembership.objects.filter(manufacturer=manufacturer, dealer=foreign_dealer).exists()
    # The same words whether the slug is a dealer's, a hotline's or merely malformed.
    errors = [r.context["dealer_form"].errors["slug"] for r in (taken, hotline_slug, free_but_bad)]
    assert errors[0] == errors[1] == errors[2]
    assert "not available" in " ".join(errors[0])
    assert "dealer" not in " ".join(errors[0]).lower()


def test_a_hotline_creates_new_dealers_only_within_its_quota(admin_client, manufacturer):
    manufacturer.dealer_creation_quota = 1
    manufacturer.save()

    assert admin_client.post("/administration/network/dealers/", NEW_DEALER).status_code == 302
    second = admin_client.post(
        "/administration/network/dealers/",
        {**NEW_DEALER, "dealer-slug": "fs-nanhai", "dealer-dealer_code": "HQ-GD-010"},
    )
    assert second.status_code == 400
    assert not Tenant.objects.filter(slug="fs-nanhai").exists()


def test_a_dealer_joins_another_network_when_its_administrator_accepts_the_invitation(
    admin_client, manufacturer, foreign_dealer
):
    issued = admin_client.post(
        "/administration/network/invitations/",
        {
            "invite-dealer_code": "HQ-HN-001",
            "invite-region": manufacturer.regions.get(code="SOUTH").pk,
            "invite-province": "湖南",
            "invite-city": "长沙",
        },
    )
    code = issued.context["issued_code"].code
    assert not NetworkMembership.objects.filter(manufacturer=manufacturer, dealer=foreign_dealer).exists()

    gm = client_for(foreign_dealer, person("xs.gm", foreign_dealer, Role.GENERAL_MANAGER))
    advisor = client_for(foreign_dealer, person("xs.sa", foreign_dealer, Role.SERVICE_ADVISOR))
    assert advisor.post("/administration/networks/", {"code": code, "step": "accept"}).status_code == 403
    preview = gm.post("/administration/networks/", {"code": code, "step": "preview"})
    assert "HQ-HN-001" in preview.content.decode()
    assert not NetworkMembership.objects.filter(manufacturer=manufacturer, dealer=foreign_dealer).exists()
    accepted = gm.post("/administration/networks/", {"code": code, "step": "accept"})

    assert accepted.status_code == 302
    place = NetworkMembership.objects.get(manufacturer=manufacturer, dealer=foreign_dealer)
    assert (place.dealer_code, place.city) == ("HQ-HN-001", "长沙")
    again = gm.post("/administration/networks/", {"code": code, "step": "accept"})
    assert again.status_code == 400  # used once


def test_a_platform_operator_accepts_for_a_dealer_and_creates_dealers(platform, manufacturer, foreign_dealer):
    admin = person("hq.admin", manufacturer.hotline, Role.HOTLINE_ADMIN)
    code = network_invitation_create(
        request=None,
        manufacturer=manufacturer,
        by=admin,
        dealer_code="HQ-HN-002",
        region=manufacturer.regions.get(code="SOUTH"),
        province="湖南",
        city="长沙",
    ).code
    operator = client_for(platform, person("ops", platform, Role.PLATFORM_OPERATOR))

    joined = operator.post("/dealers/", {"form": "accept", "code": code, "dealer": foreign_dealer.slug})
    created = operator.post("/dealers/", {"form": "create", "slug": "wh-guanggu", "name": "武汉光谷汽车"})

    assert joined.status_code == created.status_code == 302
    assert NetworkMembership.objects.filter(manufacturer=manufacturer, dealer=foreign_dealer).exists()
    new = Tenant.objects.get(slug="wh-guanggu")
    assert new.type == "dealer"
    assert not new.networks.exists()


def test_typing_a_user_name_grants_nothing_the_person_accepts_by_e_mail(hotline, admin_client, dealer_user):
    """Before: any global user name typed here got a role at this hotline."""
    old_form = admin_client.post("/administration/users/", {"username": "crm", "role": "hotline_admin"})
    assert old_form.status_code == 400
    assert not Membership.objects.filter(user=dealer_user, tenant=hotline).exists()

    sent = admin_client.post(
        "/administration/users/",
        {"email": "huang.li@example.cn", "full_name": "黄丽", "role": "hotline_agent"},
    )
    unknown = admin_client.post(
        "/administration/users/", {"email": "nobody@example.cn", "role": "hotline_agent"}
    )
    # The answer is the same whether or not the address belongs to anyone.
    assert sent.status_code == unknown.status_code == 200
    assert not Membership.objects.filter(user=dealer_user, tenant=hotline).exists()
    link = re.search(r"http://[^\s]+/invitations/[^\s]+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]

    guest = client_for(hotline)
    wrong = guest.post(path, {"with": "existing", "username": "crm", "password": "Wrong-password-99"})
    unknown_name = guest.post(path, {"with": "existing", "username": "no.such.person", "password": PASSWORD})
    assert wrong.status_code == unknown_name.status_code == 400
    assert wrong.context["existing"].non_field_errors() == unknown_name.context["existing"].non_field_errors()
    taken = guest.post(path, {"with": "existing", "username": "crm", "password": PASSWORD})

    assert taken.status_code == 302
    assert Membership.objects.get(user=dealer_user, tenant=hotline).role == "hotline_agent"
    assert guest.get(path).status_code == 404  # used once
    assert AuthEvent.objects.filter(tenant=hotline, kind="member.added", user=dealer_user).exists()


def test_a_new_person_makes_an_account_from_the_invitation(hotline, admin_client):
    admin_client.post("/administration/users/", {"email": "new@example.cn", "role": "hotline_agent"})
    path = (
        "/" + re.search(r"http://[^\s]+/invitations/[^\s]+/", mail.outbox[0].body).group(0).split("/", 3)[3]
    )
    guest = client_for(hotline)

    weak = guest.post(
        path, {"with": "new", "new_username": "li.na", "full_name": "李娜", "new_password": "password1234"}
    )
    assert weak.status_code == 400
    made = guest.post(
        path,
        {"with": "new", "new_username": "li.na", "full_name": "李娜", "new_password": "Li-na-hotline-2026"},
    )

    assert made.status_code == 302
    assert Membership.objects.get(user__username="li.na", tenant=hotline).role == "hotline_agent"


def test_an_administrator_changes_a_role_and_it_is_recorded(hotline, admin_client, hotline_agent):
    membership = Membership.objects.get(user=hotline_agent, tenant=hotline)

    assert (
        admin_client.post(
            f"/administration/users/{membership.pk}/role/", {"role": "hotline_supervisor"}
        ).status_code
        == 302
    )
    membership.refresh_from_db()
    assert membership.role == "hotline_supervisor"
    event = AuthEvent.objects.get(kind="role.changed", user=hotline_agent)
    assert event.data == {"before": "hotline_agent", "after": "hotline_supervisor"}
    agent = client_for(hotline, person("other.agent", hotline, Role.HOTLINE_AGENT))
    assert (
        agent.post(f"/administration/users/{membership.pk}/role/", {"role": "hotline_admin"}).status_code
        == 403
    )


def test_dealers_administer_their_own_staff(network):
    junda = network["junda"]
    gm = client_for(junda, person("zhao.gm", junda, Role.GENERAL_MANAGER))
    advisor = person("zhou.sa", junda, Role.SERVICE_ADVISOR)
    membership = Membership.objects.get(user=advisor, tenant=junda)

    assert "zhou.sa" in gm.get("/administration/users/").content.decode()
    assert (
        gm.post(f"/administration/users/{membership.pk}/role/", {"role": "callback_specialist"}).status_code
        == 302
    )
    membership.refresh_from_db()
    assert membership.role == "callback_specialist"
    sent = gm.post("/administration/users/", {"email": "desk@example.cn", "role": "receptionist"})
    assert sent.status_code == 200
    assert mail.outbox
    wrong_type = gm.post("/administration/users/", {"email": "x@example.cn", "role": "hotline_admin"})
    assert wrong_type.status_code == 400


def test_a_foreign_administrator_reaches_no_membership_here(network, foreign_dealer, hotline):
    junda = network["junda"]
    advisor = person("zhou.sa", junda, Role.SERVICE_ADVISOR)
    membership = Membership.objects.get(user=advisor, tenant=junda)
    other_gm = client_for(foreign_dealer, person("xs.gm", foreign_dealer, Role.GENERAL_MANAGER))

    for path in (
        f"/administration/users/{membership.pk}/role/",
        f"/administration/users/{membership.pk}/revoke/",
    ):
        assert other_gm.post(path, {"role": "general_manager"}).status_code == 404
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == ("service_advisor", True)
