"""The base of every API endpoint, and the helper for concurrent writers.

Who may call (API keys, sessions) and how often is the tenants app's: DRF's
``DEFAULT_AUTHENTICATION_CLASSES`` and ``DEFAULT_THROTTLE_CLASSES`` name them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.views import APIView

from .deprecation import deprecation_of
from .problems import PayloadTooLarge, PreconditionFailed


class ApiView(APIView):
    """Authentication and rate limit (from the settings), body size and deprecations, for every endpoint."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = self.body_limit()
        if length > limit:
            raise PayloadTooLarge(_("The request body may be at most %(limit)s bytes.") % {"limit": limit})
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """A deprecated operation says so on every answer, refusals included (``config.api.deprecation``)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        notice = deprecation_of(self, request.method or "")
        if notice is not None:
            for name, value in notice.headers().items():
                response[name] = value
        return response

    def body_limit(self) -> int:
        """The largest body this endpoint takes (an upload of files takes more: ``config.body_limit``)."""
        return settings.API_MAX_BODY_BYTES


def etag_of(version: int) -> str:
    return f'"{version}"'


def _as_tag(value: str) -> str:
    """An entity tag as sent: ``"3"``, ``W/"3"``, or the bare version ``3`` as the body gave it."""
    value = value.strip().removeprefix("W/")
    return f'"{value}"' if value.isdigit() else value


def check_if_match(request: Request, version: int) -> None:
    """Refuse a write based on an older read (``If-Match`` with the ``ETag`` the client saw)."""
    wanted = request.headers.get("If-Match", "").strip()
    if not wanted or wanted == "*":
        return
    tags = {_as_tag(tag) for tag in wanted.split(",")}
    if etag_of(version) not in tags:
        raise PreconditionFailed(
            _("It was changed since you read it (now version %(version)s); read it again.")
            % {"version": version}
        )
