"""Text messages to the car owner: queued by the relay, sent by the scheduler, replies parsed.

Which events text the owner: a work order dispatched (received, and which
dealer will call by when: ``{due}``, the first-contact clock's due time in the
owner's words, "今天 17:30 前" / "by 17:30 today", never the window's length),
parts received at the dealer (come in), a part back-ordered by the parts centre
(``{date}``, the expected date in the owner's words, "12月5日"; only when the date
is news to the owner: a changed date texts again, the same date never twice), and
the fourth failed callback attempt
(please reply with a score from 1 to 10, or answer online through the signed
link, ``{link}``). No text goes to a number a callback found empty or wrong
(the numbers to verify) until an agent corrects it. The wording is the
manufacturer's (``OwnerSmsTemplate``), Simplified Chinese by default. A reply
with a score is recorded as the owner's score; it never closes the work order.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
import string
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.actor import Actor
from notifications.backlog import backlog_touch
from notifications.sms import InboundSms, SmsMessage, sms_backend
from tenants.context import current_tenant, enqueue_on_commit
from tenants.permissions import require
from tenants.selectors import portal_url

from ..events import EventKind
from ..models import (
    Clock,
    NumberCheckState,
    OwnerSms,
    OwnerSmsKind,
    OwnerSmsReply,
    OwnerSmsTemplate,
    State,
    WorkOrder,
    WorkOrderEvent,
)
from .callbacks import owner_score_record
from .clocks import tenant_time_zone
from .owner_link import owner_link_token

logger = logging.getLogger(__name__)

DEFAULT_TEXTS = {
    OwnerSmsKind.RECEIVED: "【{brand}】尊敬的{owner}，您的反馈已受理（工单号 {number}），"
    "{dealer}将在{due}与您联系。",
    OwnerSmsKind.PARTS_ARRIVED: "【{brand}】尊敬的{owner}，您需要的配件已到达{dealer}，"
    "请联系服务顾问预约进店。工单号 {number}。",
    OwnerSmsKind.SCORE_REQUEST: "【{brand}】尊敬的{owner}，我们多次致电未能联系到您。"
    "请回复 1-10 的数字为本次处理打分（10 分为非常满意），"
    "或打开 {link} 在线评价并告诉我们故障是否已排除。工单号 {number}。",
    OwnerSmsKind.PARTS_BACK_ORDERED: "【{brand}】尊敬的{owner}，您所需的配件暂时缺货，"
    "预计{date}到达{dealer}，到货后我们将通知您预约进店。工单号 {number}。",
}
MAX_ATTEMPTS = 5
SEND_TASK = "hotline.owner_sms_send"


def _kind_for(event: WorkOrderEvent) -> str | None:
    if event.kind == EventKind.DISPATCHED:
        return OwnerSmsKind.RECEIVED
    if event.kind == EventKind.PARTS_RECEIVED:
        return OwnerSmsKind.PARTS_ARRIVED
    if event.kind == EventKind.CALLBACK_RECORDED and event.data.get("sms_requested"):
        return OwnerSmsKind.SCORE_REQUEST
    if event.kind == EventKind.PARTS_LINE_BACK_ORDERED and event.data.get("owner_texted"):
        return OwnerSmsKind.PARTS_BACK_ORDERED
    return None


def owner_textable(work_order: WorkOrder) -> bool:
    """The owner has a mobile that no callback found empty or wrong (or an agent corrected it)."""
    return (
        bool(work_order.owner.mobile)
        and not work_order.number_checks.exclude(state=NumberCheckState.CORRECTED).exists()
    )


def back_order_is_news(work_order: WorkOrder, expected_date: dt.date) -> bool:
    """Whether a back-order's expected date should be texted to the owner: they can be texted,
    and it differs from the last date a back-order texted them (the same date never twice)."""
    if not owner_textable(work_order):
        return False
    told = (
        WorkOrderEvent.objects.filter(
            work_order=work_order, kind=EventKind.PARTS_LINE_BACK_ORDERED, data__owner_texted=True
        )
        .order_by("-id")
        .values_list("data__expected_date", flat=True)
        .first()
    )
    return told != expected_date.isoformat()


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


CJK = re.compile(r"[\u4e00-\u9fff]")


def owner_due_phrase(due: dt.datetime, *, now: dt.datetime, time_zone: str, language: str) -> str:
    """When something is due, as the owner says it: "今天 17:30 前", "by 10:30 on 1 December"."""
    tz = zoneinfo.ZoneInfo(time_zone)
    local, today = due.astimezone(tz), now.astimezone(tz).date()
    time = local.strftime("%H:%M")
    with translation.override(language):
        if local.date() == today:
            return _("by %(time)s today") % {"time": time}
        if local.date() == today + dt.timedelta(days=1):
            return _("by %(time)s tomorrow") % {"time": time}
        date = owner_date_phrase(local.date(), today=today, language=language)
        return _("by %(time)s on %(date)s") % {"time": time, "date": date}


def owner_date_phrase(day: dt.date, *, today: dt.date, language: str) -> str:
    """A date as the owner says it: "12月5日" / "5 December" (with the year when not this year)."""
    parts = {
        "day": day.day,
        "month": day.month,
        "month_name": calendar.month_name[day.month],
        "year": day.year,
    }
    with translation.override(language):
        if day.year == today.year:
            return _("%(day)s %(month_name)s") % parts
        return _("%(day)s %(month_name)s %(year)s") % parts


def owner_sms_text(
    kind: str,
    work_order: WorkOrder,
    brand: str,
    templates: dict[str, str] | None = None,
    *,
    now: dt.datetime | None = None,
    date: dt.date | None = None,
) -> str:
    """The message as the owner reads it, in the manufacturer's wording or the default.

    ``{due}`` is the due time the first-contact clock actually has (on its own
    calendar: business hours make a Friday-evening work order due on Monday), in
    the tenant's time zone and in the message's language (Chinese when the text is);
    ``{date}`` is ``date`` (a back-order's expected date) in the same words.
    """
    if templates is None:
        templates = dict(OwnerSmsTemplate.objects.values_list("kind", "body"))
    body = templates.get(kind) or DEFAULT_TEXTS[kind]
    contact = Clock.objects.filter(work_order=work_order, kind="first_contact").order_by("-id").first()
    hours = round(contact.budget_minutes / 60) if contact else 2  # {hours}: texts saved before {due}
    due = ""
    language = "zh-hans" if CJK.search(body) else "en"
    now = now or timezone.now()
    if contact is not None and "{due}" in body:
        due = owner_due_phrase(contact.due_at, now=now, time_zone=tenant_time_zone(), language=language)
    when = ""
    if date is not None and "{date}" in body:
        today = now.astimezone(zoneinfo.ZoneInfo(tenant_time_zone())).date()
        when = owner_date_phrase(date, today=today, language=language)
    token = owner_link_token(work_order) if "{link}" in body else ""
    return body.format_map(
        _Blank(
            brand=brand,
            owner=work_order.owner.name,
            number=work_order.number,
            dealer=work_order.dealer_name,
            hours=hours,
            due=due,
            date=when,
            link=portal_url(current_tenant(), f"/o/{token}/") if token else "",
        )
    )


def _date_of(event: WorkOrderEvent) -> dt.date | None:
    value = event.data.get("expected_date")
    return dt.date.fromisoformat(value) if value else None


def owner_sms_enqueue(events: list[WorkOrderEvent], *, brand: str) -> int:
    """In the relay's transaction: one message per event that texts the owner."""
    texting = [(event, kind) for event in events if (kind := _kind_for(event)) is not None]
    if not texting:
        return 0
    templates = dict(OwnerSmsTemplate.objects.values_list("kind", "body"))  # once per batch
    now = timezone.now()
    rows = [
        OwnerSms(
            work_order=event.work_order,
            event_id=event.pk,
            kind=kind,
            mobile=event.work_order.owner.mobile,
            # "today" / "tomorrow" as of the event the text tells of
            text=owner_sms_text(kind, event.work_order, brand, templates, now=event.at, date=_date_of(event)),
            next_attempt_at=now,
        )
        for event, kind in texting
    ]
    OwnerSms.objects.bulk_create(rows, ignore_conflicts=True)
    backlog_touch(current_tenant().pk, now)
    created = OwnerSms.objects.filter(event_id__in={e.pk for e, _kind in texting}, status="pending")
    for sms_id in created.filter(enqueued_at__isnull=True).values_list("pk", flat=True):
        enqueue_on_commit(SEND_TASK, sms_id)
    created.filter(enqueued_at__isnull=True).update(enqueued_at=now)
    return len(rows)


def pending_texts() -> QuerySet[OwnerSms]:
    return OwnerSms.objects.filter(status="pending")


def owner_sms_attempt(sms_id: int, *, now: dt.datetime | None = None) -> bool:
    """Send one text if it is due; a failure is retried with back-off, then given up.

    Sent and recorded in a transaction of its own with the row locked, so a task
    run twice sends once; a number the provider refuses for good is not tried again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        sms = (
            pending_texts()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("work_order")
            .filter(pk=sms_id, next_attempt_at__lte=now)
            .first()
        )
        if sms is None:
            return False
        template = OwnerSmsTemplate.objects.filter(kind=sms.kind).first()
        result = sms_backend().send(
            SmsMessage(
                mobile=sms.mobile,
                text=sms.text,
                template_code=template.provider_template_code if template else "",
                params={"number": sms.work_order.number},
            )
        )
        sms.attempts += 1
        if result.ok:
            sms.status, sms.sent_at, sms.provider_id = "sent", now, result.provider_id
            sms.next_attempt_at, sms.error = None, ""
        else:
            sms.error = result.error
            if result.permanent or sms.attempts >= MAX_ATTEMPTS:
                sms.status, sms.next_attempt_at = "failed", None
            else:
                sms.next_attempt_at = now + dt.timedelta(minutes=2**sms.attempts)
                backlog_touch(current_tenant().pk, sms.next_attempt_at)
        sms.save()
    return True


# A reply that is a score and nothing else: "9", "9分", "给9分，谢谢", "十分".
SCORE_RE = re.compile(
    r"^(?:给|打)?\s*(10|[1-9])\s*分?\s*[,，。.!！]?\s*(?:谢谢|谢谢您|thanks)?[。.!！]?$", re.IGNORECASE
)


def normalise_mobile(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def owner_sms_reply(*, mobile: str, text: str) -> WorkOrder | None:
    """An owner's reply: a score 1–10 for the work order we asked about.

    The score answers how satisfied the owner is, never whether the fault is
    fixed: the work order stays resolved until a person confirms it. Returns the
    work order, or None when the reply answers nothing.
    """

    text = (text or "").replace("十", "10").strip()
    match = SCORE_RE.match(text)
    mobile = normalise_mobile(mobile)
    asked = (
        OwnerSms.objects.filter(
            mobile=mobile,
            kind=OwnerSmsKind.SCORE_REQUEST,
            status="sent",
            work_order__state=State.RESOLVED,
            sent_at__gte=F("work_order__resolved_at"),
        )
        .order_by("-sent_at")
        .first()
    )
    if match is None or asked is None:
        return None
    score = int(match.group(1))
    actor = Actor(user_id=None, name=f"SMS {mobile}", tenant_id=None, role="owner")
    owner_score_record(work_order_id=asked.work_order_id, actor=actor, score=score, note=f"SMS: {text[:200]}")
    return WorkOrder.objects.get(pk=asked.work_order_id)


def owner_sms_replies_receive(replies: list[InboundSms]) -> list[OwnerSmsReply]:
    """Replies a provider pushed: each kept once, each score recorded once, all or nothing.

    A reply the provider pushes again (same provider and reply id) is skipped:
    the unique constraint makes a concurrent repeat wait for the first and then
    find it. A reply that answers nothing we asked is kept (no work order) and
    logged, for a person to read. Returns the rows this push created.
    """
    created = []
    with transaction.atomic():
        for inbound in replies:
            reply, new = OwnerSmsReply.objects.get_or_create(
                provider=inbound.provider,
                reply_id=inbound.reply_id,
                defaults={
                    "mobile": (normalise_mobile(inbound.mobile) or inbound.mobile)[:20],
                    "text": inbound.text,
                    "sent_at": inbound.sent_at,
                },
            )
            if not new:
                continue
            work_order = owner_sms_reply(mobile=inbound.mobile, text=inbound.text)
            if work_order is None:
                logger.info(
                    "SMS reply %s from %s answers no score request: %r",
                    reply.reply_id,
                    reply.mobile,
                    reply.text[:100],
                )
            else:
                reply.work_order, reply.score = work_order, work_order.satisfaction
                reply.save(update_fields=["work_order", "score"])
            created.append(reply)
    return created


__all__ = [
    "back_order_is_news",
    "owner_date_phrase",
    "owner_due_phrase",
    "owner_sms_attempt",
    "owner_sms_enqueue",
    "owner_sms_replies_receive",
    "owner_sms_reply",
    "owner_sms_template_set",
    "owner_sms_text",
    "owner_textable",
]


PLACEHOLDERS = ("brand", "owner", "number", "dealer", "due", "date", "link")
# Placeholders only one message knows (the others know every other placeholder).
PLACEHOLDER_KINDS = {"due": OwnerSmsKind.RECEIVED, "date": OwnerSmsKind.PARTS_BACK_ORDERED}


def owner_sms_template_set(
    *, actor: Actor, kind: str, body: str, provider_template_code: str = ""
) -> OwnerSmsTemplate:
    """The manufacturer's wording of one message; only the known placeholders are allowed."""

    require(actor, "sms.change")
    errors: dict[str, list[str]] = {}
    if kind not in OwnerSmsKind.values:
        errors["kind"] = [_("Choose which message to change.")]
    body = (body or "").strip()
    if not body:
        errors["body"] = [_("The message is empty.")]
    else:
        try:
            names = {name for _text, name, _spec, _conv in string.Formatter().parse(body) if name}
        except ValueError:
            names, errors["body"] = set(), [_("A brace is not closed; write placeholders as {owner}.")]
        unknown = names - set(PLACEHOLDERS)
        if "hours" in names:
            errors["body"] = [
                _(
                    "{hours} promised the window's length, not when the dealer is due; "
                    "write {due}, the due time in the owner's words."
                )
            ]
        elif "due" in names and kind != PLACEHOLDER_KINDS["due"]:
            errors["body"] = [_("{due} is known only in the message that the work order was received.")]
        elif "date" in names and kind != PLACEHOLDER_KINDS["date"]:
            errors["body"] = [_("{date} is known only in the message that parts are back-ordered.")]
        elif kind == PLACEHOLDER_KINDS["date"] and "date" not in names:
            errors["body"] = [_("This message must tell the owner the expected date: write {date}.")]
        elif unknown:
            errors["body"] = [
                _("Unknown placeholder(s): %(names)s. Allowed: %(allowed)s.")
                % {
                    "names": ", ".join(sorted(unknown)),
                    "allowed": ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
                }
            ]
    if len(body) > 500:
        errors.setdefault("body", []).append(_("At most 500 characters."))
    if errors:
        raise ValidationError(errors)
    template, _created = OwnerSmsTemplate.objects.update_or_create(
        kind=kind, defaults={"body": body, "provider_template_code": provider_template_code.strip()}
    )
    return template
