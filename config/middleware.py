"""Middleware that runs before a tenant is known."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.selectors import normalise_host, tenant_for_hostname

from .errors import not_found
from .health import readiness


class HealthMiddleware:
    """``/healthz`` and ``/readyz`` on every host, answered before tenant resolution.

    Probes reach a pod by its address, which is no tenant's host, so these two
    paths must not depend on the Host header or on the tenant registry.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return _json({"status": "ok"}, 200)
        if request.path == "/readyz":
            checks = readiness()
            ok = all(value == "ok" for value in checks.values())
            return _json({"status": "ok" if ok else "unavailable", **checks}, 200 if ok else 503)
        return self.get_response(request)


def _json(payload: dict[str, str], status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(payload), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


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
