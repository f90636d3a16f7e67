"""Celery tasks of the platform: background jobs, and housekeeping on the public schema."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from .context import TRANSIENT, enqueue_in
from .jobs import RUN_TASK, job_run, jobs_purge, jobs_waiting
from .services.api_keys import idempotency_records_purge


@shared_task(name="tenants.idempotency_records_purge")
def idempotency_records_purge_task() -> None:
    """Stored answers of idempotent requests are kept for a day."""
    idempotency_records_purge()


@shared_task(
    name=RUN_TASK,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=None,
    soft_time_limit=settings.JOB_TIME_LIMIT_SECONDS,
    time_limit=settings.JOB_TIME_LIMIT_SECONDS + 60,
)
def job_run_task(job_id: int) -> None:
    """An export or import, in the schema of the tenant that asked for it."""
    job_run(job_id)


@shared_task(name="tenants.jobs_sweep")
def jobs_sweep() -> int:
    """Beat: queue again each job whose task was lost or whose worker died."""
    waiting = jobs_waiting(older_than=dt.timedelta(seconds=settings.OUTBOUND_LEASE_SECONDS))
    for job in waiting:
        enqueue_in(job.tenant, RUN_TASK, job.pk)
    return len(waiting)


@shared_task(name="tenants.jobs_purge")
def jobs_purge_task() -> int:
    """Beat: jobs and their files are kept for a week."""
    return jobs_purge()
