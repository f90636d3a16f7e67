"""Managing a tenant's webhook endpoints: events to send, active or not, secret rotation, a test
delivery, and the delivery log. Creating one is ``webhooks.webhook_endpoint_create``.

Everything works in the current tenant's schema; an endpoint of another tenant
does not exist here. A new secret is returned once and replaces the old one at
once. A test delivery is sent now, through ``safe_http`` like any other, and
kept in the log; it is never retried.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import safe_http
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from .webhooks import TIMEOUT_SECONDS, signature

TEST_KIND = "webhook.test"
LOG_ROWS = 100


def webhook_endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("id")


def webhook_endpoint_get(endpoint_id: int) -> WebhookEndpoint:
    """The endpoint of this tenant (``WebhookEndpoint.DoesNotExist`` otherwise: a 404)."""
    return WebhookEndpoint.objects.get(pk=endpoint_id)


def webhook_endpoint_update(
    *,
    endpoint_id: int,
    event_kinds: Iterable[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    known_kinds: Iterable[str] = (),
) -> WebhookEndpoint:
    """Change which events an endpoint receives (empty: all), its description, or pause it."""
    endpoint = webhook_endpoint_get(endpoint_id)
    if event_kinds is not None:
        kinds = list(dict.fromkeys(event_kinds))
        unknown = sorted(set(kinds) - set(known_kinds)) if known_kinds else []
        if unknown:
            raise ValidationError(
                {"event_kinds": [_("Unknown event(s): %(kinds)s.") % {"kinds": ", ".join(unknown)}]}
            )
        endpoint.event_kinds = kinds
    if description is not None:
        endpoint.description = description.strip()[:200]
    if is_active is not None:
        endpoint.is_active = is_active
    endpoint.save()
    return endpoint


def webhook_secret_rotate(*, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """A new signing secret, returned once; deliveries from now on are signed with it."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        endpoint.secret = secrets.token_hex(32)
        endpoint.save(update_fields=["secret"])
    return endpoint, endpoint.secret


def webhook_test_send(*, endpoint_id: int, tenant_slug: str) -> WebhookDelivery:
    """Send a signed test event now and keep the attempt in the log (not retried)."""
    endpoint = webhook_endpoint_get(endpoint_id)
    now = timezone.now()
    payload = {"kind": TEST_KIND, "tenant": tenant_slug, "at": now.isoformat(), "work_order": None}
    body = json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(now.timestamp()))
    answer = safe_http.post(
        endpoint.url,
        body,
        {
            "Content-Type": "application/json; charset=utf-8",
            "X-Event-Id": f"0:{-int(now.timestamp() * 1000)}",
            "X-Event-Kind": TEST_KIND,
            "X-Timestamp": timestamp,
            "X-Signature": signature(endpoint.secret, timestamp, body),
        },
        timeout=TIMEOUT_SECONDS,
    )
    ok = answer.status is not None and 200 <= answer.status < 300
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        stream=0,
        event_id=-int(now.timestamp() * 1000),
        event_kind=TEST_KIND,
        payload=payload,
        status=DeliveryStatus.DELIVERED if ok else DeliveryStatus.FAILED,
        attempts=1,
        last_status_code=answer.status,
        last_error="" if ok else (f"HTTP {answer.status}" if answer.status is not None else answer.error),
        delivered_at=now if ok else None,
    )


def webhook_deliveries(endpoint_id: int, *, limit: int = LOG_ROWS) -> list[WebhookDelivery]:
    """An endpoint's newest deliveries: what was sent, how often, the last answer."""
    return list(WebhookDelivery.objects.filter(endpoint_id=endpoint_id).order_by("-id")[:limit])
