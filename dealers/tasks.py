"""The dealers' background work: the general managers' daily digest."""

from __future__ import annotations

import smtplib

from celery import shared_task

from tenants.context import each_tenant
from tenants.models import TenantType

from .digest import SEND_TASK, digest_send, digests_make


@shared_task(name="dealers.digest_sweep")
def digest_sweep() -> int:
    """Beat: in every dealer, make the morning's digests due and queue those not on their way."""
    done = each_tenant(
        lambda _dealer: len(digests_make()), tenant_type=TenantType.DEALER, name="digest sweep"
    )
    return sum(done.results.values())


@shared_task(
    name=SEND_TASK,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=8,
)
def digest_send_task(digest_id: int) -> bool:
    return digest_send(digest_id)
