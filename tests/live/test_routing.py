"""WebSocket handshakes resolve the tenant from the Host header and admit members only."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from live.routing import websocket_application

from ..conftest import client_for, host_of, join, person


def handshake(
    host: str, cookie: str = "", origin: str | None = None, path: str = "/ws/board/"
) -> tuple[bool, int | None]:
    async def attempt() -> tuple[bool, int | None]:
        headers = [(b"host", host.encode()), (b"origin", f"http://{origin or host}".encode())]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(websocket_application, path, headers=headers)
        connected, code = await communicator.connect(timeout=5)
        await communicator.disconnect()
        return connected, code

    return async_to_sync(attempt)()


def test_unknown_host_is_refused(committed_tenants):
    assert handshake("nobody.localhost") == (False, 4404)


def test_anonymous_and_foreign_sessions_are_refused(committed_tenants, manufacturer):
    first = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    second = join(manufacturer, "sz-pengcheng", "HQ-GD-002").dealer
    user = person("crm", first, "dealer_crm_manager")
    cookie = f"sessionid={client_for(first, user).cookies['sessionid'].value}"

    assert handshake(host_of(first)) == (False, 4404)
    # The member's own session, replayed on another dealer's host.
    assert handshake(host_of(second), cookie) == (False, 4404)


def test_a_page_on_another_tenants_host_cannot_open_this_tenants_socket(committed_tenants, manufacturer):
    first = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    second = join(manufacturer, "sz-pengcheng", "HQ-GD-002").dealer
    user = person("crm", first, "dealer_crm_manager")
    cookie = f"sessionid={client_for(first, user).cookies['sessionid'].value}"

    assert handshake(host_of(first), cookie, origin=host_of(second)) == (False, 4404)


def test_a_page_on_another_port_of_the_same_host_cannot_open_the_socket(committed_tenants, manufacturer):
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    user = person("crm", dealer, "service_advisor")
    cookie = f"sessionid={client_for(dealer, user).cookies['sessionid'].value}"

    # Another service on the same name (port 8081) is another origin.
    assert handshake(host_of(dealer), cookie, origin=f"{host_of(dealer)}:8081") == (False, 4404)
    assert handshake(f"{host_of(dealer)}:8000", cookie, origin=f"{host_of(dealer)}:8001") == (False, 4404)
    same = handshake(f"{host_of(dealer)}:8000", cookie, origin=f"{host_of(dealer)}:8000", path="/ws/live/")
    assert same[0] is True
