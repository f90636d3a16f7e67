"""WebSocket entry: the tenant comes from the Host header, as for HTTP.

django-tenants resolves tenants for HTTP only. Here the host is resolved into
``scope["tenant"]`` before anything else runs; a connection to an unknown host,
or from a user who is not a member of that tenant, is refused at the handshake.
The consumer runs its database work in that tenant's schema within the
synchronous function, since Django connections are per thread.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.urls import path
from django_otp import DEVICE_ID_SESSION_KEY

from tenants.models import TenantType
from tenants.permissions import mfa_required
from tenants.selectors import membership_for, normalise_host, session_expired, tenant_for_hostname

from .consumers import LiveConsumer


def _header(scope: dict[str, Any], wanted: bytes) -> str:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return ""


DEFAULT_PORTS = {"http": 80, "https": 443}


def _port_of_host(host: str) -> int | None:
    """The port a Host header names, or the portal's default one when it names none."""
    _name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and not host.endswith("]"):
        return int(port)
    return DEFAULT_PORTS.get(settings.PORTAL_SCHEME)


def same_origin(host: str, origin: str) -> bool:
    """Whether the page that opens a socket (``Origin``) was served by this host and port.

    Scheme, name and port must all agree: another service on the same name but
    another port is another origin, and may not use the visitor's session here.
    """
    try:
        parts = urlsplit(origin)
        origin_port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or origin_port is None:
        return False
    return normalise_host(parts.hostname) == normalise_host(host) and origin_port == _port_of_host(host)


class TenantFromHostMiddleware:
    """Puts the host's tenant into the scope, or refuses the connection.

    The page that opens the socket must come from the same origin (scheme, host
    and port): a page on one tenant's host (sibling subdomains are same-site for
    cookies), or on another port of the same host, may not open a tenant's
    socket with the visitor's session there.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        raw_host = _header(scope, b"host")
        host = normalise_host(raw_host)
        tenant = None
        if host and same_origin(raw_host, _header(scope, b"origin")):
            tenant = await database_sync_to_async(tenant_for_hostname)(host)
        if tenant is None:
            await send({"type": "websocket.close", "code": 4404})
            return None
        # ``live.send``: the server's own send, for the consumer's event frames, which need
        # nothing of the session middleware's wrapper (it acts on the handshake only).
        return await self.inner({**scope, "tenant": tenant, "live.send": send}, receive, send)


class MembershipMiddleware:
    """After authentication: only members of the host's tenant may open a socket there, with a
    session that has not ended (idle, too old) and gave a second factor where the role needs one."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = scope.get("user")
        session = scope.get("session") or {}
        membership = None
        if user is not None and user.is_authenticated and not session_expired(session):
            membership = await database_sync_to_async(membership_for)(user, scope["tenant"])
        # A role that needs a second factor needs a session that gave one (django-otp marks it).
        if (
            membership is not None
            and mfa_required(membership.role)
            and not session.get(DEVICE_ID_SESSION_KEY)
        ):
            membership = None
        if membership is None:
            await send({"type": "websocket.close", "code": 4404})
            return None
        return await self.inner({**scope, "membership": membership}, receive, send)


class RouterByTenantType:
    """Like the URLconfs: hotline and dealer hosts serve the live socket; the public host none."""

    def __init__(self) -> None:
        live = [path("ws/live/", LiveConsumer.as_asgi())]
        self.routers = {
            TenantType.HOTLINE: URLRouter(live),
            TenantType.DEALER: URLRouter(live),
            TenantType.PUBLIC: URLRouter([]),
        }

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await self.routers[scope["tenant"].type](scope, receive, send)


websocket_application = AllowedHostsOriginValidator(
    TenantFromHostMiddleware(AuthMiddlewareStack(MembershipMiddleware(RouterByTenantType())))
)
