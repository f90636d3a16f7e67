"""The conversation on a work order between the hotline and the dealer it is routed to.

Both sides write in one thread per work order (a dealer reads only its own part of it);
a message may mention people who may read the work order, on either side. Posting
appends ``conversation.message_posted`` in the same transaction: the relay pushes it to
both pages, and the people mentioned are told (``notifications``). Each reader's place in
the thread is kept, so each sees what is new to them. A message may carry files: they are
the work order's attachments too (``attachments_add``), written in the message's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from notifications.sentences import short
from tenants.context import current_tenant
from tenants.permissions import require

from ..events import EventKind
from ..models import MESSAGE_MAX_LENGTH, Message, MessageMention, MessageRead, Side, WorkOrder
from ..selectors import conversation_people
from .attachments import FIELD as FILE_FIELD
from .attachments import attachment_check, attachment_files_delete, attachments_add
from .events import event_append
from .work_orders import work_order_lock

EXCERPT_CHARS = 120


def _text_errors(text: str) -> dict[str, list[str]]:
    text = (text or "").strip()
    if not text:
        return {"text": [_("The message has no text.")]}
    if len(text) > MESSAGE_MAX_LENGTH:
        return {
            "text": [
                _("At most %(limit)d characters (this has %(count)d).")
                % {"limit": MESSAGE_MAX_LENGTH, "count": len(text)}
            ]
        }
    return {}


def message_post(
    *,
    work_order_id: int,
    actor: Actor,
    text: str,
    mentions: Iterable[int] = (),
    dealer_id: int | None = None,
    files: Sequence[Any] = (),
) -> Message:
    """A message in the work order's conversation, from the hotline or (with ``dealer_id``, the
    gateway's) from the dealer it is routed to.

    The text is 1 to ``MESSAGE_MAX_LENGTH`` characters; ``mentions`` are user ids of people who
    may read the work order (the hotline's staff, the dealer's staff), any other is refused
    naming ``mentions`` and nothing is saved. In one transaction: the message, its mentions,
    ``conversation.message_posted`` (the people mentioned, but the author, are told) and the
    author's own place in the thread moved past it; and ``files``, attached to the work order
    with the message (the attachments' rules; a refused file saves neither message nor file).
    """
    side = Side.DEALER if dealer_id is not None else Side.HOTLINE
    require(actor, "dealer.message" if side == Side.DEALER else "work_order.message")
    errors = _text_errors(text)
    wanted = list(dict.fromkeys(int(m) for m in mentions))
    stored: list[Any] = []  # the files kept with the message, deleted if it is not
    try:
        with transaction.atomic():
            work_order = work_order_lock(work_order_id, dealer_id)
            people = {p.user_id: p for p in conversation_people(work_order, current_tenant())}
            strangers = [m for m in wanted if m not in people]
            if strangers:
                errors["mentions"] = [
                    _("Only people who may read this work order can be mentioned (not %(ids)s).")
                    % {"ids": ", ".join(str(s) for s in strangers)}
                ]
            if errors:  # every broken rule at once; nothing written yet
                errors.update(_file_errors(files))
                raise ValidationError(errors)
            now = timezone.now()
            message = Message.objects.create(
                work_order=work_order,
                dealer_id=work_order.dealer_id,
                side=side,
                author_id=actor.user_id or 0,
                author_tenant_id=actor.tenant_id or 0,
                author_name=(actor.name or "")[:150],
                dealer_name=work_order.dealer_name if work_order.dealer_id else "",
                at=now,
                text=text.strip(),
            )
            mentioned = [people[m] for m in wanted]
            MessageMention.objects.bulk_create(
                MessageMention(message=message, tenant_id=p.tenant_id, user_id=p.user_id, name=p.name[:150])
                for p in mentioned
            )
            told = [p for p in mentioned if p.user_id != actor.user_id]
            event_append(
                work_order,
                EventKind.MESSAGE_POSTED,
                actor,
                now,
                message=message.pk,
                side=side.value,
                dealer_name=message.dealer_name,
                excerpt=short(message.text, EXCERPT_CHARS),
                mentioned_hotline=[p.user_id for p in told if p.side == Side.HOTLINE],
                mentioned_dealer=[p.user_id for p in told if p.side == Side.DEALER],
            )
            if actor.user_id and actor.tenant_id:
                _read_up_to(work_order, actor.tenant_id, actor.user_id, message.pk)
            files = [f for f in files if f is not None]
            if files:
                rows = attachments_add(
                    work_order_id=work_order.pk,
                    actor=actor,
                    files=files,
                    dealer_id=dealer_id,
                    message_id=message.pk,
                )
                stored.extend(rows)
    except BaseException:
        attachment_files_delete(stored)
        raise
    return message


def _file_errors(files: Sequence[Any]) -> dict[str, list[str]]:
    """What is wrong with files sent with a message that is refused anyway (said at once)."""
    found: list[str] = []
    for upload in files:
        if upload is None:
            continue
        try:
            attachment_check(upload)
        except ValidationError as exc:
            found += exc.message_dict[FILE_FIELD]
        finally:
            upload.seek(0)
    return {FILE_FIELD: found} if found else {}


def _read_up_to(work_order: WorkOrder, tenant_id: int, user_id: int, last_id: int) -> None:
    mark, _created = MessageRead.objects.get_or_create(
        work_order=work_order,
        tenant_id=tenant_id,
        user_id=user_id,
        defaults={"last_read_id": last_id, "read_at": timezone.now()},
    )
    if mark.last_read_id < last_id:
        MessageRead.objects.filter(pk=mark.pk, last_read_id__lt=last_id).update(
            last_read_id=last_id, read_at=timezone.now()
        )


def conversation_mark_read(
    *, work_order: WorkOrder, tenant_id: int, user_id: int, dealer_id: int | None = None
) -> int:
    """The person has read the work order's conversation (with ``dealer_id``: that dealer's part
    of it) up to its newest message; their place never moves back. Returns that message's id."""
    messages = work_order.messages.all()
    if dealer_id is not None:
        messages = messages.filter(dealer_id=dealer_id)
    newest = messages.aggregate(newest=Max("id"))["newest"] or 0
    if newest:
        _read_up_to(work_order, tenant_id, user_id, newest)
    return newest
