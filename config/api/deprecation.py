"""Deprecated operations: announced in the schema and on every answer, from one declaration.

Version 1 changes only by addition, so an operation is never removed within it;
one to be retired is marked on its handler::

    class WorkOrderDetail(HotlineView):
        @deprecated(since=dt.datetime(2026, 12, 1, tzinfo=UTC), sunset=dt.datetime(2027, 6, 1, tzinfo=UTC))
        @extend_schema(...)
        def get(self, request, number): ...

and from then on

- the schema says ``deprecated: true`` on the operation, declares the
  ``Deprecation``, ``Sunset`` and ``Link`` headers on its answers and says in
  its description when it was deprecated and until when it works
  (``ContractSchema``, finished by ``config.api.contract.postprocess``);
- every answer of the operation, refusals included, carries
  ``Deprecation: @<unix time>`` (RFC 9745), ``Sunset: <HTTP date>`` (RFC 8594)
  when a date is set, and ``Link: <changelog>; rel="deprecation"`` naming where
  the replacement is described (``ApiView.finalize_response``).

A deprecated *field* is marked with drf-spectacular's
``extend_schema_serializer(deprecate_fields=[...])``: the schema says
``deprecated: true`` on it; the field keeps being sent until v2.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.http import http_date
from drf_spectacular.openapi import AutoSchema

CHANGELOG = "https://complaint-desk.example/docs/api-changelog"
# The operation's notice in the generated schema, until ``config.api.contract`` turns it into headers.
NOTICE = "x-deprecation"


@dataclass(frozen=True)
class Deprecation:
    """When an operation was deprecated, when it stops working (if decided), and where to read more."""

    since: dt.datetime
    sunset: dt.datetime | None = None
    link: str = CHANGELOG

    def headers(self) -> dict[str, str]:
        headers = {
            "Deprecation": f"@{int(self.since.timestamp())}",
            "Link": f'<{self.link}>; rel="deprecation"',
        }
        if self.sunset is not None:
            headers["Sunset"] = http_date(self.sunset.timestamp())
        return headers

    def as_extension(self) -> dict[str, Any]:
        return {
            "since": self.since.astimezone(dt.UTC).date().isoformat(),
            "sunset": self.sunset.astimezone(dt.UTC).date().isoformat() if self.sunset else None,
            "headers": self.headers(),
        }


def deprecated(
    *, since: dt.datetime, sunset: dt.datetime | None = None, link: str = CHANGELOG
) -> Callable[[Callable], Callable]:
    """Mark a view's handler (``get``, ``post``, …) deprecated, in the schema and on its answers."""
    notice = Deprecation(since=since, sunset=sunset, link=link)

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)  # keeps the handler's drf-spectacular annotations
        def announced(*args: Any, **kwargs: Any) -> Any:
            return handler(*args, **kwargs)

        announced.deprecation = notice  # type: ignore[attr-defined]
        return announced

    return decorate


def deprecation_of(view: Any, method: str) -> Deprecation | None:
    """The notice on the handler ``view`` runs for ``method``, if it is deprecated."""
    return getattr(getattr(view, method.lower(), None), "deprecation", None)


class ContractSchema(AutoSchema):
    """drf-spectacular's inspector, reading the ``deprecated`` mark of each handler."""

    def is_deprecated(self) -> bool:
        return deprecation_of(self.view, self.method) is not None or super().is_deprecated()

    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any) -> Any:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        notice = deprecation_of(self.view, method)
        if operation is not None and notice is not None:
            operation[NOTICE] = notice.as_extension()
        return operation
