"""Celery tasks of the live path: the side effects of relayed events, and the sweeps.

The sweeps (Celery beat) are the safety net of the rows-first design: they queue
again what a lost broker message left waiting — relayed events not dispatched,
webhook deliveries, e-mails and texts due but not on their way.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from hotline.selectors import call_by_id
from hotline.services.calls import CALL_PUSH_TASK, call_push_done
from hotline.services.owner_sms import SEND_TASK as TEXT_TASK
from hotline.services.owner_sms import pending_texts
from notifications.outbound import due_ids, mark_enqueued, next_look
from notifications.robots import SEND_TASK as ROBOT_TASK
from notifications.robots import pending_robot_deliveries
from notifications.services import EMAIL_TASK, UNREAD_PUSH_TASK, pending_emails, unread_count
from notifications.webhooks import SEND_TASK as WEBHOOK_TASK
from notifications.webhooks import pending_deliveries
from tenants.context import TRANSIENT, current_tenant, each_tenant, enqueue_on_commit
from tenants.models import Manufacturer, Tenant, TenantType, WebhookBacklog

from .audiences import user_group
from .dispatch import DISPATCH_MANY_TASK, DISPATCH_TASK, relayed_events_dispatch, undispatched
from .layer import publish_once

# A dispatch is tried until it is done (running it twice changes nothing), backing off to a minute.
DISPATCH_RETRIES = {
    "acks_late": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": None,
}


@shared_task(name=DISPATCH_TASK, **DISPATCH_RETRIES)
def relayed_events_dispatch_task(event_ids: list[int]) -> None:
    """In a hotline's schema: notifications, webhooks and texts of these relayed events."""
    manufacturer = Manufacturer.objects.get(hotline=current_tenant())
    pushes = relayed_events_dispatch(manufacturer=manufacturer, event_ids=event_ids)
    publish_once(pushes)


@shared_task(name=DISPATCH_MANY_TASK, **DISPATCH_RETRIES)
def relayed_events_dispatch_many_task(batches: list[tuple[str, list[int]]]) -> None:
    """In public: for each (hotline schema, event ids), what ``relayed_events_dispatch_task`` does
    there. One hotline's trouble does not hold up the others; it is raised after them, a passing
    one first, so the task is tried again (the hotlines done have nothing left to do: a dispatch
    run twice changes nothing); what a lasting one leaves is the dispatch sweep's."""
    wanted = dict(batches)
    makers = {
        m.hotline_id: m
        for m in Manufacturer.objects.select_related("hotline").filter(hotline__schema_name__in=list(wanted))
    }

    def dispatch(hotline: Tenant) -> None:
        pushes = relayed_events_dispatch(
            manufacturer=makers[hotline.pk], event_ids=wanted[hotline.schema_name]
        )
        publish_once(pushes)

    done = each_tenant(dispatch, tenants=[m.hotline for m in makers.values()], name="dispatch")
    if done.failed:  # a passing trouble first: it is what makes the task be tried again
        failures = list(done.failed.values())
        raise next((e for e in failures if isinstance(e, TRANSIENT)), failures[0])


@shared_task(name=UNREAD_PUSH_TASK, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def unread_push_task(user_ids: list[int]) -> int:
    """In a tenant's schema: each person's unread count, as it is now, to their open pages (news
    told inside the tenant, such as an assignment). Run twice, it shows the same."""
    tenant = current_tenant()
    pushes = [
        (user_group(tenant.pk, user_id), {"type": "live.notification", "unread": unread_count(user_id)})
        for user_id in user_ids
    ]
    publish_once(pushes)
    return len(pushes)


def _outbound_queue(tenant: Tenant, now: dt.datetime) -> dt.datetime | None:
    """In one tenant's schema: queue each row due and not on its way; its next due time."""
    kinds = [
        (pending_deliveries(), WEBHOOK_TASK, "next_attempt_at", "enqueued_at"),
        (pending_emails(), EMAIL_TASK, "notify_at", "email_enqueued_at"),
        (pending_robot_deliveries(), ROBOT_TASK, "next_attempt_at", "enqueued_at"),
    ]
    if tenant.type == TenantType.HOTLINE:
        kinds.append((pending_texts(), TEXT_TASK, "next_attempt_at", "enqueued_at"))
    upcoming = []
    for rows, task, due, enqueued in kinds:
        ids = due_ids(rows, now=now, due=due, enqueued=enqueued)
        for row_id in ids:
            enqueue_on_commit(task, row_id)
        mark_enqueued(rows, ids, now=now, enqueued=enqueued)
        upcoming.append(next_look(rows, due=due, enqueued=enqueued))
    waiting = [u for u in upcoming if u is not None]
    return min(waiting) if waiting else None


@shared_task(name="live.outbound_sweep")
def outbound_sweep(now: str | None = None) -> int:
    """Beat: in every tenant with outbound work due, queue what is due and not on its way."""
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    backlogs = {b.tenant_id: b for b in WebhookBacklog.objects.filter(next_at__lte=moment)}
    done = each_tenant(
        lambda tenant: _outbound_queue(tenant, moment),
        tenants=Tenant.objects.filter(pk__in=list(backlogs)),
        name="outbound sweep",
    )
    for tenant_id, upcoming in done.results.items():
        backlog = backlogs[tenant_id]
        # Only if nothing new was queued meanwhile (that sets next_at to now).
        unchanged = WebhookBacklog.objects.filter(pk=backlog.pk, next_at=backlog.next_at)
        if upcoming is None:
            unchanged.delete()
        else:
            unchanged.update(next_at=upcoming)
    return len(done.results)


@shared_task(name="live.dispatch_sweep")
def dispatch_sweep() -> int:
    """Beat: in every hotline, queue the dispatch of relayed events whose task was lost."""
    older = dt.timedelta(seconds=settings.OUTBOUND_LEASE_SECONDS)

    def requeue(_hotline: Tenant) -> int:
        event_ids = undispatched(older_than=older)
        if event_ids:
            enqueue_on_commit(DISPATCH_TASK, event_ids)
        return len(event_ids)

    done = each_tenant(requeue, tenant_type=TenantType.HOTLINE, name="dispatch sweep")
    return sum(done.results.values())


@shared_task(
    name=CALL_PUSH_TASK,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=10,
    max_retries=6,  # a call rings for a minute or so; later, the page's own look finds it
)
def call_push_task(call_id: int) -> int:
    """In a hotline's schema: tell the browsers of the agents a call rings that it changed.

    The agents it is for open (or refresh) its pop-up; the others it rang close
    theirs. The message only names the call: the pop-up is read from the page,
    which checks who may see it. Sent twice, it shows the same. Returns the
    number of people told.
    """
    call = call_by_id(call_id)
    if call is None or call.pushed >= call.version:
        return 0
    tenant = current_tenant()
    mine = set(call.user_ids)
    pushes = [
        (
            user_group(tenant.pk, user_id),
            {"type": "live.call", "call": call.pk, "state": call.state, "mine": user_id in mine},
        )
        for user_id in sorted(mine | set(call.ringing_user_ids))
    ]
    publish_once(pushes)
    call_push_done(call.pk, call.version)
    return len(pushes)
