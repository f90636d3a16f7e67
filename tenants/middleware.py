"""The host's tenant, and the membership gate: on a tenant's host, only its members exist."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_tenants.middleware.main import TenantMainMiddleware

from config.errors import not_found

from .selectors import membership_for, normalise_host, tenant_for_hostname


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' host resolution; an unknown host gets the site's plain 404.

    django-tenants would raise Http404 naming the host; the plain page says only
    that nothing is here, whether the host is unknown or the page is.
    """

    @staticmethod
    def hostname_from_request(request: HttpRequest) -> str:
        return normalise_host(request.get_host())

    def get_tenant(self, domain_model, hostname: str):
        tenant = tenant_for_hostname(hostname)
        if tenant is None:
            raise domain_model.DoesNotExist
        return tenant

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        connection.set_schema_to_public()
        return not_found(request)


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
