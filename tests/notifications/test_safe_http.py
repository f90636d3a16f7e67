"""Webhooks never reach into the platform's own network, and their log tells a tenant nothing
about it; hotline administrators manage them in the portal and over the API."""

from __future__ import annotations

import ipaddress
import json
import socket

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from hotline.services.work_orders import work_order_create
from live.relay import relay_everywhere
from notifications import safe_http
from notifications.models import WebhookDelivery, WebhookEndpoint
from notifications.webhooks import webhook_endpoint_create
from tenants.models import Role

from ..conftest import api_session, client_for, parts_intake, person, work_outbound
from .test_webhooks import Receiver

pytestmark = pytest.mark.django_db

INTERNAL = [
    "127.0.0.1",
    "127.8.8.8",
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104
    "224.0.0.1",
    "240.0.0.1",
    "::1",
    "fe80::1",
    "fc00::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::",  # 6to4 around 127.0.0.1
]


@pytest.fixture
def no_exemptions(settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = []


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_refused(no_exemptions, address):
    assert not safe_http.address_allowed(ipaddress.ip_address(address))


def test_public_addresses_are_allowed(no_exemptions):
    for address in ("203.0.114.10", "8.8.8.8", "2400:3200::1"):
        assert safe_http.address_allowed(ipaddress.ip_address(address)), address


def test_an_endpoint_on_an_internal_address_is_refused_when_made(no_exemptions, hotline):
    with tenant_context(hotline):
        for url in ("http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/x"):
            with pytest.raises(ValidationError) as caught:
                webhook_endpoint_create(url=url)
            assert "url" in caught.value.message_dict
        assert not WebhookEndpoint.objects.exists()


def answers(names: dict[str, list[str]]):
    """A resolver that answers ``names`` in turn (the next answer each time: rebinding)."""
    calls = {name: list(addresses) for name, addresses in names.items()}

    def getaddrinfo(host, port, *args, **kwargs):
        try:  # an address stays itself (the socket library asks too, when connecting)
            ipaddress.ip_address(host)
            calls[host] = [host]
        except ValueError:
            pass
        if not calls.get(host):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        address = calls[host].pop(0) if len(calls[host]) > 1 else calls[host][0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return getaddrinfo


def test_a_name_that_rebinds_to_an_internal_address_is_refused_at_delivery(
    settings, monkeypatch, hotline, manufacturer, network, agent
):
    """Checked at creation as public, the name later answers 127.0.0.1: the delivery refuses and
    connects nowhere; the log says only that the address is not allowed."""
    receiver = Receiver()
    try:
        port = receiver.server.server_address[1]
        monkeypatch.setattr(
            socket, "getaddrinfo", answers({"hooks.example.cn": ["203.0.114.10", "127.0.0.1", "127.0.0.1"]})
        )
        settings.WEBHOOKS_ALLOWED_NETWORKS = []
        with tenant_context(hotline):
            webhook_endpoint_create(url=f"http://hooks.example.cn:{port}/hook")
            work_order_create(
                manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
            )
        relay_everywhere()
        work_outbound()
        with tenant_context(hotline):
            errors = set(WebhookDelivery.objects.filter(attempts__gt=0).values_list("last_error", flat=True))
    finally:
        receiver.close()
    assert receiver.requests == []
    assert errors == {safe_http.REFUSED}


def test_the_log_keeps_no_internal_detail(settings, monkeypatch):
    """An internal address, a closed port, an unknown name: a few plain words, no address, port
    or system message a tenant could map the network with."""
    closed = safe_http.post("http://127.0.0.1:9/x", b"{}", {}, timeout=1)  # exempted in tests
    monkeypatch.setattr(socket, "getaddrinfo", answers({}))
    unknown = safe_http.post("http://unknown.example.cn/x", b"{}", {}, timeout=1)
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    internal = safe_http.post("http://127.0.0.1:9/x", b"{}", {}, timeout=1)

    assert (closed.error, unknown.error, internal.error) == (
        safe_http.UNREACHABLE,
        safe_http.UNREACHABLE,
        safe_http.REFUSED,
    )


def test_the_checked_address_is_the_one_connected_to(settings, monkeypatch):
    """Resolved once: the connection goes to that address, with the name in the Host header."""
    receiver = Receiver()
    try:
        port = receiver.server.server_address[1]
        monkeypatch.setattr(socket, "getaddrinfo", answers({"hooks.example.cn": ["127.0.0.1", "10.9.9.9"]}))
        answer = safe_http.post(f"http://hooks.example.cn:{port}/hook", b"{}", {"X-T": "1"}, timeout=2)
    finally:
        receiver.close()
    assert answer.status == 204
    assert receiver.requests[0]["headers"]["Host"] == f"hooks.example.cn:{port}"


def test_administrators_manage_webhooks_in_the_portal(hotline, hotline_agent):
    admin = client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN))
    receiver = Receiver()
    try:
        made = admin.post(
            "/administration/webhooks/",
            {"url": receiver.url, "description": "CRM", "event_kinds": ["work_order.dispatched"]},
        )
        assert made.status_code == 200
        secret = made.context["secret"]
        with tenant_context(hotline):
            endpoint = WebhookEndpoint.objects.get()
        assert endpoint.secret == secret
        tested = admin.post(f"/administration/webhooks/{endpoint.pk}/test/")
        assert tested.status_code == 302
        rotated = admin.post(f"/administration/webhooks/{endpoint.pk}/rotate/")
        assert rotated.context["secret"] != secret
        log = admin.get(f"/administration/webhooks/{endpoint.pk}/")
    finally:
        receiver.close()
    assert json.loads(receiver.requests[0]["body"])["kind"] == "webhook.test"
    assert "webhook.test" in log.content.decode()
    agent = client_for(hotline, hotline_agent)
    assert agent.post("/administration/webhooks/", {"url": "https://x.example.cn/"}).status_code == 403
    assert agent.post(f"/administration/webhooks/{endpoint.pk}/rotate/").status_code == 403


def test_administrators_manage_webhooks_over_the_api(hotline, other_manufacturer):
    admin = api_session(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN))
    made = admin.post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.cn/in", "event_kinds": ["work_order.closed"]},
        format="json",
    )
    assert made.status_code == 201
    endpoint = made.json()
    assert len(endpoint["secret"]) == 64
    changed = admin.patch(f"/api/v1/webhooks/{endpoint['id']}/", {"is_active": False}, format="json")
    assert changed.json()["is_active"] is False
    bad = admin.post(
        "/api/v1/webhooks/", {"url": "http://169.254.169.254/", "event_kinds": ["nope"]}, format="json"
    )
    assert bad.status_code == 400
    assert "event_kinds" in str(bad.json()["errors"])
    assert admin.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/").json() == []

    foreign = api_session(
        other_manufacturer.hotline, person("dy.admin", other_manufacturer.hotline, Role.HOTLINE_ADMIN)
    )
    assert foreign.get(f"/api/v1/webhooks/{endpoint['id']}/").status_code == 404
    assert foreign.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret/").status_code == 404
