"""Who may call what: parts centres, integrations and portal members, each on its own host."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from ..models import ApiKey, ApiKeyKind, ApiKeyScope, TenantType


def _key(request: Request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


def _scope_allows(request: Request, api_key: ApiKey) -> bool:
    return request.method in permissions.SAFE_METHODS or api_key.scope == ApiKeyScope.WRITE


class PartsCentreKey(permissions.BasePermission):
    """A parts centre's key on its manufacturer's host; read keys only read."""

    def has_permission(self, request: Request, view: Any) -> bool:
        api_key = _key(request)
        return (
            api_key is not None
            and api_key.kind == ApiKeyKind.PARTS_CENTRE
            and _scope_allows(request, api_key)
        )


class _TenantMemberOrIntegration(permissions.BasePermission):
    tenant_type = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        tenant = getattr(request._request, "tenant", None)
        if tenant is None or tenant.type != self.tenant_type:
            return False
        api_key = _key(request)
        if api_key is not None:
            return api_key.kind == ApiKeyKind.INTEGRATION and _scope_allows(request, api_key)
        membership = getattr(request._request, "membership", None)
        return bool(request.user and request.user.is_authenticated and membership is not None)


class HotlineMemberOrIntegration(_TenantMemberOrIntegration):
    tenant_type = TenantType.HOTLINE


class DealerMemberOrIntegration(_TenantMemberOrIntegration):
    tenant_type = TenantType.DEALER
