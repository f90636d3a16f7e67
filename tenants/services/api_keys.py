"""API keys: made (shown once), found by the key a client presents, revoked."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.rows import Join, Rows

from ..models import ApiKey, ApiKeyKind, ApiKeyScope, IdempotencyRecord, PartsCentre, Tenant, TenantType

KEY_LEAD = "cdk"
# Answers stored for Idempotency-Key retries are kept this long; a retry after that acts again.
IDEMPOTENCY_KEEP = dt.timedelta(hours=24)
# last_used_at is written at most this often per key, not on every request.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # the whole key, shown once


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(
    *, tenant: Tenant, name: str, scope: str, parts_centre: PartsCentre | None = None
) -> IssuedKey:
    """A new key for one parts centre (on its maker's hotline host) or for one integration.

    Returns the whole key once; only its prefix and digest are stored.
    """
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Name the key after the system that will use it.")]
    if scope not in ApiKeyScope.values:
        errors["scope"] = [
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": scope, "allowed": ", ".join(ApiKeyScope.values)}
        ]
    if tenant.type == TenantType.PUBLIC:
        errors["tenant"] = [_("API keys belong to a hotline or a dealer.")]
    if parts_centre is not None:
        manufacturer = getattr(tenant, "manufacturer", None) if tenant.type == TenantType.HOTLINE else None
        if manufacturer is None or parts_centre.manufacturer_id != manufacturer.pk:
            errors["parts_centre"] = [_("A parts centre's key belongs to its manufacturer's hotline.")]
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    secret = f"{KEY_LEAD}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        tenant=tenant,
        name=name.strip(),
        scope=scope,
        parts_centre=parts_centre,
        kind=ApiKeyKind.PARTS_CENTRE if parts_centre else ApiKeyKind.INTEGRATION,
        prefix=prefix,
        digest=_digest(secret),
    )
    return IssuedKey(api_key=api_key, secret=secret)


def api_key_revoke(*, tenant: Tenant, prefix: str) -> ApiKey:
    """The key stops working at once; it stays listed with its revocation time."""
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().filter(tenant=tenant, prefix=prefix).first()
        if api_key is None:
            raise ValidationError(
                {"prefix": [_("No key with this prefix belongs to %(tenant)s.") % {"tenant": tenant.slug}]}
            )
        if api_key.revoked_at is None:
            api_key.revoked_at = timezone.now()
            api_key.save(update_fields=["revoked_at"])
    return api_key


# Read on every API request (a revoked key is refused on the next one: nothing is kept).
_KEY_BY_PREFIX = Rows(ApiKey, Join("parts_centre"))


def api_key_for(secret: str, tenant: Tenant) -> ApiKey | None:
    """The active key ``secret`` names on ``tenant``'s host, or None (unknown, revoked, foreign)."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_LEAD:
        return None
    api_key = _KEY_BY_PREFIX.one(
        "t.prefix = %s AND t.tenant_id = %s AND t.revoked_at IS NULL", [parts[1], tenant.pk]
    )
    if api_key is None or not hmac.compare_digest(api_key.digest, _digest(secret)):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_GRANULARITY:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def idempotency_records_purge() -> int:
    """Forget stored answers older than ``IDEMPOTENCY_KEEP`` (Celery beat, every ten minutes)."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - IDEMPOTENCY_KEEP
    ).delete()
    return deleted
