"""Request bodies capped before Django reads them, also when they arrive chunked.

Django's ASGI handler reads a whole body into a spooled file before any view
runs, and a chunked body declares no length that a view could check. This
ASGI middleware counts the bytes as they arrive, for the paths that take
machine input (the API, the SMS providers' reply pushes), and answers 413 as
soon as the cap is passed, without handing anything on. A declared
``Content-Length`` over the cap is refused before a byte is read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from .api.problems import PROBLEM_CONTENT_TYPE, TYPE_BASE

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


# The API's uploads of a file to a work order (hotline: the number; dealer: manufacturer and number).
FILE_UPLOAD = re.compile(r"^/api/v1/work-orders/(?:[A-Za-z0-9][A-Za-z0-9_-]*/){1,2}attachments/$")
# What a multipart body adds to the file it carries (boundaries, part headers), with room to spare.
MULTIPART_ALLOWANCE = 64 * 1024


def file_upload_cap() -> int:
    """The largest body an upload of one file takes: the largest file, and its wrapping."""
    return settings.ATTACHMENT_MAX_BYTES + MULTIPART_ALLOWANCE


def cap_for(path: str) -> int | None:
    """The largest body a path takes, or None for paths Django's own limits cover."""
    if FILE_UPLOAD.match(path):
        return file_upload_cap()
    if path.startswith("/api/"):
        return settings.API_MAX_BODY_BYTES
    if path.startswith("/sms/replies/"):
        return settings.SMS_REPLY_MAX_BODY_BYTES
    return None


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": TYPE_BASE + "payload-too-large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"The request body may be at most {limit} bytes.",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Wraps the HTTP application: bodies over the path's cap get 413 and never reach Django."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = cap_for(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None:
            return await self.app(scope, receive, send)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            return await _too_large(send, limit)
        # Read the body up to the cap; Django would read it all before the view anyway.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                return await _too_large(send, limit)
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        return await self.app(scope, replay, send)
