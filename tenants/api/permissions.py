"""Who may call what: the API reads the declared matrix (``tenants/permissions.py``).

Each endpoint names the action of each of its methods (``permission_actions``);
``Declared`` lets through a member whose role the matrix allows, or an API key
of this host whose kind and scope it allows, and refuses (403) everyone else.
The action's tenant type must be the host's: nothing is reachable on the wrong
kind of host.
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from ..models import ApiKey
from ..permissions import PERMISSIONS, key_principal, may


def principal_of(request: Request) -> str:
    """The matrix's name for who calls: ``"<kind>:<scope>"`` for a key, the member's role otherwise."""
    if isinstance(request.auth, ApiKey):
        return key_principal(request.auth.kind, request.auth.scope)
    membership = getattr(request._request, "membership", None)
    if membership is None or not (request.user and request.user.is_authenticated):
        return ""
    return membership.role


def action_of(view: Any, method: str) -> str | None:
    actions = getattr(view, "permission_actions", {}) or {}
    return actions.get(method) or (actions.get("GET") if method in ("HEAD", "OPTIONS") else None)


class Declared(permissions.BasePermission):
    """The caller may take the action the view declares for this method (none declared: nobody)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        action = action_of(view, request.method)
        tenant = getattr(request._request, "tenant", None)
        if action is None or tenant is None or PERMISSIONS[action].tenant_type != tenant.type:
            return False
        return may(principal_of(request), action)
