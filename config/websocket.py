"""WebSocket entry: the tenant comes from the Host header, as for HTTP.

django-tenants resolves tenants for HTTP only. Here the host is resolved into
``scope["tenant"]`` before anything else runs; a connection to an unknown host,
or from a user who is not a member of that tenant, is refused at the handshake.
Consumers run their database work inside ``tenant_context(scope["tenant"])``
within the synchronous function, since Django connections are per thread.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator

from tenants.selectors import membership_for, tenant_for_hostname


def _host(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return value.decode("latin-1").split(":")[0].lower()
    return ""


class TenantFromHostMiddleware:
    """Puts the host's tenant into the scope, or refuses the connection."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        tenant = await database_sync_to_async(tenant_for_hostname)(_host(scope))
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


def _routes() -> URLRouter:
    """Each app declares its sockets as ``websocket_urlpatterns`` on its AppConfig."""
    from django.apps import apps

    routes: list[Any] = []
    for config in apps.get_app_configs():
        routes += getattr(config, "websocket_urlpatterns", [])
    return URLRouter(routes)


websocket_application = AllowedHostsOriginValidator(
    TenantFromHostMiddleware(AuthMiddlewareStack(MembershipMiddleware(_routes())))
)
