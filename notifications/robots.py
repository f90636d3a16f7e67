"""Group-chat robots (WeCom 企业微信, DingTalk 钉钉): a tenant's chosen news posted to its group chats.

A tenant administrator registers a robot: its kind, the webhook URL the chat
gave (it carries the WeCom ``key`` or the DingTalk ``access_token``), for
DingTalk an optional signing secret, the kinds of news it is sent (warnings,
breaches, assignments, ...), active or not. The URL is checked like a
webhook's (``webhooks.public_url_check``, ``safe_http``); the key and the
secret are shown again only masked.

Each piece of news is a ``RobotDelivery`` row written in the transaction that
files the notifications; its task is queued after the commit and the outbound
sweep re-queues lost ones (``notifications/outbound.py``). A robot takes at
most 20 messages a minute: one limiter per robot in Redis, shared by every
worker process. A delivery that finds the robot's minute full is *held* until
the window has room; the first to go then carries every held one in one
digest message. A throttle answer (WeCom errcode 45009, DingTalk 130101 or
"send too fast") blocks the robot in the limiter for a while and the
deliveries wait; other failures back off (30 s, 1 min, ... 30 min) and give
up after ``MAX_ATTEMPTS``. One robot failing never holds up another robot or
any notification: each row is its own task.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import uuid
from collections.abc import Iterable
from typing import Any

import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenants.context import current_tenant, enqueue_on_commit
from tenants.models import User
from tenants.selectors import portal_url

from . import safe_http
from .backlog import backlog_touch
from .models import DeliveryStatus, NotificationChannels, Robot, RobotDelivery, RobotKind
from .outbound import backoff
from .sentences import sentence, work_order_path
from .webhooks import public_url_check

SEND_TASK = "notifications.robot_delivery_send"
TIMEOUT_SECONDS = 5
PER_MINUTE = 20
WINDOW_SECONDS = 60
MAX_ATTEMPTS = 10
LONGEST_WAIT = 30 * 60
# How long a robot that answered "too fast" is left alone (WeCom: several minutes; DingTalk: ~10).
THROTTLE_SECONDS = {RobotKind.WECOM: 5 * 60, RobotKind.DINGTALK: 10 * 60}
THROTTLE_CODES = {RobotKind.WECOM: {45009}, RobotKind.DINGTALK: {130101}}
# Bytes a message's content may have (WeCom: text 2,048, markdown 4,096; DingTalk kept the same).
TEXT_BYTES = 2048
MARKDOWN_BYTES = 4096
TEST_KIND = "robot.test"
LOG_ROWS = 100


# --- registering ------------------------------------------------------------------------------


def _url_check(kind: str, url: str) -> None:
    public_url_check(url)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    needed = "key" if kind == RobotKind.WECOM else "access_token"
    if not (query.get(needed) or [""])[0]:
        raise ValidationError(
            {"url": [_("The robot's URL must carry its %(part)s=… as the chat gave it.") % {"part": needed}]}
        )


def _kinds_check(event_kinds: Iterable[str], known_kinds: Iterable[str]) -> list[str]:
    kinds = list(dict.fromkeys(event_kinds))
    if not kinds:
        raise ValidationError({"event_kinds": [_("Choose at least one kind of news for the robot.")]})
    unknown = sorted(set(kinds) - set(known_kinds))
    if unknown:
        raise ValidationError(
            {"event_kinds": [_("Unknown event(s): %(kinds)s.") % {"kinds": ", ".join(unknown)}]}
        )
    return kinds


def robot_create(
    *,
    kind: str,
    name: str,
    url: str,
    secret: str = "",
    event_kinds: Iterable[str],
    known_kinds: Iterable[str],
) -> Robot:
    """A new robot in the current tenant's schema."""
    if kind not in RobotKind.values:
        raise ValidationError({"kind": [_("Choose WeCom or DingTalk.")]})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the robot a name (the group chat it posts to).")]})
    url = (url or "").strip()
    _url_check(kind, url)
    secret = (secret or "").strip()
    if secret and kind != RobotKind.DINGTALK:
        raise ValidationError({"secret": [_("Only a DingTalk robot has a signing secret.")]})
    kinds = _kinds_check(event_kinds, known_kinds)
    return Robot.objects.create(kind=kind, name=name[:60], url=url, secret=secret, event_kinds=kinds)


def robots() -> QuerySet[Robot]:
    return Robot.objects.order_by("id")


def robot_get(robot_id: int) -> Robot:
    """The robot of this tenant (``Robot.DoesNotExist`` otherwise: a 404)."""
    return Robot.objects.get(pk=robot_id)


def robot_update(
    *,
    robot_id: int,
    known_kinds: Iterable[str],
    name: str | None = None,
    event_kinds: Iterable[str] | None = None,
    is_active: bool | None = None,
    url: str | None = None,
    secret: str | None = None,
) -> Robot:
    """Change a robot; an empty ``url`` or ``secret`` keeps the one registered (they are never
    shown in full, so a form cannot send them back)."""
    with transaction.atomic():
        robot = Robot.objects.select_for_update().get(pk=robot_id)
        if name is not None:
            if not name.strip():
                raise ValidationError({"name": [_("Give the robot a name (the group chat it posts to).")]})
            robot.name = name.strip()[:60]
        if event_kinds is not None:
            robot.event_kinds = _kinds_check(event_kinds, known_kinds)
        if is_active is not None:
            robot.is_active = is_active
        if url and url.strip():
            _url_check(robot.kind, url.strip())
            robot.url = url.strip()
        if secret and secret.strip():
            if robot.kind != RobotKind.DINGTALK:
                raise ValidationError({"secret": [_("Only a DingTalk robot has a signing secret.")]})
            robot.secret = secret.strip()
        robot.save()
    return robot


def masked(value: str, shown: int = 4) -> str:
    """A secret as pages show it: its last characters only."""
    return "" if not value else "•" * 6 + value[-shown:] if len(value) > shown * 2 else "•" * 6


def masked_url(url: str) -> str:
    """The robot's URL with its key or access token masked."""
    parts = urllib.parse.urlsplit(url)
    query = [
        (k, masked(v) if k in ("key", "access_token") else v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe="•")))


# --- queueing ---------------------------------------------------------------------------------


def _mobiles(user_ids: Iterable[int]) -> list[str]:
    """The mobiles of the named people who did not turn mentions off."""
    ids = set(user_ids)
    if not ids:
        return []
    off = set(
        NotificationChannels.objects.filter(user_id__in=ids, robot_mention=False).values_list(
            "user_id", flat=True
        )
    )
    return sorted(
        m for m in User.objects.filter(pk__in=ids - off, is_active=True).values_list("mobile", flat=True) if m
    )


def robots_enqueue(tenant_id: int, news: list[dict[str, Any]]) -> int:
    """In the current schema (tenant ``tenant_id``): one delivery per piece of news and robot that
    wants its kind, each sent by a task queued when the caller's transaction commits (or by the
    sweep when it falls due later)."""
    active = [r for r in Robot.objects.filter(is_active=True) if r.event_kinds]
    if not active or not news:
        return 0
    now = timezone.now()
    rows = []
    for item in news:
        payload = {
            "kind": item["kind"],
            "number": item["number"],
            "manufacturer_code": item["manufacturer_code"],
            "facts": item["facts"],
            "title": item["title"],
            "mentions": _mobiles(item.get("named") or ()),
        }
        for robot in active:
            if robot.wants(item["kind"]):
                rows.append(
                    RobotDelivery(
                        robot=robot,
                        stream=item["stream"],
                        event_id=item["event_id"],
                        event_kind=item["kind"],
                        payload=payload,
                        next_attempt_at=max(item["at"], now),
                    )
                )
    RobotDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        backlog_touch(tenant_id, min(r.next_attempt_at for r in rows))
        due = RobotDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            event_id__in={r.event_id for r in rows},
            next_attempt_at__lte=now,
            enqueued_at__isnull=True,
        )
        for delivery_id in due.values_list("pk", flat=True):
            enqueue_on_commit(SEND_TASK, delivery_id)
        due.update(enqueued_at=now)
    return len(rows)


def pending_robot_deliveries() -> QuerySet[RobotDelivery]:
    return RobotDelivery.objects.filter(status=DeliveryStatus.PENDING)


# --- the rate limit (Redis, shared by every worker) --------------------------------------------

_ACQUIRE = """
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
local now = tonumber(ARGV[1])
if blocked > now then return tostring(blocked - now) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('EXPIRE', KEYS[1], 3600)
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + tonumber(ARGV[2]) - now)
"""


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _keys(robot: Robot) -> list[str]:
    schema = current_tenant().schema_name
    return [f"robot-rate:{schema}:{robot.pk}", f"robot-throttled:{schema}:{robot.pk}"]


def rate_acquire(robot: Robot, now: dt.datetime) -> float:
    """Take one of the robot's 20 messages of the last minute: 0 if taken, else the seconds
    until one is free (or until the robot's throttle ends)."""
    client = _redis()
    wait = client.eval(
        _ACQUIRE,
        2,
        *_keys(robot),
        now.timestamp(),
        WINDOW_SECONDS,
        PER_MINUTE,
        f"{now.timestamp()}:{uuid.uuid4()}",
    )
    return max(float(wait), 0.0)


def rate_block(robot: Robot, until: dt.datetime) -> None:
    """The robot answered "too fast": nothing goes to it before ``until``."""
    _redis().set(_keys(robot)[1], until.timestamp(), ex=24 * 3600)


# --- the message ------------------------------------------------------------------------------


def utf8_cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` UTF-8 bytes, cut between characters, "…" when cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - len("…".encode())].decode(errors="ignore") + "…"


def _line(payload: dict[str, Any]) -> str:
    return sentence(payload["kind"], payload["number"], payload.get("facts")) or payload.get("title", "")


def _link(payload: dict[str, Any]) -> str:
    """The work order's address on the tenant's portal; empty for news of a work order the
    tenant does not hold."""
    tenant = current_tenant()
    path = work_order_path(tenant.type, payload["manufacturer_code"], payload["number"], payload["kind"])
    return portal_url(tenant, path) if path else ""


def message(robot: Robot, payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON a robot is posted: one piece of news, or a digest of several, in the tenant's
    language. With people to mention it is a text message (mentions by mobile); otherwise
    markdown with links to the work orders. Within the robot's byte limits."""
    mentions = sorted({m for p in payloads for m in p.get("mentions") or ()})
    with translation.override(settings.LANGUAGE_CODE):
        if len(payloads) == 1:
            payload = payloads[0]
            facts = payload.get("facts") or {}
            vehicle = " ".join(v for v in (facts.get("plate"), facts.get("owner")) if v)
            head = _line(payload)
            title = head
            markdown = f"**{head}**\n\n" + (f"> {vehicle}\n\n" if vehicle else "")
            if link := _link(payload):
                markdown += f"[{_('Open work order %(number)s') % {'number': payload['number']}}]({link})"
            else:
                markdown += _("Work order %(number)s") % {"number": payload["number"]}
            text = f"{head}\n{link or payload['number']}"
        else:
            title = _("%(count)s updates held back by the robot's rate limit") % {"count": len(payloads)}
            links = [(p, _link(p)) for p in payloads]
            lines = [
                f"- {_line(p)} " + (f"[{p['number']}]({link})" if link else p["number"]) for p, link in links
            ]
            markdown = f"**{title}**\n\n" + "\n".join(lines)
            text = title + "\n" + "\n".join(f"{_line(p)} {link or p['number']}" for p, link in links)
    if mentions:
        if robot.kind == RobotKind.DINGTALK:
            text = utf8_cut(text, TEXT_BYTES - sum(len(m) + 2 for m in mentions))
            text += "\n" + " ".join(f"@{m}" for m in mentions)
            return {"msgtype": "text", "text": {"content": text}, "at": {"atMobiles": mentions}}
        return {
            "msgtype": "text",
            "text": {"content": utf8_cut(text, TEXT_BYTES), "mentioned_mobile_list": mentions},
        }
    markdown = utf8_cut(markdown, MARKDOWN_BYTES)
    if robot.kind == RobotKind.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": utf8_cut(title, 100), "text": markdown}}
    return {"msgtype": "markdown", "markdown": {"content": markdown}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: HMAC-SHA256 of "<timestamp ms>\\n<secret>" keyed by the secret, base64."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(robot: Robot, now: dt.datetime | None = None) -> str:
    """The URL to post to: for a DingTalk robot with a secret, with ``timestamp`` and ``sign``."""
    if robot.kind != RobotKind.DINGTALK or not robot.secret:
        return robot.url
    timestamp = int((now or timezone.now()).timestamp() * 1000)
    extra = urllib.parse.urlencode({"timestamp": timestamp, "sign": dingtalk_sign(robot.secret, timestamp)})
    return robot.url + ("&" if urllib.parse.urlsplit(robot.url).query else "?") + extra


def _post(robot: Robot, body: dict[str, Any]) -> tuple[str, str]:
    """One post: ("ok", ""), ("throttled", error) or ("failed", error)."""
    data = json.dumps(body, ensure_ascii=False).encode()
    answer = safe_http.post(
        signed_url(robot), data, {"Content-Type": "application/json; charset=utf-8"}, timeout=TIMEOUT_SECONDS
    )
    if answer.status is None:
        return "failed", answer.error
    if not 200 <= answer.status < 300:
        return "failed", f"HTTP {answer.status}"
    try:
        reply = json.loads(answer.body or b"{}")
        code, text = int(reply.get("errcode", 0)), str(reply.get("errmsg", ""))[:200]
    except (ValueError, TypeError, AttributeError):
        return "failed", "not a robot's answer"
    if code == 0:
        return "ok", ""
    if code in THROTTLE_CODES[RobotKind(robot.kind)] or "too fast" in text.lower():
        return "throttled", f"errcode {code}: {text}"
    return "failed", f"errcode {code}: {text}"


# --- sending ----------------------------------------------------------------------------------


def robot_delivery_attempt(delivery_id: int, *, now: dt.datetime | None = None) -> bool:
    """Send one delivery if it is due (with every delivery of its robot held by the rate limit,
    as one digest); record the outcome. Returns whether a message went out.

    The rows are locked while sent, so a task run twice sends once; a robot's minute being
    full holds the row until there is room (the sweep queues it then).
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            RobotDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("robot")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return False
        robot = delivery.robot
        if not robot.is_active:
            delivery.status, delivery.last_error, delivery.next_attempt_at = (
                DeliveryStatus.FAILED,
                "robot paused",
                None,
            )
            delivery.save()
            return False
        wait = rate_acquire(robot, now)
        if wait > 0:
            delivery.held = True
            delivery.next_attempt_at = now + dt.timedelta(seconds=wait)
            delivery.save(update_fields=["held", "next_attempt_at"])
            backlog_touch(current_tenant().pk, delivery.next_attempt_at)
            return False
        held = (
            RobotDelivery.objects.select_for_update(skip_locked=True)
            .filter(robot=robot, status=DeliveryStatus.PENDING, held=True, next_attempt_at__lte=now)
            .exclude(pk=delivery.pk)
            .order_by("id")
        )
        batch = [delivery, *held]
        outcome, error = _post(robot, message(robot, [d.payload for d in batch]))
        for row in batch:
            row.attempts += 1
            row.last_error = error
            if outcome == "ok":
                row.status, row.delivered_at, row.next_attempt_at = DeliveryStatus.DELIVERED, now, None
                row.digest = delivery if len(batch) > 1 else None
            elif outcome == "throttled":
                row.held = True
                row.next_attempt_at = now + dt.timedelta(seconds=THROTTLE_SECONDS[RobotKind(robot.kind)])
            elif row.attempts >= MAX_ATTEMPTS:
                row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                row.next_attempt_at = now + backoff(row.attempts, longest=LONGEST_WAIT)
            row.save()
        if outcome == "throttled":
            rate_block(robot, now + dt.timedelta(seconds=THROTTLE_SECONDS[RobotKind(robot.kind)]))
        waiting = [r.next_attempt_at for r in batch if r.status == DeliveryStatus.PENDING]
        if waiting:
            backlog_touch(current_tenant().pk, min(waiting))
    return outcome == "ok"


def robot_test_send(*, robot_id: int) -> RobotDelivery:
    """Send a test message now (through the rate limit) and keep it in the robot's log."""
    robot = robot_get(robot_id)
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Test message from %(product)s: this robot is connected.") % {
            "product": settings.PRODUCT_NAME
        }
    row = RobotDelivery(
        robot=robot,
        stream=0,
        event_id=-int(now.timestamp() * 1_000_000),
        event_kind=TEST_KIND,
        payload={"text": text},
        attempts=1,
    )
    wait = rate_acquire(robot, now)
    if wait > 0:
        outcome, error = "failed", f"rate limit: try again in {int(wait) + 1} s"
    else:
        outcome, error = _post(robot, {"msgtype": "text", "text": {"content": text}})
    row.status = DeliveryStatus.DELIVERED if outcome == "ok" else DeliveryStatus.FAILED
    row.last_error, row.delivered_at = error, now if outcome == "ok" else None
    row.save()
    return row


def robot_deliveries(robot_id: int, *, limit: int = LOG_ROWS) -> list[RobotDelivery]:
    """A robot's newest deliveries: what was sent, how often, the last error."""
    return list(RobotDelivery.objects.filter(robot_id=robot_id).order_by("-id")[:limit])


def delivery_line(delivery: RobotDelivery) -> str:
    """What a delivery was about, in the active language (for the robot's log)."""
    if delivery.event_kind == TEST_KIND:
        return _("Test message")
    return _line(delivery.payload)
