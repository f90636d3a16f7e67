"""Calls reported by the hotline's telephony system: the caller identified, the agent's pop-up.

Any vendor's PBX posts three events per call (a new call, an answer, a hang-up)
tied together by its call id (the shape of Zammad's generic CTI). Each event
updates one ``Call`` row under its lock and, on commit, queues the push to the
browsers of the agents it rings (``live.call_push``, keyed by the row). Events
may arrive twice or out of order: a call only moves forward (ringing → answered
→ ended), and the same event twice changes nothing a person would see.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from tenants.context import enqueue_on_commit
from tenants.models import Membership, Tenant
from tenants.permissions import HOTLINE_STAFF, require

from ..models import MISSED_CAUSES, AgentExtension, Call, CallCause, CallDirection, CallState, Owner

CALL_PUSH_TASK = "live.call_push"
CALL_EVENTS = ("newCall", "answer", "hangup")
ANONYMOUS = "anonymous"
EXTENSION_RE = re.compile(r"^[0-9A-Za-z*#+_.-]{1,20}$")
_ORDER = {CallState.RINGING: 0, CallState.ANSWERED: 1, CallState.ENDED: 2}


def caller_number(raw: str) -> str:
    """The caller's number as owners' records hold it: a mainland mobile without +86/0086,
    other numbers as digits; "anonymous" (or nothing) is blank."""
    value = (raw or "").strip()
    if not value or value.lower() == ANONYMOUS:
        return ""
    digits = re.sub(r"[^0-9]", "", value)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
            return digits[len(prefix) :]
    return digits[:32]


def agents_of(
    *, hotline: Tenant, users: Iterable[str], extensions: Iterable[str]
) -> tuple[list[int], list[str]]:
    """The hotline staff named by user name or extension, and the names that match no one."""
    users, extensions = [u for u in users if u], [e for e in extensions if e]
    by_name = dict(
        Membership.objects.filter(
            tenant=hotline, is_active=True, role__in=[str(r) for r in HOTLINE_STAFF], user__username__in=users
        ).values_list("user__username", "user_id")
    )
    by_extension = dict(
        AgentExtension.objects.filter(extension__in=extensions).values_list("extension", "user_id")
    )
    members = set(
        Membership.objects.filter(
            tenant=hotline, is_active=True, user_id__in=list(by_extension.values())
        ).values_list("user_id", flat=True)
    )
    found: list[int] = []
    unmatched: list[str] = []
    for name in users:
        if name in by_name:
            found.append(by_name[name])
        else:
            unmatched.append(name)
    for extension in extensions:
        if by_extension.get(extension) in members:
            found.append(by_extension[extension])
        else:
            unmatched.append(extension)
    return list(dict.fromkeys(found)), unmatched


def call_event_record(
    *,
    hotline: Tenant,
    event: str,
    call_id: str,
    direction: str = CallDirection.IN,
    caller: str = "",
    called: str = "",
    users: Iterable[str] = (),
    extensions: Iterable[str] = (),
    cause: str = "",
    at: dt.datetime | None = None,
) -> tuple[Call, list[str]]:
    """Record one telephony event of a call; returns the call and the agents matching no one.

    The call's row is created by whichever event comes first and locked while it
    changes; its state never goes back. The caller is looked up among the
    owners by number. On commit, the push to the agents' browsers is queued.
    """
    errors: dict[str, list[str]] = {}
    if event not in CALL_EVENTS:
        errors["event"] = [_("The event is one of: %(allowed)s.") % {"allowed": ", ".join(CALL_EVENTS)}]
    if not call_id or len(call_id) > 100:
        errors["callId"] = [_("Every event names its call by an id of 1 to 100 characters.")]
    if direction not in CallDirection.values:
        errors["direction"] = [_("The direction is “in” or “out”.")]
    if errors:
        raise ValidationError(errors)
    at = at or timezone.now()
    agents, unmatched = agents_of(hotline=hotline, users=users, extensions=extensions)
    number = caller_number(caller)
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(call_id=call_id).first()
        created = call is None
        if call is None:
            owner = Owner.objects.filter(mobile=number).order_by("-created_at").first() if number else None
            call = Call.objects.create(
                call_id=call_id,
                direction=direction,
                caller=number,
                called=(called or "")[:32],
                owner=owner,
                started_at=at,
                ringing_user_ids=agents,
                version=0,
            )
        before = (call.state, call.answered_by_id, list(call.ringing_user_ids), call.cause)
        if event == "newCall" or call.state == CallState.RINGING:
            call.ringing_user_ids = list(dict.fromkeys([*call.ringing_user_ids, *agents]))
        if event == "answer" and _ORDER[CallState(call.state)] < _ORDER[CallState.ANSWERED]:
            call.state, call.answered_at = CallState.ANSWERED, at
            call.answered_by_id = agents[0] if agents else None
        if event == "hangup" and call.state != CallState.ENDED:
            call.state, call.ended_at = CallState.ENDED, at
            call.cause = (
                cause if cause in CallCause.values else CallCause.OTHER if cause else CallCause.NORMAL
            )
            call.missed = call.direction == CallDirection.IN and (
                call.answered_at is None or call.cause in MISSED_CAUSES
            )
        if created or (call.state, call.answered_by_id, list(call.ringing_user_ids), call.cause) != before:
            call.version += 1
            call.save()
            enqueue_on_commit(CALL_PUSH_TASK, call.pk)
    return call, unmatched


def call_returned(*, call_id: int, actor: Actor) -> Call:
    """Mark a missed call as called back (it leaves the list of calls to return)."""
    require(actor, "calls.return")
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        if not call.missed:
            raise ValidationError({"call": [_("Only a missed call is called back.")]})
        if call.returned_at is None:
            call.returned_at, call.returned_by_id = timezone.now(), actor.user_id
            call.save(update_fields=["returned_at", "returned_by_id"])
    return call


def extension_set(*, user_id: int, extension: str, actor: Actor) -> AgentExtension | None:
    """The agent's extension (blank: none). One extension belongs to one agent."""
    require(actor, "telephony.manage")
    extension = (extension or "").strip()
    if extension and not EXTENSION_RE.match(extension):
        raise ValidationError({"extension": [_("An extension is 1 to 20 digits, letters or * # + _ . -")]})
    with transaction.atomic():
        if not extension:
            AgentExtension.objects.filter(user_id=user_id).delete()
            return None
        taken = AgentExtension.objects.filter(extension=extension).exclude(user_id=user_id).exists()
        if taken:
            raise ValidationError(
                {"extension": [_("Extension %(value)s is someone else's.") % {"value": extension}]}
            )
        row, _created = AgentExtension.objects.update_or_create(
            user_id=user_id, defaults={"extension": extension}
        )
    return row


def call_push_done(call_id: int, version: int) -> None:
    """The push of this version went out (a later change pushes again)."""
    Call.objects.filter(pk=call_id, pushed__lt=version).update(pushed=version)
