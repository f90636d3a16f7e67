"""Manufacturers and dealers are created whole from their type's template, or not at all."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tenants.models import Domain, Manufacturer, NetworkMembership, Tenant
from tenants.services.provisioning import DealerSpec, dealer_provision, manufacturer_create
from tenants.services.schemas import template_schemas

from ..conftest import join

pytestmark = pytest.mark.django_db


def tables_of(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def schema_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}


def test_each_type_gets_only_its_own_tables(hotline, dealer):
    hotline_tables = tables_of(hotline.schema_name)
    dealer_tables = tables_of(dealer.schema_name)

    assert {"hotline_owner", "hotline_vehicle", "django_migrations"} <= hotline_tables
    assert not any(t.startswith("hotline_") for t in dealer_tables)
    assert not any(t.startswith(("auth_", "django_session", "tenants_")) for t in hotline_tables)
    assert tables_of(hotline.schema_name) == tables_of(template_schemas()["hotline"])
    assert tables_of(dealer.schema_name) == tables_of(template_schemas()["dealer"])


def test_templates_hold_no_users_and_no_rows_but_their_migration_records(db):
    for schema in template_schemas().values():
        with connection.cursor() as cursor:
            for table in tables_of(schema) - {"django_migrations"}:
                cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # noqa: S608
                assert cursor.fetchone()[0] == 0, f"{schema}.{table} has rows"
            cursor.execute(f'SELECT count(*) FROM "{schema}".django_migrations')  # noqa: S608
            assert cursor.fetchone()[0] > 0
        assert not any("user" in t or "membership" in t for t in tables_of(schema))


def test_new_tenant_carries_its_templates_migration_records(dealer):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{dealer.schema_name}".django_migrations')  # noqa: S608
        cloned = set(cursor.fetchall())
        cursor.execute('SELECT app, name FROM "template_dealer".django_migrations')
        assert cloned == set(cursor.fetchall())


def test_manufacturer_gets_a_hotline_host(manufacturer):
    assert manufacturer.hotline.type == "hotline"
    assert Domain.objects.get(tenant=manufacturer.hotline).domain == "huaqi.localhost"


def test_one_dealer_in_two_networks_is_one_tenant(manufacturer, other_manufacturer):
    first = join(manufacturer, "gz-junda", "HQ-GD-001")
    second = join(other_manufacturer, "gz-junda", "DY-GD-008")

    assert first.dealer == second.dealer
    assert Tenant.objects.filter(slug="gz-junda").count() == 1
    assert set(first.dealer.networks.values_list("manufacturer__code", flat=True)) == {"HQ", "DY"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "Bad_Slug"}, "slug"),
        ({"slug": "-x"}, "slug"),
        ({"slug": "www"}, "slug"),
        ({"slug": "template-dealer"}, "slug"),
        ({"dealer_code": "HQ-GD-001"}, "dealer_code"),  # taken in this network
        ({"region": "NORTH"}, "region"),
        ({"manufacturer": "XX"}, "manufacturer"),
        ({"city": ""}, "city"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_bad_dealer_input_names_the_field_and_creates_nothing(dealer, changes, field):
    spec = {
        "manufacturer": "HQ",
        "dealer_code": "HQ-GD-009",
        "slug": "fs-chancheng",
        "name": "佛山禅城4S店",
        "region": "SOUTH",
        "province": "广东",
        "city": "佛山",
        **changes,
    }
    before = (Tenant.objects.count(), NetworkMembership.objects.count(), schema_names())

    with pytest.raises(ValidationError) as caught:
        dealer_provision(DealerSpec(**spec))

    assert field in caught.value.message_dict
    assert (Tenant.objects.count(), NetworkMembership.objects.count(), schema_names()) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "HQ"}, "code"),
        ({"slug": "huaqi"}, "slug"),
        ({"slug": "a b"}, "slug"),
        ({"work_order_prefix": "hq1"}, "work_order_prefix"),
        ({"domains": ["bad domain!"]}, "domain"),
        ({"domains": ["huaqi.localhost"]}, "domain"),
    ],
)
def test_bad_manufacturer_input_names_the_field_and_creates_nothing(manufacturer, changes, field):
    spec = {"code": "DY", "name": "东岳汽车", "slug": "dongyue", "work_order_prefix": "DY", **changes}
    before = (Manufacturer.objects.count(), Tenant.objects.count(), schema_names())

    with pytest.raises(ValidationError) as caught:
        manufacturer_create(**spec)

    assert field in caught.value.message_dict
    assert (Manufacturer.objects.count(), Tenant.objects.count(), schema_names()) == before


def test_a_failure_after_the_schema_exists_rolls_the_schema_back(manufacturer, monkeypatch):
    """The clone and the rows commit together: a late failure leaves no orphan schema."""
    before = schema_names()

    def explode(*args, **kwargs):
        raise RuntimeError("network place could not be saved")

    monkeypatch.setattr(NetworkMembership.objects, "create", explode)
    with pytest.raises(RuntimeError):
        join(manufacturer, "gz-junda", "HQ-GD-001")

    assert schema_names() == before
    assert not Tenant.objects.filter(slug="gz-junda").exists()


def test_a_deleted_tenants_schema_is_never_adopted(manufacturer):
    """The schema of a deleted dealer stays behind; a new dealer of that slug is refused."""
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    NetworkMembership.objects.filter(dealer=dealer).delete()
    dealer.domains.all().delete()
    dealer.delete()  # auto_drop_schema is off: gz_junda remains with its rows

    with pytest.raises(ValidationError) as caught:
        join(manufacturer, "gz-junda", "HQ-GD-009")

    assert "slug" in caught.value.message_dict
    assert not Tenant.objects.filter(slug="gz-junda").exists()
