"""Celery tasks that send what the notifications app keeps as rows: webhook deliveries, e-mails.

Each task runs in the schema of the tenant that owns the row (tenant-schemas-celery),
fetches it by id and calls the service, which sends at most once (``notifications/outbound.py``).
"""

from __future__ import annotations

import smtplib

from celery import shared_task

from tenants.context import TRANSIENT, enqueue_on_commit

from .robots import SEND_TASK as ROBOT_TASK
from .robots import robot_delivery_attempt
from .services import EMAIL_TASK, notification_email_attempt
from .webhooks import SEND_TASK, webhook_delivery_attempt

RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": True, "retry_backoff_max": 60, "max_retries": None}


@shared_task(name=SEND_TASK, acks_late=True, **RETRY)
def webhook_delivery_send(delivery_id: int) -> None:
    """Send one webhook delivery; once delivered, the next of its work order is queued."""
    following = webhook_delivery_attempt(delivery_id)
    if following is not None:
        enqueue_on_commit(SEND_TASK, following)


@shared_task(
    name=EMAIL_TASK,
    acks_late=True,
    autoretry_for=(*TRANSIENT, smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=None,
)
def notification_email_send(notification_id: int) -> None:
    """E-mail one notification (a mail server that is away: tried again, up to every 10 min)."""
    notification_email_attempt(notification_id)


@shared_task(name=ROBOT_TASK, acks_late=True, **RETRY)
def robot_delivery_send(delivery_id: int) -> None:
    """Post one robot delivery (or the digest of its robot's held ones); a failure waits for its
    next attempt, which the outbound sweep queues when it falls due."""
    robot_delivery_attempt(delivery_id)
