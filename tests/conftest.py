"""Fixtures named after the domain, set up through the real services.

The test database is real PostgreSQL: the public schema is migrated by
pytest-django, the per-type template schemas once per session, and every
tenant a test creates (a cloned schema) disappears with the test's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from tenants.models import Manufacturer, NetworkMembership, Role, Tenant, User
from tenants.services.provisioning import (
    DealerSpec,
    dealer_provision,
    manufacturer_create,
    membership_grant,
    parts_centre_create,
    region_create,
    user_create,
)
from tenants.services.schemas import public_tenant_ensure, templates_migrate

PASSWORD = "Tested-pass-2026"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        templates_migrate()
        public_tenant_ensure()


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    cache.clear()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def manufacturer(db) -> Manufacturer:
    """华骐 with two regions, each served by its own parts centre."""
    m = manufacturer_create(code="HQ", name="华骐汽车", slug="huaqi", work_order_prefix="HQ")
    south = parts_centre_create(manufacturer=m, code="PC-GZ", name="华南配件分中心")
    east = parts_centre_create(manufacturer=m, code="PC-SH", name="华东配件分中心")
    region_create(manufacturer=m, code="SOUTH", name="华南大区", parts_centre=south)
    region_create(manufacturer=m, code="EAST", name="华东大区", parts_centre=east)
    return m


@pytest.fixture
def hotline(manufacturer: Manufacturer) -> Tenant:
    return manufacturer.hotline


@pytest.fixture
def other_manufacturer(db) -> Manufacturer:
    m = manufacturer_create(code="DY", name="东岳汽车", slug="dongyue", work_order_prefix="DY")
    region_create(manufacturer=m, code="SOUTH", name="华南大区")
    return m


def join(
    manufacturer: Manufacturer,
    slug: str,
    code: str,
    *,
    region: str = "SOUTH",
    city: str = "广州",
    name: str | None = None,
) -> NetworkMembership:
    return dealer_provision(
        DealerSpec(
            manufacturer=manufacturer.code,
            dealer_code=code,
            slug=slug,
            name=name or f"{slug} 4S店",
            region=region,
            province="广东",
            city=city,
        )
    )


@pytest.fixture
def dealer(manufacturer: Manufacturer) -> Tenant:
    return join(manufacturer, "gz-junda", "HQ-GD-001").dealer


@pytest.fixture
def other_dealer(manufacturer: Manufacturer) -> Tenant:
    return join(manufacturer, "sz-pengcheng", "HQ-GD-002", city="深圳").dealer


def person(username: str, tenant: Tenant | None = None, role: str | None = None) -> User:
    user = user_create(username=username, password=PASSWORD, full_name=username)
    if tenant is not None and role is not None:
        membership_grant(user=user, tenant=tenant, role=role)
    return user


@pytest.fixture
def hotline_agent(hotline: Tenant) -> User:
    return person("agent", hotline, Role.HOTLINE_AGENT)


@pytest.fixture
def dealer_user(dealer: Tenant) -> User:
    return person("crm", dealer, Role.DEALER_CRM_MANAGER)


def host_of(tenant: Tenant) -> str:
    return tenant.domains.get(is_primary=True).domain


def client_for(tenant: Tenant, user: User | None = None) -> Client:
    """A browser on the tenant's host, signed in as ``user`` there when given."""
    client = Client(HTTP_HOST=host_of(tenant))
    if user is not None:
        response = client.post("/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, "sign-in failed"
    return client


@pytest.fixture
def committed_tenants(transactional_db) -> Iterator[None]:
    """For tests whose data must be committed (other threads or processes read it).

    Flushing empties the public tables but leaves schemas behind; drop the
    tenants' schemas and restore the platform tenant so later tests start clean.
    """
    public_tenant_ensure()
    yield
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM tenants_tenant WHERE schema_name <> 'public'")
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def platform(db) -> Tenant:
    return public_tenant_ensure()
