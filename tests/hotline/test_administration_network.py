"""The network screen: administrators add dealers, regions and parts centres, and re-assign regions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tenants.models import NetworkMembership, PartsCentre, Region, Role, Tenant
from tenants.services.provisioning import parts_centre_create, region_parts_centre_set

from ..conftest import client_for, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(hotline):
    return client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN))


DEALER = {
    "dealer-dealer_code": "HQ-GD-009",
    "dealer-slug": "fs-huanan",
    "dealer-name": "佛山华南4S店",
    "dealer-region": "SOUTH",
    "dealer-province": "广东",
    "dealer-city": "佛山",
}


def test_an_administrator_adds_a_dealer_who_then_has_a_portal(admin_client, manufacturer):
    response = admin_client.post("/administration/network/dealers/", DEALER)

    assert response.status_code == 302
    joined = NetworkMembership.objects.get(manufacturer=manufacturer, dealer_code="HQ-GD-009")
    assert (joined.dealer.slug, joined.region.code, joined.city) == ("fs-huanan", "SOUTH", "佛山")
    assert "佛山华南4S店" in admin_client.get("/administration/network/").content.decode()
    assert client_for(joined.dealer).get("/login/").status_code == 200


def test_a_bad_dealer_is_refused_field_by_field_and_nothing_is_created(admin_client, dealer):
    data = {**DEALER, "dealer-dealer_code": "HQ-GD-001", "dealer-slug": "Bad Slug!", "dealer-city": ""}
    response = admin_client.post("/administration/network/dealers/", data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    errors = response.context["dealer_form"].errors
    assert errors["dealer_code"] == ["Dealer code “HQ-GD-001” is already used in this network."]
    assert errors["city"] == ["This field is required."]
    assert "slug" in errors
    assert 'value="佛山华南4S店"' in response.content.decode()  # what was typed stays
    zh = admin_client.post("/administration/network/dealers/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    with translation.override("zh-hans"):
        required = translation.gettext("This field is required.")
    assert required != "This field is required."
    assert zh.context["dealer_form"].errors["city"] == [required]
    assert NetworkMembership.objects.count() == 1
    assert not Tenant.objects.filter(slug="fs-huanan").exists()


def test_regions_and_parts_centres_are_added_and_regions_change_centre(admin_client, manufacturer):
    assert (
        admin_client.post(
            "/administration/network/parts-centres/",
            {"centre-code": "PC-CD", "centre-name": "西南配件分中心", "centre-city": "成都"},
        ).status_code
        == 302
    )
    centre = PartsCentre.objects.get(manufacturer=manufacturer, code="PC-CD")
    assert (
        admin_client.post(
            "/administration/network/regions/",
            {
                "region-code": "WEST",
                "region-name": "西南大区",
                "region-parts_centre": centre.pk,
            },
        ).status_code
        == 302
    )
    assert Region.objects.get(manufacturer=manufacturer, code="WEST").parts_centre == centre

    south = Region.objects.get(manufacturer=manufacturer, code="SOUTH")
    moved = admin_client.post(
        f"/administration/network/regions/{south.pk}/parts-centre/", {f"r{south.pk}-parts_centre": centre.pk}
    )
    assert moved.status_code == 302
    south.refresh_from_db()
    assert south.parts_centre == centre


def test_bad_regions_and_centres_name_the_field_and_change_nothing(admin_client, manufacturer):
    dup = admin_client.post(
        "/administration/network/regions/",
        {"region-code": "SOUTH", "region-name": "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert dup.status_code == 400
    assert dup.context["region_form"].errors["code"] == ["Region “SOUTH” already exists."]
    bad = admin_client.post(
        "/administration/network/parts-centres/",
        {"centre-code": "-x", "centre-name": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400
    assert set(bad.context["centre_form"].errors) == {"code", "name"}
    south = Region.objects.get(manufacturer=manufacturer, code="SOUTH")
    empty = admin_client.post(
        f"/administration/network/regions/{south.pk}/parts-centre/",
        {f"r{south.pk}-parts_centre": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert empty.status_code == 400
    assert "Choose the parts centre that serves this region." in empty.content.decode()
    assert Region.objects.filter(manufacturer=manufacturer).count() == 2
    assert PartsCentre.objects.filter(manufacturer=manufacturer).count() == 2
    south.refresh_from_db()
    assert south.parts_centre.code == "PC-GZ"


def test_others_read_the_network_but_change_nothing(hotline, hotline_agent, manufacturer):
    agent = client_for(hotline, hotline_agent)
    south = Region.objects.get(manufacturer=manufacturer, code="SOUTH")
    east_centre = PartsCentre.objects.get(manufacturer=manufacturer, code="PC-SH")

    page = agent.get("/administration/network/")
    assert page.status_code == 200
    assert "华南大区" in page.content.decode()
    assert 'data-testid="dealer-form"' not in page.content.decode()
    assert agent.post("/administration/network/dealers/", DEALER).status_code == 403
    assert (
        agent.post("/administration/network/regions/", {"region-code": "W", "region-name": "w"}).status_code
        == 403
    )
    assert (
        agent.post(
            "/administration/network/parts-centres/", {"centre-code": "C", "centre-name": "c"}
        ).status_code
        == 403
    )
    assert (
        agent.post(
            f"/administration/network/regions/{south.pk}/parts-centre/",
            {f"r{south.pk}-parts_centre": east_centre.pk},
        ).status_code
        == 403
    )
    assert NetworkMembership.objects.count() == 0
    assert Region.objects.filter(manufacturer=manufacturer).count() == 2
    assert PartsCentre.objects.filter(manufacturer=manufacturer).count() == 2
    south.refresh_from_db()
    assert south.parts_centre.code == "PC-GZ"


def test_another_manufacturers_regions_and_centres_are_out_of_reach(
    other_manufacturer, admin_client, manufacturer
):
    foreign_region = Region.objects.get(manufacturer=other_manufacturer, code="SOUTH")
    foreign_centre = parts_centre_create(manufacturer=other_manufacturer, code="PC-DY", name="东岳配件")
    south = Region.objects.get(manufacturer=manufacturer, code="SOUTH")

    assert (
        admin_client.post(
            f"/administration/network/regions/{foreign_region.pk}/parts-centre/",
            {f"r{foreign_region.pk}-parts_centre": foreign_centre.pk},
        ).status_code
        == 404
    )
    wrong = admin_client.post(
        f"/administration/network/regions/{south.pk}/parts-centre/",
        {f"r{south.pk}-parts_centre": foreign_centre.pk},
    )
    assert wrong.status_code == 400
    page = admin_client.get("/administration/network/").content.decode()
    assert "东岳配件" not in page
    foreign_region.refresh_from_db()
    south.refresh_from_db()
    assert foreign_region.parts_centre is None
    assert south.parts_centre.code == "PC-GZ"


def test_a_region_is_served_only_by_its_own_makers_centre(manufacturer, other_manufacturer):
    south = Region.objects.get(manufacturer=manufacturer, code="SOUTH")
    foreign = parts_centre_create(manufacturer=other_manufacturer, code="PC-DY", name="东岳配件")

    with pytest.raises(ValidationError) as refused:
        region_parts_centre_set(manufacturer=manufacturer, region=south, parts_centre=foreign)
    assert "parts_centre" in refused.value.message_dict
    with pytest.raises(ValidationError) as other:
        region_parts_centre_set(manufacturer=other_manufacturer, region=south, parts_centre=foreign)
    assert "region" in other.value.message_dict
    south.refresh_from_db()
    assert south.parts_centre.code == "PC-GZ"
