"""What leaves the building is a row first and a task second.

Each outbound message (a webhook delivery, an e-mail, a text to an owner) is a
row in its tenant's schema with a due time. On commit a Celery task is queued
with the row's id; the task claims the row (``FOR UPDATE SKIP LOCKED``), does
nothing if it is done or not yet due, sends, and records the outcome — so a task
run twice sends once. A failure moves the due time on by a capped exponential
back-off. A periodic sweep queues again every row that is due and whose task is
not known to be on its way (never queued since it fell due, or queued longer
ago than the lease): a lost broker message costs a delay, never a delivery.
``tenants.models.WebhookBacklog`` names the tenants with anything waiting, so the
sweep does not visit every schema.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Case, DateTimeField, ExpressionWrapper, F, Min, Q, QuerySet, When

FIRST_RETRY_SECONDS = 30


def backoff(attempts: int, *, longest: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, ... after the attempts so far, never longer than ``longest`` seconds."""
    return dt.timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), longest))


def lease() -> dt.timedelta:
    """How long a queued task may take to start before the sweep queues its row again."""
    return dt.timedelta(seconds=settings.OUTBOUND_LEASE_SECONDS)


def due_ids(rows: QuerySet, *, now: dt.datetime, due: str, enqueued: str, limit: int = 500) -> list[int]:
    """Ids of ``rows`` due by ``now`` whose task is not known to be on its way."""
    waiting = Q(**{f"{enqueued}__isnull": True}) | Q(**{f"{enqueued}__lt": F(due)})
    waiting |= Q(**{f"{enqueued}__lt": now - lease()})
    return list(
        rows.filter(**{f"{due}__lte": now})
        .filter(waiting)
        .order_by(due, "id")
        .values_list("id", flat=True)[:limit]
    )


def mark_enqueued(rows: QuerySet, ids: list[int], *, now: dt.datetime, enqueued: str) -> None:
    rows.filter(pk__in=ids).update(**{enqueued: now})


def next_look(rows: QuerySet, *, due: str, enqueued: str) -> dt.datetime | None:
    """When the sweep should next look at ``rows``: the earliest due time, or for a row queued
    since it fell due, the end of its lease."""
    queued = Q(**{f"{enqueued}__isnull": False, f"{enqueued}__gte": F(due)})
    look = Case(
        When(queued, then=ExpressionWrapper(F(enqueued) + lease(), output_field=DateTimeField())),
        default=F(due),
        output_field=DateTimeField(),
    )
    return rows.aggregate(first=Min(look))["first"]
