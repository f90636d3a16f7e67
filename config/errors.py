"""One 404 for every "not here": unknown host, unknown page, foreign tenant, foreign record."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    body = loader.render_to_string("404.html", {}, request=None)
    return HttpResponse(body, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse(loader.render_to_string("500.html", {}, request=None), status=500)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("403.html", {}, request=None), status=403)
