"""The hotline's notes on a work order and the owner's calls about it.

A note stays in the hotline: it appends no event, so no dealer, webhook or
notification ever carries it. A logged owner call appends ``owner.called`` with
its topic only: the dealer on duty learns that the owner called and why, while
the agent's summary stays with the hotline.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from tenants.permissions import require

from ..events import EventKind
from ..models import NOTE_MAX_LENGTH, Call, HotlineNote, OwnerCallLog, OwnerCallTopic
from .events import event_append
from .work_orders import work_order_lock


def _text_errors(text: str, field: str, empty: str) -> dict[str, list[str]]:
    text = (text or "").strip()
    if not text:
        return {field: [empty]}
    if len(text) > NOTE_MAX_LENGTH:
        return {
            field: [
                _("At most %(limit)d characters (this has %(count)d).")
                % {"limit": NOTE_MAX_LENGTH, "count": len(text)}
            ]
        }
    return {}


def hotline_note_add(*, work_order_id: int, actor: Actor, text: str) -> HotlineNote:
    """A note only the hotline sees; any work order, open or closed, may have one."""
    require(actor, "work_order.note")
    errors = _text_errors(text, "text", _("The note is empty."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        work_order = work_order_lock(work_order_id)
        return HotlineNote.objects.create(
            work_order=work_order, author_id=actor.user_id or 0, at=timezone.now(), text=text.strip()
        )


def owner_call_log(
    *,
    work_order_id: int,
    actor: Actor,
    topic: str,
    summary: str,
    at: dt.datetime | None = None,
    call_id: int | None = None,
) -> OwnerCallLog:
    """The owner called about this work order: when, why, what they said; the dealer hears why.

    ``at`` defaults to now and may be neither in the future nor before the work
    order was received; ``call_id`` links the telephony system's record of the
    call, which must be one of this owner's calls.
    """
    require(actor, "work_order.owner_call")
    now = timezone.now()
    at = at or now
    errors: dict[str, list[str]] = {}
    if topic not in OwnerCallTopic.values:
        errors["topic"] = [_("Choose why the owner called.")]
    errors |= _text_errors(summary, "summary", _("Write down what the owner said."))
    if at > now + dt.timedelta(minutes=5):
        errors.setdefault("at", []).append(_("This time is in the future."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        work_order = work_order_lock(work_order_id)
        if at < work_order.received_at - dt.timedelta(minutes=1):
            raise ValidationError({"at": [_("The call cannot be before the work order was received.")]})
        call = None
        if call_id is not None:
            call = Call.objects.filter(pk=call_id, owner_id=work_order.owner_id).first()
            if call is None:
                raise ValidationError({"call": [_("This is not one of the owner's calls.")]})
        log = OwnerCallLog.objects.create(
            work_order=work_order,
            agent_id=actor.user_id or 0,
            at=at,
            topic=topic,
            summary=summary.strip(),
            call=call,
        )
        event_append(work_order, EventKind.OWNER_CALLED, actor, at, call_log=log.pk, topic=topic)
    return log
