"""What goes wrong, the same way everywhere.

One 404 for every "not here" (unknown host, unknown page, foreign tenant, foreign
record). A server error is a bilingual page for people and a problem document for
an API client — never an HTML page under ``/api/``; with the database away it is a
503 that says to come back shortly (``Retry-After``), not a 500, and so is a request
the web process had no turn for.
"""

from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy

from .api.problems import PROBLEM_CONTENT_TYPE, problem

RETRY_AFTER_SECONDS = 15
BUSY_RETRY_AFTER_SECONDS = 5


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
    if _database_away(sys.exc_info()[1]):
        return _unavailable(request, code="unavailable", page="503.html", retry_after=RETRY_AFTER_SECONDS)
    return _unavailable(request, status=500, code="server-error", page="500.html")


def busy(request: HttpRequest) -> HttpResponse:
    """A request that waited ``WEB_REQUEST_WAIT`` for a turn the web process never gave it
    (config/asgi.py): 503, to come back in a few seconds. Made without the database."""
    response = _unavailable(
        request,
        code="busy",
        page="503-busy.html",
        retry_after=BUSY_RETRY_AFTER_SECONDS,
        title=gettext_lazy("Too many requests at once; try again in a few seconds."),
    )
    # It passes no middleware: the headers of theirs that matter for so plain an answer.
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "DENY"
    return response


def _unavailable(
    request: HttpRequest,
    *,
    code: str,
    page: str,
    status: int = 503,
    retry_after: int | None = None,
    title: str = "",
) -> HttpResponse:
    """A problem document under ``/api/`` (in the request's language), the bilingual page elsewhere."""
    if request.path.startswith("/api/"):
        with translation.override(translation.get_language_from_request(request)):
            response: HttpResponse = JsonResponse(
                problem(status, code=code, title=str(title), instance=request.path),
                status=status,
                content_type=PROBLEM_CONTENT_TYPE,
                json_dumps_params={"ensure_ascii": False},
            )
    else:
        response = HttpResponse(loader.render_to_string(page, {}, request=None), status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
