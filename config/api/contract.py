"""The published contract: what the OpenAPI schema says beyond each view's own declaration.

drf-spectacular builds the schema from the views and serializers; this module
finishes it the same way for every operation of both host types, so no view
can forget:

- every operation names its response headers (``ETag``, ``Location``,
  ``Idempotent-Replayed``, ``Retry-After``, ``WWW-Authenticate``) and every
  status the server can answer (405, 500 and 503 included, as problem documents);
- the links between operations (``x-links`` on an operation: an answer's
  field feeds the next operation's parameter), which clients and the
  stateful contract tests follow;
- deprecations: an operation whose handler is marked ``@deprecated``
  (``config.api.deprecation``) says ``deprecated: true``, when and until when
  in its description, and declares the ``Deprecation``, ``Sunset`` and
  ``Link`` headers every answer of it carries;
- an example for every request and response body (``config.api.examples``);
- the schema is served in English whatever the caller's language, and two
  fetches are byte-identical (operations, components and keys sorted).
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from .deprecation import NOTICE
from .examples import attach_examples
from .schema import DESCRIPTIONS, REFUSES_BLANK

ANSWER_HEADERS = "x-answer-headers"
LINKS = "x-links"

HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": 'The version of the record as an entity tag, e.g. `"3"`. Send it back as '
        "`If-Match` on a write to refuse it (412) if someone changed the record since.",
        "required": True,
        "schema": {"type": "string", "pattern": r'^"[0-9]+"$'},
        "example": '"3"',
    },
    "Location": {
        "description": "The address of what was made.",
        "required": True,
        "schema": {"type": "string"},
        "example": "/api/v1/work-orders/HQ20261124-00042/",
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same "
        "`Idempotency-Key`: nothing was done a second time.",
        "required": False,
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "required": False,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "example": "12",
    },
    "WWW-Authenticate": {
        "description": "How to authenticate: `Bearer` with an API key.",
        "required": False,
        "schema": {"type": "string"},
        "example": 'Bearer realm="api"',
    },
    "Deprecation": {
        "description": "This operation is deprecated: `@<unix time>` of the deprecation (RFC 9745). "
        "It keeps working within v1; the changelog names its replacement.",
        "required": True,
        "schema": {"type": "string", "pattern": "^@-?[0-9]+$"},
    },
    "Sunset": {
        "description": "When this deprecated operation stops working (RFC 8594, an HTTP date).",
        "required": True,
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'Where the deprecation and the replacement are described (`rel="deprecation"`).',
        "required": True,
        "schema": {"type": "string"},
    },
}
# Answers that do not reach the operation's handler (and so carry no deprecation headers).
NOT_HANDLED = ("405", "500", "503")

# The statuses every operation can answer, whatever it declares itself.
ALWAYS = (405, 500, 503)


def _problem_response(code: int) -> dict[str, Any]:
    return {
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        "description": DESCRIPTIONS[code],
    }


def _finish_operation(method: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for code in ALWAYS:
        responses.setdefault(str(code), _problem_response(code))
    answer_headers = operation.pop(ANSWER_HEADERS, [])
    links = operation.pop(LINKS, {})
    notice = operation.pop(NOTICE, None)
    if notice:
        operation["deprecated"] = True
        until = f" It stops working on {notice['sunset']} (`Sunset`)." if notice["sunset"] else ""
        operation["description"] = (
            f"**Deprecated since {notice['since']}**, see the changelog for its replacement.{until}\n\n"
            + operation.get("description", "")
        )
    idempotent = any(
        p.get("in") == "header" and p.get("name") == "Idempotency-Key"
        for p in operation.get("parameters", [])
    )
    for status_code, response in responses.items():
        headers: dict[str, Any] = {}
        if status_code.startswith("2"):
            headers.update({name: HEADERS[name] for name in answer_headers if name != "Location"})
            if "Location" in answer_headers and status_code == "201":
                headers["Location"] = HEADERS["Location"]
            if idempotent and method == "post":
                headers["Idempotent-Replayed"] = HEADERS["Idempotent-Replayed"]
            if status_code in links:
                response["links"] = dict(sorted(links[status_code].items()))
        if notice and status_code not in NOT_HANDLED:
            for name, value in notice["headers"].items():
                headers[name] = {**HEADERS[name], "example": value}
        if status_code == "401":
            headers["WWW-Authenticate"] = HEADERS["WWW-Authenticate"]
        if status_code == "429":
            headers["Retry-After"] = HEADERS["Retry-After"]
        if status_code == "503":  # always says when to come back (config.error_pages)
            headers["Retry-After"] = {**HEADERS["Retry-After"], "required": True}
        if headers:
            response["headers"] = dict(sorted(headers.items()))
    operation["responses"] = dict(sorted(responses.items()))


def _plain(value: Any) -> Any:
    """Lazy translations evaluated now (in English), so rendering later cannot change the language."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Promise):
        return str(value)
    return value


def _blank_refused(schema: Any) -> Any:
    """A text the service refuses blank has no "blank" alternative (``config.api.schema.service_checked``)."""
    if isinstance(schema, list):
        return [_blank_refused(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    choices = schema.get("oneOf")
    if (
        isinstance(choices, list)
        and choices
        and isinstance(choices[0], dict)
        and choices[0].get(REFUSES_BLANK)
    ):
        schema = {**{k: v for k, v in schema.items() if k != "oneOf"}, **choices[0]}
    return {key: _blank_refused(value) for key, value in schema.items() if key != REFUSES_BLANK}


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular's ``POSTPROCESSING_HOOKS`` entry: headers, statuses, links, deprecations."""
    result["components"] = _blank_refused(result.get("components", {}))
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if isinstance(operation, dict) and "responses" in operation:
                _finish_operation(method, operation)
    attach_examples(result)
    components = result.get("components", {})
    for kind in list(components):
        components[kind] = dict(sorted(components[kind].items()))
    return result


class SchemaView(SpectacularAPIView):
    """The schema, always in English: every integrator generates the same client and documentation."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with translation.override("en"):
            response = self._get_schema_response(request)
            response.data = _plain(response.data)
        response["Content-Language"] = "en"
        return response
