"""API fixtures: keys made through the real service, clients on a tenant's host."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from tenants.models import PartsCentre, Tenant
from tenants.services.api_keys import api_key_create

from ..conftest import host_of
from ..hotline.conftest import (  # noqa: F401  (fixtures used by the API tests)
    agent,
    dealer_actor,
    foreign_dealer,
    in_hotline,
    junda_gateway,
    network,
    parts_work_order,
)


def api_client(tenant: Tenant, secret: str | None = None, **headers: str) -> APIClient:
    client = APIClient(HTTP_HOST=host_of(tenant), **headers)
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", **headers)
    return client


def centre(manufacturer, code: str) -> PartsCentre:
    return PartsCentre.objects.get(manufacturer=manufacturer, code=code)


@pytest.fixture
def south_key(manufacturer, hotline) -> str:
    """The 华南 parts centre's write key (the centre serving 广州 and 深圳)."""
    return api_key_create(
        tenant=hotline, name="华南 WMS", scope="write", parts_centre=centre(manufacturer, "PC-GZ")
    ).secret


@pytest.fixture
def east_key(manufacturer, hotline) -> str:
    return api_key_create(
        tenant=hotline, name="华东 WMS", scope="write", parts_centre=centre(manufacturer, "PC-SH")
    ).secret


@pytest.fixture
def south_read_key(manufacturer, hotline) -> str:
    return api_key_create(
        tenant=hotline, name="华南 BI", scope="read", parts_centre=centre(manufacturer, "PC-GZ")
    ).secret


@pytest.fixture
def parts_request(parts_work_order, junda_gateway, dealer_actor, hotline):  # noqa: F811
    """A submitted request for the two lines of a parts work order routed to 广州骏达."""
    number = parts_work_order.number
    junda_gateway.act(
        "contact",
        "HQ",
        number,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="配件到货后通知车主进店",
    )
    junda_gateway.act("stock", "HQ", number, actor=dealer_actor, result="parts_centre")
    request = junda_gateway.act("parts", "HQ", number, actor=dealer_actor)
    connection.set_schema_to_public()
    return request


def in_schema(tenant: Tenant):
    return tenant_context(tenant)
