"""Celery tasks of the hotline: texts to owners, each sent by its row's id."""

from __future__ import annotations

from celery import shared_task

from tenants.context import TRANSIENT

from .services.owner_sms import SEND_TASK, owner_sms_attempt


@shared_task(
    name=SEND_TASK,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=None,
)
def owner_sms_send(sms_id: int) -> None:
    """Send one text to an owner (``owner_sms_attempt``: at most once, failures retried by the row)."""
    owner_sms_attempt(sms_id)
