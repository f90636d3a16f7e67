"""Creating in-app notifications for relayed events, and reading them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import Tenant

from .models import Notification, NotificationPreference
from .rules import recipients


def user_group(tenant_id: int, user_id: int) -> str:
    return f"user.{tenant_id}.{user_id}"


def _title(kind: str, number: str, data: dict) -> str:
    titles = {
        "work_order.dispatched": _("New work order %(number)s"),
        "work_order.transferred": _("Work order %(number)s transferred to you"),
        "work_order.reopened": _("Work order %(number)s reopened"),
        "work_order.parts_unavailable": _("No part of %(number)s can be supplied"),
        "work_order.first_contact": _("Dealer contacted the owner of %(number)s"),
        "work_order.resolved": _("Dealer resolved %(number)s; call the owner back"),
        "transfer.requested": _("Transfer requested for %(number)s"),
        "extension.requested": _("Extension requested for %(number)s"),
        "clock.warning": _("%(number)s: a deadline is near"),
        "clock.breached": _("%(number)s: a deadline was missed"),
        "clock.escalated": _("%(number)s: missed deadline escalated"),
    }
    text = titles.get(kind) or (
        _("Parts update for %(number)s") if kind.startswith("parts.") else _("Update on %(number)s")
    )
    return text % {"number": number}


def notifications_for_events(
    events: list[Any], *, hotline_id: int, manufacturer_code: str, active_dealers: set[int]
) -> list[tuple[str, dict]]:
    """File each event's notifications in the recipients' schemas; return the live pushes.

    Runs inside the relay's transaction (the pushes go out after its commit); the
    unique constraint keeps an event relayed twice from telling anyone twice. A
    dealer is told only of events that happened while the work order was theirs.
    """
    by_tenant: dict[int, list[Notification]] = defaultdict(list)
    members: dict[tuple[int, frozenset[str]], set[int]] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for event in events:
            work_order = event.work_order
            dealer_id = event.dealer_id if event.dealer_id in active_dealers else None
            notify_at = _when(event.data.get("notify_at"), event.at)
            for tenant_id, user_id in recipients(
                event.kind,
                event.data,
                hotline_id=hotline_id,
                dealer_id=dealer_id,
                created_by_id=work_order.created_by_id,
                cache=members,
            ):
                by_tenant[tenant_id].append(
                    Notification(
                        user_id=user_id,
                        kind=event.kind,
                        stream=hotline_id,
                        event_id=event.pk,
                        manufacturer_code=manufacturer_code,
                        work_order_number=work_order.number,
                        title=_title(event.kind, work_order.number, event.data),
                        notify_at=notify_at,
                    )
                )
    pushes: list[tuple[str, dict]] = []
    tenants = {t.pk: t for t in Tenant.objects.filter(pk__in=list(by_tenant))}
    for tenant_id, rows in by_tenant.items():
        with tenant_context(tenants[tenant_id]):
            rows = _apply_preferences(rows)
            if not rows:
                continue
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            if any(n.email_wanted for n in rows):
                from .webhooks import backlog_touch

                backlog_touch(tenant_id, min(n.notify_at for n in rows if n.email_wanted))
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
        pushes += [
            (user_group(tenant_id, u), {"type": "live.notification", "unread": counts.get(u, 0)})
            for u in users
        ]
    return pushes


# Sent by e-mail unless the person says otherwise; escalations always, in the app and by e-mail.
EMAIL_BY_DEFAULT = frozenset(
    {
        "work_order.dispatched",
        "work_order.transferred",
        "clock.breached",
        "clock.escalated",
        "transfer.requested",
        "extension.requested",
    }
)
ALWAYS = frozenset({"clock.breached", "clock.escalated"})


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
        forced = row.kind in ALWAYS
        if preference is not None and not preference.in_app and not forced:
            continue
        row.email_wanted = forced or (
            preference.email if preference is not None else row.kind in EMAIL_BY_DEFAULT
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


def notifications_email_due(now: dt.datetime | None = None) -> dt.datetime | None:
    """In the current schema: e-mail what is due and wanted, each once; next due time or None."""
    from django.core.mail import send_mail
    from django.db import transaction

    from tenants.models import User

    now = now or timezone.now()
    for _attempt in range(100):
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(email_wanted=True, emailed_at__isnull=True, notify_at__lte=now)
                .order_by("notify_at", "id")
                .first()
            )
            if row is None:
                break
            user = User.objects.filter(pk=row.user_id, is_active=True).first()
            if user is not None and user.email:
                send_mail(
                    row.title,
                    f"{row.title}\n\n{row.manufacturer_code} {row.work_order_number}",
                    None,
                    [user.email],
                )
            row.emailed_at = now  # no address: nothing to send, and nothing to try again
            row.save(update_fields=["emailed_at"])
    return (
        Notification.objects.filter(email_wanted=True, emailed_at__isnull=True)
        .order_by("notify_at")
        .values_list("notify_at", flat=True)
        .first()
    )


def _when(value: str | None, default: dt.datetime) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if value else default


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
