"""Membership gate: on a tenant's host, only its members exist."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from config.errors import not_found

from .selectors import membership_for


class MembershipMiddleware:
    """Answers 404 to a signed-in user who is not a member of the host's tenant.

    The session is ended too: a session cookie carried to another host (or a
    membership revoked meanwhile) must not keep working there. The response is
    the same 404 as for any unknown address, so it tells nothing about the tenant.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        tenant = getattr(request, "tenant", None)
        if tenant is not None and request.user.is_authenticated:
            membership = membership_for(request.user, tenant)
            if membership is None:
                logout(request)
                return not_found(request)
            request.membership = membership  # type: ignore[attr-defined]
        return self.get_response(request)


class TenantTimezoneMiddleware:
    """Times on a tenant's pages are in the tenant's time zone (Asia/Shanghai by default)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        zone = getattr(tenant, "time_zone", "") or settings.TIME_ZONE
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
