"""Middleware that runs before a tenant is known: health, on every host."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
