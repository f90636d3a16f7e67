"""What every page may offer: the actions the signed-in person's role allows here."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .permissions import allowed_actions


def permissions(request: HttpRequest) -> dict[str, Any]:
    """``allowed``: the names of the actions of ``tenants/permissions.py`` this member may take."""
    membership = getattr(request, "membership", None)
    return {"allowed": allowed_actions(membership.role) if membership is not None else frozenset()}
