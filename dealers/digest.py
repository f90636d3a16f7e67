"""The general manager's daily digest of new complaints (opt-in), by e-mail each morning.

A general manager chooses it on the dealer's dashboard (cell ``dealer.digest``; the
choice is a notification preference of the kind ``daily_digest``). From 08:00 in the
dealer's time zone, the sweep makes one ``DailyDigest`` row per subscriber and day:
the work orders every manufacturer dispatched to the dealer the day before, with the
major complaints first, and how many of the dealer's work orders are overdue now. A
task sends each row once after it commits; the sweep queues again a row whose task was
lost, so a restart loses no digest and sends none twice.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.actor import Actor
from hotline.models import Severity
from hotline.services.clocks import tenant_time_zone
from notifications.models import NotificationPreference
from notifications.outbound import due_ids, mark_enqueued
from notifications.services import notification_preference_set
from tenants.context import current_tenant, enqueue_on_commit
from tenants.models import Membership, Tenant, User
from tenants.permissions import require, roles_allowed

from .gateway import DealerGateway
from .models import DailyDigest

DIGEST_KIND = "daily_digest"
SEND_TASK = "dealers.digest_send"
SEND_FROM = dt.time(8, 0)
MAX_LINES = 100


def digest_wanted(user_id: int) -> bool:
    return NotificationPreference.objects.filter(user_id=user_id, kind=DIGEST_KIND, email=True).exists()


def digest_choose(*, actor: Actor, wanted: bool) -> None:
    """The person's own choice (in the dealer's schema)."""
    require(actor, "dealer.digest")
    notification_preference_set(user_id=actor.user_id, kind=DIGEST_KIND, in_app=False, email=wanted)


def _zone() -> zoneinfo.ZoneInfo:
    """The current tenant's (the dealer's) time zone."""
    return zoneinfo.ZoneInfo(tenant_time_zone())


def digest_text(dealer: Tenant, day: dt.date) -> tuple[str, str]:
    """Subject and body: the work orders dispatched to ``dealer`` on the local day before ``day``."""
    zone = _zone()
    start = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    end = start + dt.timedelta(days=1)
    lines: list[str] = []
    new, overdue = DealerGateway(dealer).dispatched_between(start, end)
    new.sort(key=lambda row: (row[1].severity != Severity.MAJOR, row[1].dispatched_at))  # major first
    count = len(new)
    majors = sum(1 for _m, wo in new if wo.severity == Severity.MAJOR)
    for manufacturer, wo in new[:MAX_LINES]:
        mark = f"[{Severity(wo.severity).label}] " if wo.severity == Severity.MAJOR else ""
        lines.append(
            f"{mark}{manufacturer.name} {wo.number} · {wo.get_category_display()} · "
            f"{wo.owner.name} · {wo.complaint[:60]}"
        )
    subject = _("%(dealer)s: %(n)s new complaints on %(day)s") % {
        "dealer": dealer.name,
        "n": count,
        "day": (day - dt.timedelta(days=1)).isoformat(),
    }
    summary = _("New: %(n)s, of which major: %(major)s. Overdue now: %(overdue)s.") % {
        "n": count,
        "major": majors,
        "overdue": overdue,
    }
    more = count - len(lines)
    tail = [_("…and %(n)s more in the inbox.") % {"n": more}] if more > 0 else []
    body = (
        "\n".join([summary, "", *lines, *tail])
        if lines
        else "\n".join([summary, "", _("No new complaints.")])
    )
    return subject, body


def digests_make(now: dt.datetime | None = None) -> list[int]:
    """In a dealer's schema: today's digest of each subscribed general manager, once it is 08:00
    here; the ids of digests made and not yet on their way (or whose task was lost)."""
    dealer = current_tenant()
    now = now or timezone.now()
    local = now.astimezone(_zone())
    if local.time() < SEND_FROM:
        return []
    day = local.date()
    subscribers = NotificationPreference.objects.filter(kind=DIGEST_KIND, email=True).values_list(
        "user_id", flat=True
    )
    allowed = Membership.objects.filter(
        tenant=dealer, user_id__in=subscribers, is_active=True, role__in=roles_allowed("dealer.digest")
    ).values_list("user_id", flat=True)
    made = set(DailyDigest.objects.filter(day=day).values_list("user_id", flat=True))
    missing = [u for u in allowed if u not in made]
    if missing:
        # Each in the person's own language (the one they last chose), written once per language.
        languages = dict(User.objects.filter(pk__in=missing).values_list("pk", "preferred_language"))
        texts: dict[str, tuple[str, str]] = {}
        for user_id in missing:
            language = languages.get(user_id) or settings.LANGUAGE_CODE
            if language not in texts:
                with translation.override(language):
                    texts[language] = digest_text(dealer, day)
            subject, body = texts[language]
            try:
                with transaction.atomic():
                    DailyDigest.objects.create(user_id=user_id, day=day, subject=subject, body=body)
            except IntegrityError:  # another sweep made it first
                pass
    unsent = DailyDigest.objects.filter(sent_at__isnull=True)
    ids = due_ids(unsent, now=now, due="created_at", enqueued="enqueued_at")
    for digest_id in ids:
        enqueue_on_commit(SEND_TASK, digest_id)
    mark_enqueued(unsent, ids, now=now, enqueued="enqueued_at")
    return ids


def digest_send(digest_id: int) -> bool:
    """In the dealer's schema: e-mail one digest if not sent yet (row locked: sent once). A person
    gone or without an address gets nothing, and it is not tried again."""
    with transaction.atomic():
        digest = DailyDigest.objects.select_for_update().filter(pk=digest_id, sent_at__isnull=True).first()
        if digest is None:
            return False
        user = User.objects.filter(pk=digest.user_id, is_active=True).first()
        if user is not None and user.email:
            send_mail(digest.subject, digest.body, None, [user.email])
        digest.sent_at = timezone.now()
        digest.save(update_fields=["sent_at"])
    return True
