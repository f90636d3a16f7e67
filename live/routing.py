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
from django.urls import path

from tenants.models import TenantType
from tenants.selectors import membership_for, normalise_host, tenant_for_hostname

from .consumers import LiveConsumer


def _header(scope: dict[str, Any], wanted: bytes) -> str:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return ""


class TenantFromHostMiddleware:
    """Puts the host's tenant into the scope, or refuses the connection.

    The page that opens the socket must come from the same host: a page on one
    tenant's host (sibling subdomains are same-site for cookies) may not open
    another tenant's socket with the visitor's session there.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        host = normalise_host(_header(scope, b"host"))
        origin = urlsplit(_header(scope, b"origin")).hostname or ""
        tenant = None
        if host and normalise_host(origin) == host:
            tenant = await database_sync_to_async(tenant_for_hostname)(host)
        if tenant is None:
            await send({"type": "websocket.close", "code": 4404})
            return None
        return await self.inner({**scope, "tenant": tenant}, receive, send)


class MembershipMiddleware:
    """After authentication: only members of the host's tenant may open a socket there."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = scope.get("user")
        membership = None
        if user is not None and user.is_authenticated:
            membership = await database_sync_to_async(membership_for)(user, scope["tenant"])
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
