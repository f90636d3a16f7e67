"""The scheduler job for what leaves the building: webhooks and e-mails of every tenant with some due."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tenants.context import each_tenant
from tenants.models import Tenant, WebhookBacklog

from .services import notifications_email_due
from .webhooks import webhooks_deliver_due


def deliver_everywhere(now: dt.datetime | None = None) -> float | None:
    """Send the due webhooks and e-mails of each tenant in the backlog.

    Returns the seconds until the next is due, or None.
    """
    now = now or timezone.now()
    backlogs = {b.tenant_id: b for b in WebhookBacklog.objects.filter(next_at__lte=now)}

    def deliver(_tenant: Tenant) -> dt.datetime | None:
        dues = [d for d in (webhooks_deliver_due(now), notifications_email_due(now)) if d]
        return min(dues) if dues else None

    done = each_tenant(deliver, tenants=Tenant.objects.filter(pk__in=list(backlogs)), name="deliveries")
    for tenant_id, upcoming in done.results.items():
        backlog = backlogs[tenant_id]
        # Only if the relay has not queued something new meanwhile (it sets next_at to now).
        unchanged = WebhookBacklog.objects.filter(pk=backlog.pk, next_at=backlog.next_at)
        if upcoming is None:
            unchanged.delete()
        else:
            unchanged.update(next_at=upcoming)
    first = WebhookBacklog.objects.order_by("next_at").values_list("next_at", flat=True).first()
    return None if first is None else max((first - timezone.now()).total_seconds(), 0.0)
