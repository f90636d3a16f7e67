"""What goes wrong, the same way everywhere.

One 404 for every "not here" (unknown host, unknown page, foreign tenant, foreign
record). A server error is a bilingual page for people and a problem document for
an API client — never an HTML page under ``/api/``; with the database away it is a
503 that says to come back shortly (``Retry-After``), not a 500.
"""

from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation

from .api.problems import PROBLEM_CONTENT_TYPE, problem

RETRY_AFTER_SECONDS = 15


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    body = loader.render_to_string("404.html", {}, request=None)
    return HttpResponse(body, status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("403.html", {}, request=None), status=403)


def _database_away(exc: BaseException | None) -> bool:
    """An error that means the database cannot be reached now (not a bad query)."""
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError) or (
            isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's ``handler500``: the uncaught exception is the one being handled now."""
    away = _database_away(sys.exc_info()[1])
    status = 503 if away else 500
    if request.path.startswith("/api/"):
        with translation.override(translation.get_language_from_request(request)):
            code = "unavailable" if away else "server-error"
            response: HttpResponse = JsonResponse(
                problem(status, code=code, instance=request.path),
                status=status,
                content_type=PROBLEM_CONTENT_TYPE,
                json_dumps_params={"ensure_ascii": False},
            )
    else:
        page = "503.html" if away else "500.html"
        response = HttpResponse(loader.render_to_string(page, {}, request=None), status=status)
    if away:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
