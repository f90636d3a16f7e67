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
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.context import current_tenant, enqueue_on_commit

from . import safe_http
from .backlog import backlog_touch
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from .outbound import backoff

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
LONGEST_WAIT = 6 * 3600  # retries back off to every six hours and never give up
SEND_TASK = "notifications.webhook_delivery_send"


def public_url_check(url: str, *, field: str = "url") -> None:
    """An address the platform may send to: a valid http(s) URL (https only where required) whose
    host is not in the platform's own networks (``safe_http``); ``ValidationError`` on ``field``
    otherwise. A host that does not resolve yet passes: each delivery checks again."""
    schemes = ["https"] if settings.WEBHOOKS_REQUIRE_HTTPS else ["http", "https"]
    try:
        URLValidator(schemes=schemes)(url)
        with contextlib.suppress(OSError):  # not resolvable yet: each delivery checks again
            safe_http.check_url(url, schemes=tuple(schemes))
    except safe_http.AddressRefused as exc:
        raise ValidationError(
            {field: [_("This address is not allowed: it is not on the public internet.")]}
        ) from exc
    except (ValidationError, ValueError) as exc:
        raise ValidationError(
            {
                field: [
                    _("Enter a valid https:// address.")
                    if settings.WEBHOOKS_REQUIRE_HTTPS
                    else _("Enter a valid http(s):// address.")
                ]
            }
        ) from exc


def webhook_endpoint_create(
    *, url: str, event_kinds: list[str] | None = None, description: str = ""
) -> WebhookEndpoint:
    """A new endpoint in the current tenant's schema; its secret is shown to the admin once."""
    public_url_check(url)
    return WebhookEndpoint.objects.create(
        url=url, event_kinds=list(event_kinds or []), description=description, secret=secrets.token_hex(32)
    )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def webhooks_enqueue(tenant_id: int, stream: int, messages: list[dict[str, Any]]) -> int:
    """In the current schema (tenant ``tenant_id``): one delivery per message and endpoint,
    each sent by a task queued when the caller's transaction commits."""
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
            enqueued_at=now,
        )
        for m in messages
        for endpoint in endpoints
        if endpoint.wants(m["kind"])
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        backlog_touch(tenant_id, now)
        created = WebhookDelivery.objects.filter(
            stream=stream, event_id__in={m["id"] for m in messages}, status=DeliveryStatus.PENDING
        ).values_list("pk", flat=True)
        for delivery_id in created:
            enqueue_on_commit(SEND_TASK, delivery_id)
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


def _earlier_waiting(delivery: WebhookDelivery) -> bool:
    """Deliveries of one work order reach an endpoint in order: a later one waits while an
    earlier one is still to be delivered."""
    return WebhookDelivery.objects.filter(
        endpoint_id=delivery.endpoint_id,
        status=DeliveryStatus.PENDING,
        payload__work_order=delivery.payload.get("work_order"),
        id__lt=delivery.pk,
    ).exists()


def pending_deliveries() -> QuerySet[WebhookDelivery]:
    """Deliveries still to be made, each the first of its work order for its endpoint."""
    earlier = WebhookDelivery.objects.filter(
        endpoint=OuterRef("endpoint"),
        status=DeliveryStatus.PENDING,
        payload__work_order=OuterRef("payload__work_order"),
        id__lt=OuterRef("id"),
    )
    return WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).exclude(Exists(earlier))


def webhook_delivery_attempt(delivery_id: int, *, now: dt.datetime | None = None) -> int | None:
    """Send one delivery if it is due and first in line; record the outcome.

    Sent and recorded in a transaction of its own with the row locked, so a task
    run twice sends once; a delivery being sent by another worker is left alone.
    A failure is retried after 30 s, 1 min, 2 min, ... then every 6 h until the
    receiver is back. Returns the id of the next delivery of the same work order
    for the same endpoint, now first in line, if this one was delivered.
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None or _earlier_waiting(delivery):
            return None
        code, error = _post(delivery)
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = code, error
        delivered = code is not None and 200 <= code < 300
        if delivered:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                DeliveryStatus.DELIVERED,
                now,
                None,
            )
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts, longest=LONGEST_WAIT)
            backlog_touch(current_tenant().pk, delivery.next_attempt_at)
        delivery.save()
    if not delivered:
        return None
    return (
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            status=DeliveryStatus.PENDING,
            payload__work_order=delivery.payload.get("work_order"),
        )
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )


def webhook_delivery_replay(delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it (the log keeps its attempts)."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, timezone.now()
        delivery.save()
        backlog_touch(current_tenant().pk, delivery.next_attempt_at)
        enqueue_on_commit(SEND_TASK, delivery.pk)
    return delivery
