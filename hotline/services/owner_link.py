"""The owner's own answer online: a short signed link in the score-request text.

The link (``/o/<token>/`` on the hotline's host) names one work order and the
resolution it asks about, signed with the project's secret and the hotline's
schema, and expires after ``LINK_DAYS``. No sign-in: whoever holds the link sees
only the owner's own complaint, its progress and the dealer's name, and may
answer once per resolution — the questionnaire, whether the fault is fixed, and
a comment — recorded as a reached callback "by the owner, online". Like a texted
score it never closes anything: a person confirms, or the policy's timeout
closes the work order as "closed — not verified"; an owner who says the fault is
not fixed is never closed by the timeout, and the hotline's agents are told.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor

from ..events import EventKind
from ..models import CallbackAttempt, CallbackOutcome, CallbackParty, ContactMethod, State, WorkOrder
from ..state import transition
from .callbacks import CallbackNotAllowed
from .events import event_append
from .questionnaires import answers_check, answers_save, answers_summary, questionnaire_for
from .work_orders import work_order_lock, work_order_save

LINK_DAYS = 14
MAX_TOKEN = 120
MAX_COMMENT = 1000


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"hotline.owner-answer:{connection.schema_name}", algorithm="sha256")


def _stamp(resolved_at: dt.datetime) -> str:
    return signing.b62_encode(int(resolved_at.timestamp()))


def owner_link_token(work_order: WorkOrder) -> str:
    """The signed token of the owner's link for the work order's current resolution."""
    if work_order.resolved_at is None:
        return ""
    return _signer().sign(f"{signing.b62_encode(work_order.pk)}.{_stamp(work_order.resolved_at)}")


def owner_link_work_order(token: str) -> WorkOrder | None:
    """The resolved work order a link names, or None for a link that is forged, expired, from
    another hotline, or about a resolution that is over."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN or not token.isascii():
        return None
    try:
        value = _signer().unsign(token, max_age=dt.timedelta(days=LINK_DAYS))
        number, stamp = value.split(".")
        pk = signing.b62_decode(number)
    except (signing.BadSignature, ValueError):
        return None
    work_order = (
        WorkOrder.objects.select_related("owner", "vehicle").filter(pk=pk, state=State.RESOLVED).first()
    )
    if work_order is None or work_order.resolved_at is None or _stamp(work_order.resolved_at) != stamp:
        return None
    return work_order


def owner_answered_online(work_order: WorkOrder) -> bool:
    """The owner already answered this resolution through the link."""
    return work_order.callbacks.filter(
        party=CallbackParty.OWNER_ONLINE, at__gte=work_order.resolved_at
    ).exists()


def owner_online_answer(
    *,
    work_order_id: int,
    score: Any,
    solved: bool | None,
    answers: dict[str, Any] | None = None,
    comment: str = "",
) -> CallbackAttempt:
    """The owner's answer through the link: once per resolution, while resolved.

    The same answers as a reached callback (the questionnaire, "is the fault fully
    fixed?") plus a comment, recorded as a reached callback by the owner, online;
    the overall score becomes the work order's satisfaction. Nothing closes or
    reopens: ``callback.recorded`` tells the hotline, which confirms by a person.
    """
    errors: dict[str, list[str]] = {}
    if solved not in (True, False):
        errors["solved"] = [_("Please say whether the fault is fully fixed.")]
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = [_("At most %(n)s characters.") % {"n": MAX_COMMENT}]
    with transaction.atomic():
        work_order = work_order_lock(work_order_id)
        if work_order.state != State.RESOLVED or owner_answered_online(work_order):
            raise CallbackNotAllowed(_("This work order is not waiting for your answer."))
        transition(work_order, "record_callback")
        given = answers_check(
            errors, questionnaire_for(work_order), reached=True, score=score, answers=answers
        )
        if errors or given is None:
            raise ValidationError(errors)
        now = timezone.now()
        owner = Actor(user_id=None, name=_("The owner, online"), tenant_id=None, role="owner")
        attempt = CallbackAttempt.objects.create(
            work_order=work_order,
            at=now,
            agent_id=0,
            party=CallbackParty.OWNER_ONLINE,
            caller_name=owner.name[:60],
            method=ContactMethod.ONLINE,
            outcome=CallbackOutcome.REACHED,
            score=given.score,
            solved=solved,
            note=comment,
        )
        answers_save(attempt, given)
        work_order.satisfaction = given.score
        work_order_save(work_order, "satisfaction")
        event_append(
            work_order,
            EventKind.CALLBACK_RECORDED,
            owner,
            now,
            attempt=attempt.pk,
            party=CallbackParty.OWNER_ONLINE,
            outcome=attempt.outcome,
            score=given.score,
            solved=solved,
            note=comment,
            **answers_summary(given),
        )
    return attempt
