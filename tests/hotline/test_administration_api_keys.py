"""API keys on the hotline's administration: made and shown once, listed by prefix, revoked."""

from __future__ import annotations

import pytest

from tenants.models import ApiKey, Role
from tenants.services.api_keys import api_key_create, api_key_for

from ..conftest import client_for, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(hotline):
    return client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN))


def test_a_key_is_shown_once_and_then_only_by_its_prefix(admin_client, hotline, manufacturer):
    centre = manufacturer.parts_centres.get(code="PC-GZ")
    made = admin_client.post(
        "/administration/api-keys/",
        {"name": "华南配件系统", "kind": "parts_centre", "parts_centre": centre.pk, "scope": "write"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert made.status_code == 200
    secret = made.context["issued"].secret
    assert "it will not be shown again" in made.content.decode()
    assert secret in made.content.decode()
    key = api_key_for(secret, hotline)
    assert key is not None
    assert key.parts_centre == centre
    assert key.scope == "write"

    listing = admin_client.get("/administration/api-keys/").content.decode()
    assert key.prefix in listing
    assert "华南配件系统" in listing
    assert secret not in listing


def test_a_bad_key_form_names_the_field_keeps_the_input_and_makes_nothing(admin_client):
    response = admin_client.post(
        "/administration/api-keys/",
        {"name": "ERP", "kind": "parts_centre", "parts_centre": "", "scope": "read"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.context["form"].errors["parts_centre"] == ["Choose the parts centre this key is for."]
    assert 'value="ERP"' in response.content.decode()
    unnamed = admin_client.post(
        "/administration/api-keys/",
        {"name": " ", "kind": "integration", "scope": "read"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert unnamed.status_code == 400
    assert unnamed.context["form"].errors["name"] == ["请以将使用该密钥的系统为其命名。"]
    assert not ApiKey.objects.exists()


def test_revoking_asks_first_then_the_key_stops_working(admin_client, hotline):
    issued = api_key_create(tenant=hotline, name="CRM", scope="read")
    url = f"/administration/api-keys/{issued.api_key.pk}/revoke/"

    assert admin_client.get(url).status_code == 200  # the question
    assert api_key_for(issued.secret, hotline) is not None
    assert admin_client.post(url).status_code == 302
    assert api_key_for(issued.secret, hotline) is None
    assert ApiKey.objects.get(pk=issued.api_key.pk).revoked_at is not None


def test_others_read_but_cannot_make_or_revoke_keys(hotline, hotline_agent):
    issued = api_key_create(tenant=hotline, name="CRM", scope="read")
    agent = client_for(hotline, hotline_agent)

    assert issued.api_key.prefix in agent.get("/administration/api-keys/").content.decode()
    assert (
        agent.post(
            "/administration/api-keys/", {"name": "x", "kind": "integration", "scope": "write"}
        ).status_code
        == 403
    )
    assert agent.post(f"/administration/api-keys/{issued.api_key.pk}/revoke/").status_code == 403
    assert ApiKey.objects.count() == 1
    assert api_key_for(issued.secret, hotline) is not None


def test_another_manufacturers_key_and_centre_are_out_of_reach(other_manufacturer, admin_client):
    from tenants.services.provisioning import parts_centre_create

    foreign = api_key_create(tenant=other_manufacturer.hotline, name="DY", scope="read")
    centre = parts_centre_create(manufacturer=other_manufacturer, code="PC-DY", name="东岳配件")

    assert admin_client.get(f"/administration/api-keys/{foreign.api_key.pk}/revoke/").status_code == 404
    assert admin_client.post(f"/administration/api-keys/{foreign.api_key.pk}/revoke/").status_code == 404
    assert api_key_for(foreign.secret, other_manufacturer.hotline) is not None
    assert foreign.api_key.prefix not in admin_client.get("/administration/api-keys/").content.decode()
    refused = admin_client.post(
        "/administration/api-keys/",
        {"name": "x", "kind": "parts_centre", "parts_centre": centre.pk, "scope": "read"},
    )
    assert refused.status_code == 400
    assert "parts_centre" in refused.context["form"].errors
    assert ApiKey.objects.count() == 1
