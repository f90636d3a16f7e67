"""The host's tenant, and the membership gate: on a tenant's host, only its members exist."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.utils import timezone
from django_tenants.middleware.main import TenantMainMiddleware

from config.error_pages import not_found

from .models import AuthEventKind, Tenant
from .permissions import may_open, mfa_required, start_page
from .selectors import (
    LAST_SEEN,
    SIGNED_IN_AT,
    membership_for,
    normalise_host,
    session_expired,
    tenant_for_hostname_setting_path,
)
from .services.signin import auth_event_record

LAST_SEEN_EVERY = 60  # seconds: the session is written at most this often for being used


def host_entered(hostname: str) -> Tenant | None:
    """The host's tenant, made the connection's with the search path its lookup set (no ``SET``
    follows); None leaves the connection as it was."""
    tenant, path = tenant_for_hostname_setting_path(hostname)
    if tenant is not None:
        connection.set_tenant(tenant)
        connection.search_path_was_set(path)
    return tenant


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' host resolution; an unknown host gets the site's plain 404.

    django-tenants would raise Http404 naming the host; the plain page says only
    that nothing is here, whether the host is unknown or the page is.
    """

    @staticmethod
    def hostname_from_request(request: HttpRequest) -> str:
        return normalise_host(request.get_host())

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        # django-tenants' steps, with the host looked up in the public schema by name and the
        # tenant's search path set by the lookup itself: no SET before it, none after.
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            connection.set_schema_to_public()
            return HttpResponseNotFound()
        tenant = host_entered(hostname)
        if tenant is None:
            return self.no_tenant_found(request, hostname)
        tenant.domain_url = hostname
        request.tenant = tenant
        self.setup_url_routing(request)
        return None

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        connection.set_schema_to_public()
        return not_found(request)


class SessionPolicyMiddleware:
    """Ends a session that was idle too long or is older than the absolute limit.

    Signing out this way closes the session's live sockets too (``live`` listens
    to ``user_logged_out``); the next page asks to sign in again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            if session_expired(session, now):
                auth_event_record(request, AuthEventKind.SESSION_EXPIRED, user=request.user)
                logout(request)
            else:
                session.setdefault(SIGNED_IN_AT, now)
                if now - session.get(LAST_SEEN, 0) > LAST_SEEN_EVERY:
                    session[LAST_SEEN] = now
        return self.get_response(request)


class MembershipMiddleware:
    """Answers 404 to a signed-in user who is not a member of the host's tenant.

    The session is ended too: a session cookie carried to another host (or a
    membership revoked meanwhile) must not keep working there. The response is
    the same 404 as for any unknown address, so it tells nothing about the tenant.
    A member whose role needs a second factor (``tenants.permissions.MFA_REQUIRED_ROLES``)
    and whose session has none is signed out: the sign-in asks for it.

    A member whose role works in one portal of the host (``CONFINED_ROLES``: parts-centre
    staff) starts there instead of the host's start page and is refused (403) every other
    page the host serves; an address the host does not serve stays the plain 404.
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
            if mfa_required(membership.role) and not request.user.is_verified():
                logout(request)
            else:
                request.membership = membership  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        membership = getattr(request, "membership", None)
        if membership is None or may_open(membership.role, request.path_info):
            return None
        if request.path_info == "/":
            return HttpResponseRedirect(start_page(membership.role))
        raise PermissionDenied


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
