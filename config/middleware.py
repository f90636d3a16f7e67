"""Middleware that runs before a tenant is known: health, and input no one should send."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.translation import gettext as _

from .api.problems import PROBLEM_CONTENT_TYPE, problem
from .health import readiness

HEALTHZ, READYZ = "/healthz", "/readyz"
PROBE_PATHS = frozenset({HEALTHZ, READYZ})


class HealthMiddleware:
    """``/healthz`` and ``/readyz`` on every host, answered before tenant resolution.

    Probes reach a pod by its address, which is no tenant's host, so these two
    paths must not depend on the Host header or on the tenant registry.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTHZ:
            return _json({"status": "ok"}, 200)
        if request.path == READYZ:
            checks = readiness()
            ok = all(value == "ok" for value in checks.values())
            return _json({"status": "ok" if ok else "unavailable", **checks}, 200 if ok else 503)
        return self.get_response(request)


def _json(payload: dict[str, str], status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(payload), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class RefuseNulMiddleware:
    """A NUL byte in the address, the query or a form is refused (400) before anything reads it.

    No text the product keeps can hold one (PostgreSQL refuses it), and no person
    types one: it only ever comes from a program probing for a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or _has_nul(request.GET)
            or (request.method == "POST" and _has_nul(request.POST))
        ):
            return _refused(request)
        return self.get_response(request)


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())


def _refused(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = problem(400, code="validation", detail=_("A NUL character is not allowed."), instance="")
        return JsonResponse(body, status=400, content_type=PROBLEM_CONTENT_TYPE)
    return HttpResponse(
        _("A NUL character is not allowed."), status=400, content_type="text/plain; charset=utf-8"
    )
