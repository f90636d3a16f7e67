"""Webhooks: each tenant's integrations receive its work-order events, signed, retried, logged.

Deliveries are rows written by the relay in its transaction, one per event and
endpoint, in the endpoint's tenant's schema. The scheduler job sends what is
due (``WebhookBacklog`` in the public schema names the tenants that have
anything waiting), retries failures with exponential back-off (every six hours at the
longest, never giving up), keeps the outcome of the last attempt, and sends the
deliveries of one work order to an endpoint in order; a delivery can be replayed
by hand. Every attempt goes through ``safe_http``: the host is resolved, the
platform's own networks are refused, the checked address is the one connected
to, and redirects are not followed. The body is
signed with the endpoint's secret: ``X-Signature: sha256=<hex HMAC of
"<X-Timestamp>.<body>">``, so a receiver can check it and refuse replays of old
messages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.context import current_tenant

from . import safe_http
from .backlog import backlog_touch
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
BATCH = 50
LONGEST_WAIT = 6 * 3600  # retries back off to every six hours and never give up


def webhook_endpoint_create(
    *, url: str, event_kinds: list[str] | None = None, description: str = ""
) -> WebhookEndpoint:
    """A new endpoint in the current tenant's schema; its secret is shown to the admin once."""
    schemes = ["https"] if settings.WEBHOOKS_REQUIRE_HTTPS else ["http", "https"]
    try:
        URLValidator(schemes=schemes)(url)
        with contextlib.suppress(OSError):  # not resolvable yet: each delivery checks again
            safe_http.check_url(url, schemes=tuple(schemes))
    except safe_http.AddressRefused as exc:
        raise ValidationError(
            {"url": [_("This address is not allowed: it is not on the public internet.")]}
        ) from exc
    except (ValidationError, ValueError) as exc:
        raise ValidationError(
            {
                "url": [
                    _("Enter a valid https:// address.")
                    if settings.WEBHOOKS_REQUIRE_HTTPS
                    else _("Enter a valid http(s):// address.")
                ]
            }
        ) from exc
    return WebhookEndpoint.objects.create(
        url=url, event_kinds=list(event_kinds or []), description=description, secret=secrets.token_hex(32)
    )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def webhooks_enqueue(tenant_id: int, stream: int, messages: list[dict[str, Any]]) -> int:
    """In the current schema (tenant ``tenant_id``): one delivery per message and endpoint."""
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
    if not endpoints:
        return 0
    now = timezone.now()
    rows = [
        WebhookDelivery(
            endpoint=endpoint,
            stream=stream,
            event_id=m["id"],
            event_kind=m["kind"],
            payload=m,
            next_attempt_at=now,
        )
        for m in messages
        for endpoint in endpoints
        if endpoint.wants(m["kind"])
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        backlog_touch(tenant_id, now)
    return len(rows)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """One attempt, through ``safe_http`` (checked address, no redirects). The stored error is
    ``HTTP <status>`` or one of safe_http's plain words: nothing a tenant could map the network with."""
    body = json.dumps(delivery.payload, ensure_ascii=False).encode()
    timestamp = str(int(timezone.now().timestamp()))
    answer = safe_http.post(
        delivery.endpoint.url,
        body,
        {
            "Content-Type": "application/json; charset=utf-8",
            "X-Event-Id": f"{delivery.stream}:{delivery.event_id}",
            "X-Event-Kind": delivery.event_kind,
            "X-Timestamp": timestamp,
            "X-Signature": signature(delivery.endpoint.secret, timestamp, body),
        },
        timeout=TIMEOUT_SECONDS,
    )
    if answer.status is not None and not 200 <= answer.status < 300:
        return answer.status, f"HTTP {answer.status}"
    return answer.status, answer.error


def _next_due(now: dt.datetime) -> WebhookDelivery | None:
    """The next due delivery whose endpoint has nothing earlier waiting for the same work order.

    (Deliveries of one work order reach an endpoint in order: a later one waits
    while an earlier one is being retried.)
    """
    earlier = WebhookDelivery.objects.filter(
        endpoint=OuterRef("endpoint"),
        status=DeliveryStatus.PENDING,
        payload__work_order=OuterRef("payload__work_order"),
        id__lt=OuterRef("id"),
    )
    return (
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("endpoint")
        .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .exclude(Exists(earlier))
        .order_by("next_attempt_at", "id")
        .first()
    )


def webhooks_deliver_due(now: dt.datetime | None = None) -> dt.datetime | None:
    """Send the current schema's due deliveries; return when the next one is due, or None.

    Each delivery is sent and recorded in a transaction of its own, so one
    failure never makes others be sent again.
    """
    now = now or timezone.now()
    for _attempt in range(BATCH):
        with transaction.atomic():
            delivery = _next_due(now)
            if delivery is None:
                break
            code, error = _post(delivery)
            delivery.attempts += 1
            delivery.last_status_code, delivery.last_error = code, error
            if code is not None and 200 <= code < 300:
                delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
                delivery.next_attempt_at = None
            else:  # 30 s, 1 min, 2 min, ... then every 6 h until the receiver is back
                delay = min(30 * 2 ** (delivery.attempts - 1), LONGEST_WAIT)
                delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
            delivery.save()
    return (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def webhook_delivery_replay(delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it (the log keeps its attempts)."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, timezone.now()
        delivery.save()
        backlog_touch(current_tenant().pk, delivery.next_attempt_at)
    return delivery
