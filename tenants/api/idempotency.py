"""Retries without doubles: an API POST runs once per ``Idempotency-Key``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.problems import UnprocessableEntity

from ..models import ApiKey
from ..services.idempotency import StoredAnswer, idempotency_answer, idempotency_claim

IDEMPOTENCY_HEADER = "Idempotency-Key"


def principal_of(request: Request) -> str:
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _value_of(value: Any) -> str:
    """A value of the body as the fingerprint takes it: an uploaded file by its name, size and content."""
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return f"{value.name}:{value.size}:{digest.hexdigest()}"
    return str(value)


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=_value_of)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(request: Request, run: Callable[[], Response]) -> Response:
    """Run a POST once per ``Idempotency-Key``: a retry gets the first answer back.

    The same key with a different body is refused (422). Refusals are not
    stored: a corrected retry may reuse the key. (``tenants.services.idempotency``)
    """
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        return run()
    if len(key) > 255:
        raise serializers.ValidationError({IDEMPOTENCY_HEADER: [_("At most 255 characters.")]})
    claim = {"tenant_id": request._request.tenant.pk, "principal": principal_of(request), "key": key}
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        stored = idempotency_claim(**claim, method=request.method, path=request.path, fingerprint=fingerprint)
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise UnprocessableEntity(_("This Idempotency-Key was used for a different request."))
            replay = Response(stored.body, status=stored.status, headers=stored.headers)
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = run()
        if response.status_code >= 400:
            transaction.set_rollback(True)
            return response
        body = json.loads(JSONRenderer().render(response.data) or b"null")
        headers = {name: response[name] for name in ("Location", "ETag") if response.has_header(name)}
        idempotency_answer(**claim, answer=StoredAnswer(response.status_code, body, headers))
    return response
