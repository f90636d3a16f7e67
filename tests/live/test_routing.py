"""WebSocket handshakes resolve the tenant from the Host header and admit members only."""

from __future__ import annotations

import asyncio
import time

from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY

from live.routing import ADMISSIONS_AT_ONCE, websocket_application
from tenants.models import Role
from tenants.selectors import LAST_SEEN, SIGNED_IN_AT, sessions_alive
from tenants.services.schemas import public_tenant_ensure

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


def signed_in(tenant, user) -> tuple[str, SessionStore]:
    """The ``Cookie`` header of the person's session on the tenant's host, and that session."""
    key = client_for(tenant, user).cookies["sessionid"].value
    return f"sessionid={key}", SessionStore(key)


def test_the_gate_admits_a_member_whose_session_is_whole_and_refuses_it_once_any_part_is_not(
    committed_tenants, manufacturer, settings
):
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    # The CRM manager's role needs a second factor: the sign-in asked for one.
    user = person("crm", dealer, "dealer_crm_manager")
    live = {"path": "/ws/live/"}

    cookie, session = signed_in(dealer, user)
    assert handshake(host_of(dealer), cookie, **live) == (True, None)
    # The same session without the second factor it gave.
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    assert handshake(host_of(dealer), cookie, **live) == (False, 4404)

    # Idle past the limit, or older than the session's whole age.
    limits = {LAST_SEEN: settings.SESSION_IDLE_SECONDS, SIGNED_IN_AT: settings.SESSION_COOKIE_AGE}
    for mark, age in limits.items():
        cookie, session = signed_in(dealer, user)
        session[mark] = time.time() - age - 60
        session.save()
        assert handshake(host_of(dealer), cookie, **live) == (False, 4404)

    # Another password since this session signed in.
    cookie, _session = signed_in(dealer, user)
    user.set_password("Another-2026-pass")
    user.save()
    assert handshake(host_of(dealer), cookie, **live) == (False, 4404)


def test_the_socket_is_on_one_address_of_an_allowed_hotline_or_dealer_host_only(
    committed_tenants, manufacturer, settings
):
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    cookie, _session = signed_in(dealer, person("advisor", dealer, "service_advisor"))
    assert handshake(host_of(dealer), cookie, path="/ws/live/") == (True, None)

    assert handshake(host_of(dealer), cookie, path="/ws/live/other/") == (False, 4404)
    # The platform's own host serves no live socket, even to its operators.
    platform = public_tenant_ensure()
    operator_cookie, _session = signed_in(platform, person("operator", platform, Role.PLATFORM_OPERATOR))
    assert handshake(host_of(platform), operator_cookie, path="/ws/live/") == (False, 4404)
    # A host the deployment does not serve, though a tenant's domain names it.
    settings.ALLOWED_HOSTS = ["elsewhere.example"]
    assert handshake(host_of(dealer), cookie, path="/ws/live/") == (False, 4404)


def test_handshakes_arriving_at_once_each_get_their_own_answer(committed_tenants, manufacturer):
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    other = join(manufacturer, "sz-pengcheng", "HQ-GD-002").dealer
    members = [signed_in(dealer, person(f"sa{n}", dealer, "service_advisor"))[0] for n in range(3)]
    foreign = signed_in(other, person("crm", other, "service_advisor"))[0]
    # Three times as many as are checked at once: members, a foreign session, no session at all.
    cookies = [*members, foreign, ""] * ADMISSIONS_AT_ONCE
    host = host_of(dealer)

    async def attempt(cookie: str) -> tuple[bool, int | None]:
        headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(websocket_application, "/ws/live/", headers=headers)
        answer = await communicator.connect(timeout=20)
        await communicator.disconnect()
        return answer

    async def storm() -> list[tuple[bool, int | None]]:
        return await asyncio.gather(*(attempt(cookie) for cookie in cookies))

    answers = async_to_sync(storm)()
    expected = [(True, None)] * 3 + [(False, 4404)] * 2
    assert answers == expected * ADMISSIONS_AT_ONCE


def test_a_new_secret_key_keeps_sockets_of_sessions_signed_under_the_key_it_replaces(
    committed_tenants, manufacturer, settings
):
    """While a new ``SECRET_KEY`` is rolled out with the old one among the fallbacks, a
    session signed under the old key opens its socket and the sweep keeps it, and the session
    is still there under its own key for the person's next page (which moves it to the new
    key); once the old key is dropped, neither."""
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    user = person("advisor", dealer, "service_advisor")
    live = {"path": "/ws/live/"}
    cookie, session = signed_in(dealer, user)
    key = session.session_key

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-for-this-test-only-not-secret"
    assert handshake(host_of(dealer), cookie, **live) == (True, None)
    assert sessions_alive([key]) == {key}
    assert SessionStore().exists(key)
    page = client_for(dealer)
    page.cookies["sessionid"] = key
    assert page.get("/").status_code == 200  # still signed in

    settings.SECRET_KEY_FALLBACKS = []
    cookie, session = signed_in(dealer, user)
    settings.SECRET_KEY = "yet-another-key-for-this-test-only-not-secret"
    assert handshake(host_of(dealer), cookie, **live) == (False, 4404)
    assert sessions_alive([session.session_key]) == set()
