"""The problem document and the error responses each endpoint declares in the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .problems import PROBLEM_CONTENT_TYPE


class Problem(serializers.Serializer):
    """RFC 9457 problem details; ``errors`` names each bad field (``lines[1].quantity``)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


_DESCRIPTIONS = {
    400: "Bad input: `errors` names each field and the rule it broke.",
    401: "No valid API key or session for this host.",
    403: "The key's scope or the person's role does not allow this.",
    404: "Not found (or not yours: a foreign record looks the same).",
    409: "Not allowed in the current state.",
    412: "`If-Match` names an older version.",
    413: "The body is larger than the limit.",
    415: "Send `application/json`.",
    422: "The `Idempotency-Key` was used with a different request.",
    429: "Rate limit reached; `Retry-After` says when to try again.",
}

READ_ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 413, 415, 422, 429)


def problems(codes: tuple[int, ...]) -> dict:
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(Problem, description=_DESCRIPTIONS[code])
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
    description="The `ETag` from your last read; refused with 412 if the record changed since.",
)
WRITE_HEADERS = [IDEMPOTENCY_KEY, IF_MATCH]
