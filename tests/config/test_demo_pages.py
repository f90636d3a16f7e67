"""Every portal page renders for the demo's work orders, in every state, in both languages."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_tenants.utils import tenant_context

from config.demo import DEMO_PASSWORD, demo_totp_key
from hotline.models import WorkOrder
from parts_tickets.models import PartsRequest
from tenants.models import Manufacturer, PartsCentre, Tenant

from ..conftest import host_of

pytestmark = pytest.mark.django_db


def signed_in(tenant: Tenant, username: str, language: str) -> Client:
    """Signed in as a demo login, with its demo authenticator's current code where asked."""
    client = Client(HTTP_HOST=host_of(tenant), HTTP_ACCEPT_LANGUAGE=language)
    response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    if response["Location"] == "/login/verify/":
        code = totp(bytes.fromhex(demo_totp_key(username)))
        response = client.post("/login/verify/", {"code": f"{code:06d}"})
        assert response.status_code == 302
    assert not response["Location"].startswith("/login/")
    return client


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_of_the_demo_renders(language):
    call_command("load_demo")
    huaqi = Manufacturer.objects.get(code="HQ")
    with tenant_context(huaqi.hotline):
        work_orders = list(WorkOrder.objects.values_list("number", "state", "dealer_id"))
    connection.set_schema_to_public()
    assert len({state for _n, state, _d in work_orders}) >= 4

    for username in ("hq.agent", "hq.supervisor", "hq.admin"):
        hotline = signed_in(huaqi.hotline, username, language)
        for path in (
            "/",
            "/work-orders/",
            "/work-orders/?state=all",
            "/work-orders/new/",
            "/queues/",
            "/kpis/",
            "/kpis/?group=week",
            "/kpis/?group=month",
            "/kpis/?group=region",
            "/kpis/?group=category",
            "/notifications/",
            "/administration/",
            "/administration/calendar/",
            "/administration/sms/",
            "/administration/users/",
            "/administration/network/",
            "/switch/",
        ):
            assert hotline.get(path).status_code == 200, (username, path)
        for number, _state, _dealer in work_orders:
            assert hotline.get(f"/work-orders/{number}/").status_code == 200, number

    # The 华南 parts centre's clerk: its queue in every state, each of its requests, nothing else.
    centre = signed_in(huaqi.hotline, "hq.pc-gz", language)
    with tenant_context(huaqi.hotline):
        requests = list(PartsRequest.objects.values_list("number", "parts_centre_id"))
    connection.set_schema_to_public()
    south = PartsCentre.objects.get(manufacturer=huaqi, code="PC-GZ").pk
    assert any(centre_id == south for _n, centre_id in requests)
    for path in ("/parts-centre/", "/parts-centre/?state=all", "/parts-centre/?state=shipped", "/switch/"):
        assert centre.get(path).status_code == 200, path
    for number, centre_id in requests:
        expected = 200 if centre_id == south else 404
        assert centre.get(f"/parts-centre/{number}/").status_code == expected, number
    assert centre.get("/work-orders/").status_code == 403

    dealers = {dealer_id for _n, _s, dealer_id in work_orders}
    for dealer in Tenant.objects.filter(pk__in=dealers):
        staff = (
            dealer.memberships.filter(is_active=True, role="dealer_crm_manager")
            .select_related("user")
            .first()
        )
        client = signed_in(dealer, staff.user.username, language)
        for path in (
            "/",
            "/work-orders/",
            "/work-orders/?closed=on",
            "/work-orders/?mine=on",
            "/kpis/",
            "/notifications/",
        ):
            assert client.get(path).status_code == 200, (dealer.slug, path)
        for number, _state, dealer_id in work_orders:
            expected = 200 if dealer_id == dealer.pk else 404
            assert client.get(f"/work-orders/HQ/{number}/").status_code == expected, (dealer.slug, number)
