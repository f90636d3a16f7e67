"""What goes wrong, the same way everywhere.

One 404 for every "not here" (unknown host, unknown page, foreign tenant, foreign
record), and the base of the refusals a domain names by a code of its own.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template import loader


class DomainError(ValidationError):
    """A refusal a domain declares: bad input in the light of the current state.

    The domain subclass sets ``code`` (the problem type the API answers with) and
    ``status`` (the HTTP status); a portal shows the message like any validation
    error. The API maps it without knowing the domain's classes.
    """

    status = 400
    code = "validation"

    def __init__(self, message: object, code: str | None = None, params: object = None) -> None:
        super().__init__(message, code or self.code, params)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    body = loader.render_to_string("404.html", {}, request=None)
    return HttpResponse(body, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):  # the API's contract: every answer a problem document
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        from .api.problems import PROBLEM_CONTENT_TYPE, problem

        body = problem(
            500, code="server-error", detail=_("Something went wrong on our side."), instance=request.path
        )
        return JsonResponse(
            body, status=500, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
        )
    return HttpResponse(loader.render_to_string("500.html", {}, request=None), status=500)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("403.html", {}, request=None), status=403)
