"""Technical support: a dealer's question to the manufacturer's technical support, under a work order.

The dealer names the case it opened in DISS (the manufacturer's technical
information system) and asks its question; the hotline answers it, or closes it
with the reason (answered on the phone, no longer needed). One request is open
per work order at a time. While it is open the hotline's ``tech_support`` window
runs (2 working days by default; its warnings and breach go to the hotline's
supervisors), and, if the SLA policy says so (``tech_support_pauses_completion``,
yes by default), the parts work order's completion window is paused: the dealer
is waiting for the manufacturer, as it waits for parts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from tenants.permissions import require

from ..events import EventKind
from ..models import (
    DISS_REFERENCE_MAX,
    QUESTION_MAX,
    ClockKind,
    TechSupportRequest,
    TechSupportState,
    WorkOrder,
)
from ..state import transition
from .clocks import clocks_follow_state, clocks_start, clocks_stop
from .events import event_append
from .work_orders import work_order_lock

# A DISS case number: letters and digits, with - _ / . between them.
DISS_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]*")
Errors = dict[str, list[str]]


def _text(value: str, name: str, errors: Errors, *, empty: str, limit: int = QUESTION_MAX) -> str:
    value = (value or "").strip()
    if not value:
        errors[name] = [empty]
    elif len(value) > limit:
        errors[name] = [_("At most %(limit)s characters.") % {"limit": limit}]
    return value


def tech_support_request(
    *,
    work_order_id: int,
    actor: Actor,
    dealer_id: int | None = None,
    diss_reference: str,
    question: str,
) -> TechSupportRequest:
    """The dealer asks technical support (processing or awaiting parts; none other open).

    Appends ``tech_support.requested`` (the hotline's supervisors are told), starts the
    hotline's ``tech_support`` window and pauses the completion window if the policy says so.
    """
    require(actor, "dealer.tech_support")
    errors: Errors = {}
    diss = _text(
        diss_reference,
        "diss_reference",
        errors,
        empty=_("Give the number of the case opened in DISS."),
        limit=DISS_REFERENCE_MAX,
    )
    if "diss_reference" not in errors and not DISS_RE.fullmatch(diss):
        errors["diss_reference"] = [
            _("A DISS case number has letters and digits, with - _ / . between them.")
        ]
    question = _text(question, "question", errors, empty=_("Ask your question."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        transition(work_order, "request_tech_support")
        if work_order.tech_support_requests.filter(state=TechSupportState.OPEN).exists():
            raise ValidationError(
                {"question": [_("A technical-support request of this work order is still open.")]}
            )
        now = timezone.now()
        serial = work_order.tech_support_requests.count() + 1
        request = TechSupportRequest.objects.create(
            work_order=work_order,
            number=f"{work_order.number}-T{serial}",
            dealer_id=work_order.dealer_id,
            diss_reference=diss,
            question=question,
            raised_by_id=actor.user_id,
            raised_by_name=actor.name,
            raised_at=now,
        )
        event_append(
            work_order,
            EventKind.TECH_SUPPORT_REQUESTED,
            actor,
            now,
            request=request.number,
            diss_reference=diss,
            question=question,
        )
        clocks_start(work_order, [ClockKind.TECH_SUPPORT], at=now, actor=actor)
        clocks_follow_state(work_order, at=now, actor=actor)
    return request


def _open_request(work_order: WorkOrder, number: str) -> TechSupportRequest:
    """The work order's request of that number, locked (``DoesNotExist`` for any other: 404)."""
    request = work_order.tech_support_requests.select_for_update().get(number=number)
    if request.state != TechSupportState.OPEN:
        raise ValidationError(
            {"request": [_("This request is already %(state)s.") % {"state": request.get_state_display()}]}
        )
    return request


def _settled(work_order: WorkOrder, actor: Actor, reason: str) -> None:
    now = timezone.now()
    clocks_stop(work_order, [ClockKind.TECH_SUPPORT], at=now, actor=actor, reason=reason)
    clocks_follow_state(work_order, at=now, actor=actor)


def _settle(
    *,
    work_order_id: int,
    request: str,
    actor: Actor,
    field: str,
    text: str,
    empty: str,
    record: Callable[[TechSupportRequest, str, dt.datetime], None],
    kind: EventKind,
    reason: str,
) -> TechSupportRequest:
    """Answer or close an open request: the text checked, the request updated by ``record``, the
    event appended, the hotline's window stopped and the completion window let run again."""
    require(actor, "tech_support.answer")
    errors: Errors = {}
    text = _text(text, field, errors, empty=empty)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        work_order = work_order_lock(work_order_id)
        found = _open_request(work_order, request)
        now = timezone.now()
        record(found, text, now)
        found.save()
        event_append(work_order, kind, actor, now, request=found.number, **{field: text})
        _settled(work_order, actor, reason)
    return found


def tech_support_answer(*, work_order_id: int, request: str, actor: Actor, answer: str) -> TechSupportRequest:
    """The hotline answers an open request (named by its number within the work order).

    Appends ``tech_support.answered`` (the dealer on duty is told), stops the hotline's
    window and lets the completion window run again.
    """

    def record(found: TechSupportRequest, text: str, now: dt.datetime) -> None:
        found.state, found.answer = TechSupportState.ANSWERED, text
        found.answered_by_name, found.answered_at = actor.name, now

    return _settle(
        work_order_id=work_order_id,
        request=request,
        actor=actor,
        field="answer",
        text=answer,
        empty=_("Write the answer."),
        record=record,
        kind=EventKind.TECH_SUPPORT_ANSWERED,
        reason="tech_support_answered",
    )


def tech_support_close(*, work_order_id: int, request: str, actor: Actor, reason: str) -> TechSupportRequest:
    """The hotline closes an open request without a written answer, with the reason."""

    def record(found: TechSupportRequest, text: str, now: dt.datetime) -> None:
        found.state, found.close_reason = TechSupportState.CLOSED, text
        found.closed_by_name, found.closed_at = actor.name, now

    return _settle(
        work_order_id=work_order_id,
        request=request,
        actor=actor,
        field="reason",
        text=reason,
        empty=_("Say why the request is closed."),
        record=record,
        kind=EventKind.TECH_SUPPORT_CLOSED,
        reason="tech_support_closed",
    )


__all__ = ["tech_support_answer", "tech_support_close", "tech_support_request"]
