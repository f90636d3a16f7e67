"""Who calls: a portal session (a member of this host's tenant) or a machine with an API key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from config.actor import Actor

from ..models import ApiKey, ApiKeyKind
from ..services.api_keys import api_key_for


@dataclass
class ApiClient:
    """The ``request.user`` of a call made with an API key."""

    api_key: ApiKey
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    @property
    def pk(self) -> str:
        return f"key:{self.api_key.pk}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer cdk_<prefix>_<secret>`` (or ``X-Api-Key``), valid on its tenant's host only."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiClient, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        secret = ""
        if header[: len(self.keyword) + 1].lower() == f"{self.keyword.lower()} ":
            secret = header[len(self.keyword) + 1 :].strip()
        secret = secret or request.META.get("HTTP_X_API_KEY", "").strip()
        if not secret:
            return None
        tenant = getattr(request._request, "tenant", None)
        api_key = api_key_for(secret, tenant) if tenant is not None else None
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("The API key is not valid on this host."))
        return ApiClient(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The portal's session; a signed-in user exists here only as a member (MembershipMiddleware)."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None and getattr(request._request, "membership", None) is None:
            return None
        return result


def actor_of(request: Request) -> Actor:
    """The actor the services record for this request."""
    api_key = request.auth if isinstance(request.auth, ApiKey) else None
    tenant = request._request.tenant
    if api_key is not None:
        if api_key.kind == ApiKeyKind.PARTS_CENTRE:
            return Actor(
                user_id=None, name=api_key.parts_centre.name, tenant_id=tenant.pk, role="parts_centre"
            )
        return Actor(user_id=None, name=api_key.name, tenant_id=tenant.pk, role="integration")
    return Actor.of(request.user, request._request.membership)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The same key either way: ``Authorization: Bearer …`` or ``X-Api-Key: …`` (one suffices)."""

    target_class = "tenants.api.authentication.ApiKeyAuthentication"
    name = ["apiKey", "apiKeyHeader"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list]]:
        return [{name: []} for name in self.name]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "cdk_<prefix>_<secret>",
                "description": "An API key of this host's tenant (manage.py api_key create).",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-Api-Key",
                "description": "The same API key, for clients that cannot set `Authorization`.",
            },
        ]


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The portal's session (writes also need the X-CSRFToken header).",
        }
