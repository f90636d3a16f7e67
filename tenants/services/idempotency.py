"""Doing a thing once per key: a retried request gets the first one's answer instead of a double.

The key is claimed, the change made and its answer stored in one transaction
(the caller's), so a change without its stored answer (or the reverse) never
exists. A concurrent retry waits on the claim until the first commits, then
gets its answer; if the first was refused (rolled back), the retry goes ahead.
Used by the API (``Idempotency-Key``) and by the portal's intake form (its
token).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from ..models import IdempotencyRecord


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: Any
    headers: dict[str, str]
    fingerprint: str = ""


def idempotency_claim(
    *, tenant_id: int, principal: str, key: str, method: str, path: str, fingerprint: str
) -> StoredAnswer | None:
    """Claim ``key`` in the caller's transaction: None when it is ours now, else the answer of
    the request that claimed it first (after waiting for it to commit)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.tenants_idempotencyrecord"
            " (tenant_id, principal, key, method, path, fingerprint, headers, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, '{}', now())"
            " ON CONFLICT (tenant_id, principal, key) DO NOTHING RETURNING id",
            [tenant_id, principal, key, method, path[:255], fingerprint],
        )
        if cursor.fetchone() is not None:
            return None
    record = IdempotencyRecord.objects.get(tenant_id=tenant_id, principal=principal, key=key)
    return StoredAnswer(record.status, record.body, record.headers, record.fingerprint)


def idempotency_answer(*, tenant_id: int, principal: str, key: str, answer: StoredAnswer) -> None:
    """Keep the answer of a claimed key, in the transaction that claimed it."""
    IdempotencyRecord.objects.filter(tenant_id=tenant_id, principal=principal, key=key).update(
        status=answer.status, body=answer.body, headers=answer.headers
    )
