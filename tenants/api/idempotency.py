"""Retries without doubles: a POST runs once per ``Idempotency-Key``, its answer kept in the public schema."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.problems import UnprocessableEntity

from ..models import ApiKey, IdempotencyRecord

IDEMPOTENCY_HEADER = "Idempotency-Key"


def principal_of(request: Request) -> str:
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(request: Request, run: Callable[[], Response]) -> Response:
    """Run a POST once per ``Idempotency-Key``: a retry gets the first answer back.

    The key is claimed, the change made and its answer stored in one transaction,
    so a change without its stored answer (or the reverse) never exists. A
    concurrent retry waits for the first to commit, then gets its answer. The
    same key with a different body is refused (422). Refusals are not stored:
    a corrected retry may reuse the key.
    """
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        return run()
    if len(key) > 255:
        raise serializers.ValidationError({IDEMPOTENCY_HEADER: [_("At most 255 characters.")]})
    tenant = request._request.tenant
    principal, fingerprint = principal_of(request), _fingerprint(request)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO public.tenants_idempotencyrecord"
                " (tenant_id, principal, key, method, path, fingerprint, headers, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, '{}', now())"
                " ON CONFLICT (tenant_id, principal, key) DO NOTHING RETURNING id",
                [tenant.pk, principal, key, request.method, request.path[:255], fingerprint],
            )
            row = cursor.fetchone()
        if row is None:
            return _replay(tenant.pk, principal, key, fingerprint)
        response = run()
        if response.status_code >= 400:
            transaction.set_rollback(True)
            return response
        body = json.loads(JSONRenderer().render(response.data) or b"null")
        headers = {name: response[name] for name in ("Location", "ETag") if response.has_header(name)}
        IdempotencyRecord.objects.filter(pk=row[0]).update(
            status=response.status_code, body=body, headers=headers
        )
    return response


def _replay(tenant_id: int, principal: str, key: str, fingerprint: str) -> Response:
    record = IdempotencyRecord.objects.get(tenant_id=tenant_id, principal=principal, key=key)
    if record.fingerprint != fingerprint:
        raise UnprocessableEntity(_("This Idempotency-Key was used for a different request."))
    response = Response(record.body, status=record.status, headers=record.headers)
    response["Idempotent-Replayed"] = "true"
    return response
