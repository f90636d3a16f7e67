"""Errors as ``application/problem+json`` (RFC 9457), with field-level details.

Every refusal, whether from a serializer, a service's ``ValidationError``, a
permission check or an unknown address, leaves as one problem document:
``type``, ``title``, ``status``, ``detail`` and, for bad input, ``errors``
keyed by field (``owner.mobile``, ``lines[2].quantity``) with messages in the
request's language.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from ..errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://complaint-desk.example/problems/"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


class UnprocessableEntity(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def _titles() -> dict[int, str]:
    return {
        400: _("The request is not valid."),
        401: _("Authentication is needed."),
        403: _("This is not allowed."),
        404: _("Not found."),
        405: _("Method not allowed."),
        406: _("Not acceptable."),
        409: _("Conflict with the current state."),
        412: _("The resource has changed."),
        413: _("The request body is too large."),
        415: _("Unsupported media type."),
        422: _("The request cannot be processed."),
        428: _("A precondition is required."),
        429: _("Too many requests."),
        500: _("Something went wrong on our side; it has been logged."),
        503: _("The service is reconnecting; try again in a few seconds."),
    }


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"lines[1].quantity": ["…"]}; positions count from 1, like line numbers."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a list field's items, keyed by index: numbered from 1 too
                out.update(_flatten(value, f"{prefix}[{key + 1}]"))
                continue
            if key == "non_field_errors":  # about the whole: named by its own path
                out.update(_flatten(value, prefix or "__all__"))
                continue
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or "__all__"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(_flatten(item, f"{prefix}[{index + 1}]"))
    else:
        out[prefix or "__all__"] = [str(detail)]
    return out


def problem(
    status_code: int,
    *,
    code: str,
    detail: str = "",
    errors: dict[str, list[str]] | None = None,
    instance: str = "",
    title: str = "",
) -> dict[str, Any]:
    """``title``: the status's own (``_titles``) unless the problem has a title of its own."""
    title = title or _titles().get(status_code, "")
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status_code,
        "detail": detail or title,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def _from_django_validation(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: every refusal as a problem document; anything else is a bug."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError) and exc.status != 400:
        status_code, code = exc.status, exc.code
        errors = _from_django_validation(exc)
        detail = " ".join(m for messages in errors.values() for m in messages)
    elif isinstance(exc, DjangoValidationError):
        status_code, code = 400, "validation"
        errors = _from_django_validation(exc)
        detail = _("Some fields are not valid.")
    elif isinstance(exc, Http404 | ObjectDoesNotExist | exceptions.NotFound):
        status_code, code, errors, detail = 404, "not-found", None, _("Not found.")
    elif isinstance(exc, PermissionDenied):
        status_code, code, errors, detail = 403, "forbidden", None, str(exc) or _("This is not allowed.")
    elif isinstance(exc, exceptions.ValidationError):
        status_code, code = 400, "validation"
        errors = _flatten(as_serializer_error(exc))
        detail = _("Some fields are not valid.")
    elif isinstance(exc, exceptions.APIException):
        status_code, code, errors = exc.status_code, exc.get_codes(), None
        if isinstance(code, dict | list):
            errors = _flatten(exc.detail)
            code = "validation"
        detail = exc.detail if isinstance(exc.detail, str) else _titles().get(status_code, "")
        code = str(code).replace("_", "-")
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            status_code = 401
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
    else:
        return None
    body = problem(status_code, code=code, detail=str(detail), errors=errors, instance=instance)
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    if getattr(exc, "no_store", True):
        response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # nothing happens here; a POST must get the same 404 as a GET
def not_found_response(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown addresses under /api/: a problem document, not the portal's page."""
    return JsonResponse(
        problem(404, code="not-found", detail=_("Not found."), instance=request.path),
        status=404,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
