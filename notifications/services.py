"""In-app notifications: filed for relayed events in each reader's own schema, read, e-mailed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django_tenants.utils import tenant_context

from tenants.context import enqueue_on_commit
from tenants.models import Tenant, User

from .backlog import backlog_touch
from .models import Notification, NotificationPreference
from .rules import Audience, MemberCache, recipients


@dataclass(frozen=True)
class Tell:
    """One event to tell people of, as the event catalogue describes it."""

    event_id: int
    kind: str
    stream: int  # the manufacturer's hotline whose log holds the event
    manufacturer_code: str
    work_order_number: str
    title: Promise | str  # ``%(number)s`` is filled with the work order's number
    notify_at: dt.datetime
    audience: Audience
    hotline_id: int
    dealer_id: int | None  # None: the dealer is not told (the work order was not its then)
    created_by_id: int
    email_by_default: bool = False
    always: bool = False  # escalations: in the app and by e-mail, whatever the person chose
    caller: tuple[int, int] | None = None  # (tenant, user) whose action appended the event
    assignee: int | None = None  # the dealer's assignee of the work order (a user id), if any


def notifications_file(tells: list[Tell]) -> dict[tuple[int, int], int]:
    """File each event's notifications in the recipients' schemas.

    Returns the unread count of each (tenant, person) told, for the live push.
    Runs inside the relay's transaction; the unique constraint keeps an event
    relayed twice from telling anyone twice.
    """
    by_tenant: dict[int, list[Notification]] = defaultdict(list)
    members: MemberCache = {}
    with translation.override(settings.LANGUAGE_CODE):
        for tell in tells:
            pairs = recipients(
                tell.audience,
                hotline_id=tell.hotline_id,
                dealer_id=tell.dealer_id,
                created_by_id=tell.created_by_id,
                cache=members,
                caller=tell.caller,
                assignee=tell.assignee,
            )
            for tenant_id, user_id in pairs:
                row = Notification(
                    user_id=user_id,
                    kind=tell.kind,
                    stream=tell.stream,
                    event_id=tell.event_id,
                    manufacturer_code=tell.manufacturer_code,
                    work_order_number=tell.work_order_number,
                    title=str(tell.title) % {"number": tell.work_order_number},
                    notify_at=tell.notify_at,
                )
                row.tell = tell
                by_tenant[tenant_id].append(row)
    unread: dict[tuple[int, int], int] = {}
    tenants = {t.pk: t for t in Tenant.objects.filter(pk__in=list(by_tenant))}
    for tenant_id, rows in by_tenant.items():
        with tenant_context(tenants[tenant_id]):
            rows = _apply_preferences(rows)
            if not rows:
                continue
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            if any(n.email_wanted for n in rows):
                backlog_touch(tenant_id, min(n.notify_at for n in rows if n.email_wanted))
                now = timezone.now()
                due = pending_emails().filter(
                    stream__in={n.stream for n in rows},
                    event_id__in={n.event_id for n in rows},
                    notify_at__lte=now,
                    email_enqueued_at__isnull=True,
                )
                for notification_id in due.values_list("pk", flat=True):
                    enqueue_on_commit(EMAIL_TASK, notification_id)
                due.update(email_enqueued_at=now)
            users = {n.user_id for n in rows}
            counts = dict(
                Notification.objects.filter(
                    user_id__in=users,
                    read_at__isnull=True,
                    notify_at__lte=timezone.now(),
                )
                .values("user_id")
                .annotate(n=Count("id"))
                .values_list("user_id", "n")
            )
        unread.update({(tenant_id, u): counts.get(u, 0) for u in users})
    return unread


def _apply_preferences(rows: list[Notification]) -> list[Notification]:
    """In the reader's schema: drop what people turned off, mark what goes by e-mail."""
    chosen = {
        (p.user_id, p.kind): p
        for p in NotificationPreference.objects.filter(
            user_id__in={n.user_id for n in rows}, kind__in={n.kind for n in rows}
        )
    }
    kept = []
    for row in rows:
        preference = chosen.get((row.user_id, row.kind))
        forced = row.tell.always
        if preference is not None and not preference.in_app and not forced:
            continue
        row.email_wanted = forced or (
            preference.email if preference is not None else row.tell.email_by_default
        )
        kept.append(row)
    return kept


def notification_preference_set(
    *, user_id: int, kind: str, in_app: bool, email: bool
) -> NotificationPreference:
    """A person's choice for one kind of event (escalations reach them regardless)."""
    preference, _created = NotificationPreference.objects.update_or_create(
        user_id=user_id, kind=kind, defaults={"in_app": in_app, "email": email}
    )
    return preference


EMAIL_TASK = "notifications.notification_email_send"


def pending_emails() -> QuerySet[Notification]:
    """Notifications wanted by e-mail and not yet e-mailed (due from their ``notify_at``)."""
    return Notification.objects.filter(email_wanted=True, emailed_at__isnull=True)


def notification_email_attempt(notification_id: int, *, now: dt.datetime | None = None) -> bool:
    """In the reader's schema: e-mail one notification if it is due and not e-mailed yet.

    Sent and recorded with the row locked, so a task run twice e-mails once; a
    mail server that refuses raises (the task retries with back-off). A person
    without an address or no longer active gets nothing, and it is not tried again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            pending_emails()
            .select_for_update(skip_locked=True)
            .filter(pk=notification_id, notify_at__lte=now)
            .first()
        )
        if row is None:
            return False
        user = User.objects.filter(pk=row.user_id, is_active=True).first()
        if user is not None and user.email:
            send_mail(
                row.title,
                f"{row.title}\n\n{row.manufacturer_code} {row.work_order_number}",
                None,
                [user.email],
            )
        row.emailed_at = now
        row.save(update_fields=["emailed_at"])
    return True


def unread_count(user_id: int) -> int:
    """In the current tenant's schema: notifications due to be shown and not yet read."""
    return Notification.objects.filter(
        user_id=user_id, read_at__isnull=True, notify_at__lte=timezone.now()
    ).count()


def notifications_of(user_id: int, limit: int = 20) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user_id, notify_at__lte=timezone.now())[:limit]


def notifications_mark_read(user_id: int, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user_id=user_id, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
