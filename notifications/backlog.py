"""Which tenants have outbound work waiting (webhooks, e-mails): one row each, in the public schema."""

from __future__ import annotations

import datetime as dt

from tenants.models import WebhookBacklog


def backlog_touch(tenant_id: int, at: dt.datetime) -> None:
    """The tenant has outbound work (webhooks, e-mails) due at ``at`` at the latest."""
    WebhookBacklog.objects.update_or_create(tenant_id=tenant_id, defaults={"next_at": at})
