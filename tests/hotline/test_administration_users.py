"""Revoking a person's membership of the hotline from the users screen."""

from __future__ import annotations

import pytest

from tenants.models import Membership, Role

from ..conftest import PASSWORD, client_for, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(hotline):
    return person("hq.admin", hotline, Role.HOTLINE_ADMIN)


def test_a_revoked_person_can_no_longer_open_the_hotline(hotline, admin, hotline_agent):
    client = client_for(hotline, admin)
    agent = client_for(hotline, hotline_agent)
    membership = Membership.objects.get(user=hotline_agent, tenant=hotline)
    url = f"/administration/users/{membership.pk}/revoke/"
    assert agent.get("/work-orders/").status_code == 200

    assert "agent" in client.get(url).content.decode()  # asks first
    assert client.post(url).status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False
    assert agent.get("/work-orders/").status_code == 404  # the host no longer knows them
    # An invitation, taken with the person's own account, brings them back.
    sent = client.post("/administration/users/", {"email": "li.na@example.cn", "role": "hotline_agent"})
    assert sent.status_code == 200
    link = sent.context["sent"].url.split("://", 1)[1].split("/", 1)[1]
    taken = client_for(hotline).post(
        f"/{link}", {"with": "existing", "username": "agent", "password": PASSWORD}
    )
    assert taken.status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is True


def test_an_administrator_cannot_revoke_their_own_membership(hotline, admin):
    client = client_for(hotline, admin)
    own = Membership.objects.get(user=admin, tenant=hotline)

    page = client.post(f"/administration/users/{own.pk}/revoke/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "You cannot revoke your own membership" in page.content.decode()
    own.refresh_from_db()
    assert own.is_active is True


def test_others_cannot_revoke_and_foreign_memberships_are_out_of_reach(
    hotline, admin, hotline_agent, other_manufacturer, dealer_user
):
    agent = client_for(hotline, hotline_agent)
    admins = Membership.objects.get(user=admin, tenant=hotline)
    assert agent.post(f"/administration/users/{admins.pk}/revoke/").status_code == 403
    admins.refresh_from_db()
    assert admins.is_active is True

    foreign = person("dy.agent", other_manufacturer.hotline, Role.HOTLINE_AGENT)
    foreign_membership = Membership.objects.get(user=foreign)
    dealer_membership = Membership.objects.get(user=dealer_user)
    client = client_for(hotline, admin)
    for membership in (foreign_membership, dealer_membership):
        assert client.get(f"/administration/users/{membership.pk}/revoke/").status_code == 404
        assert client.post(f"/administration/users/{membership.pk}/revoke/").status_code == 404
        membership.refresh_from_db()
        assert membership.is_active is True


def test_an_administrator_invites_parts_centre_staff_for_one_of_the_makers_centres(
    hotline, admin, manufacturer, other_manufacturer
):
    from tenants.models import Invitation, PartsCentre
    from tenants.services.provisioning import parts_centre_create

    client = client_for(hotline, admin)
    south = PartsCentre.objects.get(manufacturer=manufacturer, code="PC-GZ")
    far = parts_centre_create(manufacturer=other_manufacturer, code="PC-CS", name="东岳长沙配件库")
    page = client.get("/administration/users/").content.decode()
    assert "华南配件分中心" in page
    assert "东岳长沙配件库" not in page

    invite = {"email": "han.mei@example.cn", "role": "parts_centre_staff"}
    for centre in ("", str(far.pk), "x"):
        refused = client.post(
            "/administration/users/", {**invite, "parts_centre": centre}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert refused.status_code == 400
        assert refused.context["form"].errors["parts_centre"]
    agent_with_centre = {"email": "li@example.cn", "role": "hotline_agent", "parts_centre": str(south.pk)}
    assert client.post("/administration/users/", agent_with_centre).status_code == 400
    assert not Invitation.objects.exists()

    sent = client.post("/administration/users/", {**invite, "parts_centre": str(south.pk)})
    assert sent.status_code == 200
    link = sent.context["sent"].url.split("://", 1)[1].split("/", 1)[1]
    opened = client_for(hotline).get(f"/{link}")
    assert "华南配件分中心" in opened.content.decode()
    taken = client_for(hotline).post(
        f"/{link}",
        {"with": "new", "new_username": "han.mei", "full_name": "韩梅", "new_password": PASSWORD},
    )
    assert taken.status_code == 302
    membership = Membership.objects.get(user__username="han.mei")
    assert (membership.tenant, membership.role, membership.parts_centre) == (
        hotline,
        "parts_centre_staff",
        south,
    )
    listing = client.get("/administration/users/").content.decode()
    assert 'data-testid="member-centre">华南配件分中心' in listing

    # Their role is not changed into another one here (nor anyone's into theirs): revoke and invite.
    changed = client.post(f"/administration/users/{membership.pk}/role/", {"role": "hotline_admin"})
    assert changed.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "parts_centre_staff"
    agent = Membership.objects.get(user=person("agent2", hotline, Role.HOTLINE_AGENT))
    client.post(f"/administration/users/{agent.pk}/role/", {"role": "parts_centre_staff"})
    agent.refresh_from_db()
    assert agent.role == "hotline_agent"
