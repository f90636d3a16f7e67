"""In-app notifications: filed for relayed events in each reader's own schema, read, e-mailed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django_tenants.utils import tenant_context

from tenants.context import current_tenant, enqueue_on_commit
from tenants.models import Tenant, User
from tenants.selectors import portal_url

from .backlog import backlog_touch
from .models import Notification, NotificationPreference
from .robots import robots_enqueue
from .rules import Audience, MemberCache, recipients
from .sentences import sentence, work_order_path


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
    facts: dict[str, Any] = field(default_factory=dict)  # what happened (``notifications/sentences.py``)

    def named(self) -> set[int]:
        """The people the event names (mentioned by the robots): its assignee when it tells them,
        the senior manager a contact was recorded for, the person a work order was assigned to, the
        people a message in the conversation mentions."""
        data = self.facts.get("data") or {}
        people = {int(data[k]) for k in ("on_behalf_of", "assignee_id") if str(data.get(k) or "").isdigit()}
        for key in ("mentioned_hotline", "mentioned_dealer"):
            people |= {int(u) for u in data.get(key) or () if str(u).isdigit()}
        if self.audience.assignee and self.assignee is not None:
            people.add(self.assignee)
        return people


def notifications_file(tells: list[Tell]) -> dict[tuple[int, int], int]:
    """File each event's notifications in the recipients' schemas.

    Returns the unread count of each (tenant, person) told, for the live push.
    Runs inside the relay's transaction; the unique constraint keeps an event
    relayed twice from telling anyone twice.
    """
    by_tenant: dict[int, list[Notification]] = defaultdict(list)
    # Each tenant's robots hear of what tells someone there (whatever each person chose).
    told: dict[int, dict[int, Tell]] = defaultdict(dict)
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
                    facts=tell.facts,
                    notify_at=tell.notify_at,
                )
                row.tell = tell
                by_tenant[tenant_id].append(row)
                told[tenant_id][tell.event_id] = tell
    unread: dict[tuple[int, int], int] = {}
    tenants = {t.pk: t for t in Tenant.objects.filter(pk__in=list(by_tenant))}
    for tenant_id, rows in by_tenant.items():
        with tenant_context(tenants[tenant_id]):
            robots_enqueue(
                tenant_id,
                [
                    _robot_news(tell, {n.user_id for n in rows if n.event_id == tell.event_id})
                    for tell in told[tenant_id].values()
                ],
            )
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


def _robot_news(tell: Tell, told_here: set[int]) -> dict[str, Any]:
    return {
        "stream": tell.stream,
        "event_id": tell.event_id,
        "kind": tell.kind,
        "number": tell.work_order_number,
        "manufacturer_code": tell.manufacturer_code,
        "facts": tell.facts,
        "title": str(tell.title) % {"number": tell.work_order_number},
        "at": tell.notify_at,
        "named": sorted(tell.named() & told_here),
    }


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
# The open pages of people told of news that stays inside a tenant get their unread count
# (live/tasks.py; events relayed from the hotline push theirs as they are dispatched).
UNREAD_PUSH_TASK = "live.unread_push"


def pending_emails() -> QuerySet[Notification]:
    """Notifications wanted by e-mail and not yet e-mailed (due from their ``notify_at``)."""
    return Notification.objects.filter(email_wanted=True, emailed_at__isnull=True)


def notification_text(row: Notification) -> str:
    """What the notification says, in the active language (its title for an older row)."""
    return sentence(row.kind, row.work_order_number, row.facts) or row.title


def notification_email_attempt(notification_id: int, *, now: dt.datetime | None = None) -> bool:
    """In the reader's schema: e-mail one notification if it is due and not e-mailed yet.

    Sent and recorded with the row locked, so a task run twice e-mails once; a
    mail server that refuses raises (the task retries with back-off). A person
    without an address or no longer active gets nothing, and it is not tried again.
    The e-mail says what happened in the person's language, with a link to the work order.
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
            tenant = current_tenant()
            path = work_order_path(tenant.type, row.manufacturer_code, row.work_order_number, row.kind)
            link = portal_url(tenant, path) if path else ""
            with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
                text = notification_text(row)
            send_mail(
                text[:200],
                f"{text}\n\n{row.manufacturer_code} {row.work_order_number}\n{link}".rstrip(),
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


def notifications_mark_read(
    user_id: int, ids: list[int] | None = None, *, work_order: tuple[str, str] | None = None
) -> int:
    """Mark the person's notifications read: all, the ones given, or every one of a work order
    (``(manufacturer code, number)``). Another person's are never touched."""
    qs = Notification.objects.filter(user_id=user_id, read_at__isnull=True, notify_at__lte=timezone.now())
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if work_order is not None:
        qs = qs.filter(manufacturer_code=work_order[0], work_order_number=work_order[1])
    return qs.update(read_at=timezone.now())


@dataclass
class Group:
    """One work order's notifications for one person: the newest first."""

    manufacturer_code: str
    work_order_number: str
    items: list[Notification]
    unread: int

    @property
    def newest(self) -> Notification:
        return self.items[0]

    @property
    def key(self) -> str:
        return f"{self.manufacturer_code}:{self.work_order_number}"


def notification_groups(user_id: int, *, limit: int = 50, scan: int = 500) -> list[Group]:
    """The person's notifications, one group per work order, the most recently told first (among
    the newest ``scan`` notifications)."""
    groups: dict[tuple[str, str], Group] = {}
    for row in notifications_of(user_id, limit=scan):
        key = (row.manufacturer_code, row.work_order_number)
        group = groups.get(key)
        if group is None:
            if len(groups) >= limit:
                continue
            group = groups[key] = Group(row.manufacturer_code, row.work_order_number, [], 0)
        group.items.append(row)
        group.unread += row.read_at is None
    return list(groups.values())


def notification_tell_here(
    *,
    user_ids: set[int],
    kind: str,
    manufacturer_code: str,
    work_order_number: str,
    facts: dict[str, Any],
) -> int:
    """In the current tenant's schema: tell its people of news that stays inside the tenant
    (a dealer's assignment of a work order to one of its people), as preferences say; its
    robots hear of it too. In the caller's transaction; e-mails and robots' messages are queued
    when it commits. Returns how many were told in the app."""
    now = timezone.now()
    event_id = -int(now.timestamp() * 1_000_000)
    tenant = current_tenant()
    with translation.override(settings.LANGUAGE_CODE):
        title = sentence(kind, work_order_number, facts) or work_order_number
    tell = Tell(
        event_id=event_id,
        kind=kind,
        stream=0,
        manufacturer_code=manufacturer_code,
        work_order_number=work_order_number,
        title=title,
        notify_at=now,
        audience=Audience(),
        hotline_id=0,
        dealer_id=None,
        created_by_id=0,
        email_by_default=True,
        facts=facts,
    )
    robots_enqueue(tenant.pk, [_robot_news(tell, set(user_ids))])
    rows = []
    for user_id in sorted(user_ids):
        row = Notification(
            user_id=user_id,
            kind=kind,
            stream=0,
            event_id=event_id,
            manufacturer_code=manufacturer_code,
            work_order_number=work_order_number,
            title=title[:200],
            facts=facts,
            notify_at=now,
        )
        row.tell = tell
        rows.append(row)
    rows = _apply_preferences(rows)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        enqueue_on_commit(UNREAD_PUSH_TASK, sorted({n.user_id for n in rows}))
    if any(n.email_wanted for n in rows):
        backlog_touch(tenant.pk, now)
        due = pending_emails().filter(stream=0, event_id=event_id, email_enqueued_at__isnull=True)
        for notification_id in due.values_list("pk", flat=True):
            enqueue_on_commit(EMAIL_TASK, notification_id)
        due.update(email_enqueued_at=now)
    return len(rows)
