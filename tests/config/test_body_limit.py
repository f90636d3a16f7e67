"""Request bodies are capped before Django reads them, also when they arrive chunked."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync

from config.asgi import application

from ..conftest import host_of, http_scope


def send_chunked(host: str, path: str, chunks: list[bytes], headers: list | None = None) -> tuple[int, int]:
    """POST ``chunks`` without a Content-Length through the ASGI application.

    Returns the status and how many chunks the application read.
    """
    pending = list(chunks)
    read = []
    sent: list[dict] = []

    async def receive() -> dict:
        if not pending:  # the client waits for the answer (a server reports a disconnect only then)
            await asyncio.Event().wait()
        chunk = pending.pop(0)
        read.append(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = http_scope(
        host,
        path,
        "POST",
        [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked"), *(headers or [])],
    )
    async_to_sync(application)(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], len(read)


def test_a_chunked_api_body_over_the_cap_is_refused_without_reading_the_rest(
    committed_tenants, hotline, settings
):
    settings.API_MAX_BODY_BYTES = 4096
    chunks = [b" " * 1024] * 64  # 64 KiB, no Content-Length

    status, read = send_chunked(host_of(hotline), "/api/v1/work-orders/", chunks)

    assert status == 413
    assert read == 5  # stopped at the first chunk past the cap


def test_a_chunked_body_within_the_cap_reaches_the_api(committed_tenants, hotline, settings):
    settings.API_MAX_BODY_BYTES = 4096
    status, read = send_chunked(host_of(hotline), "/api/v1/work-orders/", [b"{", b"}"])

    assert status == 401  # on to authentication: no key was given
    assert read == 2


def test_a_declared_length_over_the_cap_is_refused_before_reading(committed_tenants, hotline, settings):
    settings.SMS_REPLY_MAX_BODY_BYTES = 1024
    status, read = send_chunked(
        host_of(hotline), "/sms/replies/aliyun/x/", [b"[]"], headers=[(b"content-length", b"999999")]
    )

    assert (status, read) == (413, 0)
