"""The problem document and the error responses each endpoint declares in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import serializers

from .problems import PROBLEM_CONTENT_TYPE
from .serializers import Serializer

REFUSES_BLANK = "x-refuses-blank"


class Problem(Serializer):
    """RFC 9457 problem details; ``errors`` names each bad field (``lines[1].quantity``)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


DESCRIPTIONS = {
    400: "Bad input: `errors` names each field and the rule it broke.",
    401: "No valid API key or session for this host.",
    403: "The key's scope or the person's role does not allow this.",
    404: "Not found (or not yours: a foreign record looks the same).",
    405: "This method is not allowed on this address.",
    409: "Not allowed in the current state.",
    412: "`If-Match` names an older version.",
    413: "The body is larger than the limit.",
    415: "Send `application/json`.",
    422: "The `Idempotency-Key` was used with a different request.",
    429: "Rate limit reached; `Retry-After` says when to try again.",
    500: "A fault on our side. Retry with the same `Idempotency-Key`: a write is never done twice.",
    503: "The service is briefly unavailable (its database is reconnecting); retry after `Retry-After` "
    "seconds with the same `Idempotency-Key`.",
}

READ_ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 413, 415, 422, 429)


def problems(codes: tuple[int, ...]) -> dict:
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(Problem, description=DESCRIPTIONS[code])
        for code in codes
    }


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID); a retry with the same key and body returns the first "
    "answer instead of acting twice.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The `ETag` of your last read (`"3"`) or the `version` of its body as it came (`3`); '
    "refused with 412 if the record changed since. `*` or no header: no check.",
    pattern=r'^(\*|(W/)?"?[0-9]+"?(\s*,\s*(W/)?"?[0-9]+"?)*)$',
)
WRITE_HEADERS = [IDEMPOTENCY_KEY, IF_MATCH]


def service_checked(field_class: type[serializers.Field], rules: dict[str, Any], **kwargs: Any) -> Any:
    """A field whose further rules (a pattern, a minimum, …) the service checks, declared in the schema.

    The service reports every broken rule of a request at once, in the user's words
    (``hotline.services.work_orders.intake_errors``); checking them again here would
    stop at the first. The schema still states them, so a client knows what passes.
    """
    base: dict[str, Any] = {
        "type": "integer" if issubclass(field_class, serializers.IntegerField) else "string"
    }
    if "max_length" in kwargs:
        base["maxLength"] = kwargs["max_length"]
    if base["type"] == "string" and not kwargs.get("allow_blank", False):
        base["minLength"] = 1
    if kwargs.get("allow_blank") and (rules.get("pattern") == r"\S" or rules.get("minLength", 0) > 0):
        base[REFUSES_BLANK] = True  # the service refuses blank text: no "blank" alternative in the schema
    declared = type(field_class.__name__, (field_class,), {"__module__": __name__})
    return extend_schema_field({**base, **rules})(declared)(**kwargs)
