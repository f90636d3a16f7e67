"""Callbacks to the owner after resolution (回访): the hotline's, the dealer's, the owner's text.

"2123"'s 3 belongs to the dealer: its callback specialist calls the owner back
within three days of resolution (the ``dealer_callback`` window), and a call in
which the owner says the fault is not fixed lets the dealer take its resolution
back. The hotline verifies by its own callback as the manufacturer's callback
policy says (every work order, a sample, or only where the dealer's callback is
missing, failed or poor), and the policy says whether the dealer's own good
callback closes the work order. Satisfaction and "is the fault really fixed"
are separate answers: a score alone (an owner's text) never closes anything.

Outcomes follow the callback manual. "Call later" and "not the owner" schedule
the next attempt (the caller is reminded then) and are not failures; after four
failed hotline attempts the owner is texted for a score, never to a number a
callback found empty or wrong: that number goes to the queue of numbers to verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from config.errors import DomainError
from tenants.permissions import require

from ..events import EventKind
from ..models import (
    BAD_NUMBER_OUTCOMES,
    FAILED_OUTCOMES,
    RESCHEDULING_OUTCOMES,
    CallbackAttempt,
    CallbackOutcome,
    CallbackParty,
    CallbackPolicy,
    ClockKind,
    ContactMethod,
    HotlineVerification,
    NumberCheck,
    NumberCheckState,
    State,
    WorkOrder,
)
from ..state import transition
from ..vin import MOBILE_RE
from .clocks import clocks_start, clocks_stop
from .events import event_append
from .policy import publishing
from .questionnaires import (
    answers_check,
    answers_save,
    answers_summary,
    overall_answer_save,
    questionnaire_for,
)
from .work_orders import _reopen, requests_withdraw, work_order_lock, work_order_save

FAILED_ATTEMPTS_BEFORE_SMS = 4
# "Call later": the agreed time lies in the future, at most this far ahead.
LATEST_AGREED_DAYS = 14
Errors = dict[str, list[str]]


class CallbackNotAllowed(DomainError):
    """The dealer's callback or withdrawal is not possible now (the API answers 409)."""

    status = 409
    code = "callback-not-allowed"


# --- the policy -----------------------------------------------------------------------------


def callback_policy_current() -> CallbackPolicy:
    """The newest callback policy; the handbooks' defaults become version 1 on first use:
    the hotline verifies every work order, and only the hotline closes."""
    policy = CallbackPolicy.objects.order_by("-version").first()
    if policy is None:
        try:
            with transaction.atomic():
                policy = CallbackPolicy.objects.create(version=1, note=_("Default policy"))
        except IntegrityError:  # a concurrent first use made version 1 and committed first
            policy = CallbackPolicy.objects.order_by("-version").first()
    return policy


def callback_policy_publish(
    *,
    actor: Actor,
    hotline_verifies: str,
    sample_percent: int = 100,
    score_threshold: int = 8,
    dealer_may_close: bool = False,
    dealer_callback_days_after_closure: int = 7,
    unverified_close_days: int = 7,
    note: str = "",
) -> CallbackPolicy:
    """A new version of the callback policy; work orders already closed keep how they closed."""
    require(actor, "callback_policy.change")
    errors: Errors = {}
    if hotline_verifies not in HotlineVerification.values:
        errors["hotline_verifies"] = [_("Choose which work orders the hotline verifies.")]
    if not isinstance(sample_percent, int) or not 0 <= sample_percent <= 100:
        errors["sample_percent"] = [_("The sample is a percentage from 0 to 100.")]
    if not isinstance(score_threshold, int) or not 1 <= score_threshold <= 10:
        errors["score_threshold"] = [_("The threshold is a score from 1 to 10.")]
    days = dealer_callback_days_after_closure
    if not isinstance(days, int) or not 0 <= days <= 90:
        errors["dealer_callback_days_after_closure"] = [_("Between 0 and 90 days.")]
    unverified = unverified_close_days
    if not isinstance(unverified, int) or isinstance(unverified, bool) or not 1 <= unverified <= 30:
        errors["unverified_close_days"] = [_("Between 1 and 30 days.")]
    if len(note or "") > 200:
        errors["note"] = [_("At most 200 characters.")]
    if errors:
        raise ValidationError(errors)
    with publishing():
        last = CallbackPolicy.objects.select_for_update().order_by("-version").first()
        return CallbackPolicy.objects.create(
            version=(last.version + 1) if last else 1,
            created_by_id=actor.user_id,
            note=(note or "").strip(),
            hotline_verifies=hotline_verifies,
            sample_percent=sample_percent,
            score_threshold=score_threshold,
            dealer_may_close=dealer_may_close,
            dealer_callback_days_after_closure=days,
            unverified_close_days=unverified,
        )


def in_sample(number: str, percent: int) -> bool:
    """Whether a work order falls in a sample of ``percent``: fixed by its number, so the
    hotline and the dealer see the same answer every time."""
    return int(hashlib.sha256(number.encode()).hexdigest(), 16) % 100 < percent


def _latest_dealer_callback(work_order: WorkOrder) -> CallbackAttempt | None:
    qs = work_order.callbacks.filter(party=CallbackParty.DEALER)
    if work_order.resolved_at is not None:
        qs = qs.filter(at__gte=work_order.resolved_at)
    return qs.order_by("-at", "-id").first()


def hotline_verification_needed(work_order: WorkOrder, policy: CallbackPolicy | None = None) -> bool:
    """Whether the policy asks the hotline to verify this resolved work order by its own callback."""
    policy = policy or callback_policy_current()
    if policy.hotline_verifies == HotlineVerification.ALL:
        return True
    if policy.hotline_verifies == HotlineVerification.SAMPLE:
        return in_sample(work_order.number, policy.sample_percent)
    latest = _latest_dealer_callback(work_order)
    return (
        latest is None
        or latest.outcome != CallbackOutcome.REACHED
        or latest.solved is not True
        or (latest.score or 0) < policy.score_threshold
    )


# --- checks shared by every callback ---------------------------------------------------------


def _check(
    errors: Errors,
    *,
    outcome: str,
    solved: bool | None,
    next_attempt_at: dt.datetime | None,
    now: dt.datetime,
) -> None:
    if outcome not in CallbackOutcome.values:
        errors["outcome"] = [_("Choose how the call went.")]
        return
    if outcome == CallbackOutcome.REACHED and solved is None:
        errors["solved"] = [_("Ask whether the fault is fully fixed.")]
    if outcome == CallbackOutcome.CALL_LATER and next_attempt_at is None:
        errors["next_attempt_at"] = [_("Record the time agreed with the owner for the next call.")]
    if next_attempt_at is not None:
        if outcome not in RESCHEDULING_OUTCOMES:
            errors["next_attempt_at"] = [
                _("A next attempt is agreed only with “call later” or “not the owner”.")
            ]
        elif next_attempt_at <= now:
            errors["next_attempt_at"] = [_("The next attempt must be in the future.")]
        elif next_attempt_at > now + dt.timedelta(days=LATEST_AGREED_DAYS):
            errors["next_attempt_at"] = [
                _("The next attempt must be within %(days)s days.") % {"days": LATEST_AGREED_DAYS}
            ]


def _schedule(work_order: WorkOrder, attempt: CallbackAttempt, actor: Actor, now: dt.datetime) -> None:
    """A reminder to the caller at the agreed time (the notification waits until then)."""
    if attempt.next_attempt_at is not None:
        event_append(
            work_order,
            EventKind.CALLBACK_SCHEDULED,
            actor,
            now,
            attempt=attempt.pk,
            next_attempt_at=attempt.next_attempt_at,
            notify_at=attempt.next_attempt_at,
        )


def _number_check(work_order: WorkOrder, attempt: CallbackAttempt, actor: Actor, now: dt.datetime) -> None:
    """A number found empty or wrong joins the queue of numbers to verify (once while pending)."""
    if attempt.outcome not in BAD_NUMBER_OUTCOMES:
        return
    if work_order.number_checks.filter(state=NumberCheckState.PENDING).exists():
        return
    check = NumberCheck.objects.create(
        work_order=work_order, attempt=attempt, mobile=work_order.owner.mobile, raised_at=now
    )
    event_append(work_order, EventKind.NUMBER_TO_VERIFY, actor, now, check=check.pk, outcome=attempt.outcome)


def _attempt_followed_up(
    work_order: WorkOrder, attempt: CallbackAttempt, given: Any, actor: Actor, now: dt.datetime
) -> None:
    """What every recorded callback, the hotline's or the dealer's, brings: its answers kept, the
    next attempt scheduled, a bad number sent to be verified."""
    if given:
        answers_save(attempt, given)
    _schedule(work_order, attempt, actor, now)
    _number_check(work_order, attempt, actor, now)


def _close(
    work_order: WorkOrder,
    actor: Actor,
    now: dt.datetime,
    *,
    verified_by: str,
    score: int | None,
    unverified: bool = False,
    reason: str = "",
) -> None:
    before, after = transition(work_order, "close")
    requests_withdraw(work_order, now, _("The work order ended before a decision."))
    work_order.closed_at = now
    work_order.closed_unverified = unverified
    if reason:
        work_order.closure_reason = reason
    work_order_save(work_order, "closed_at", "satisfaction", "closed_unverified", "closure_reason")
    event_append(
        work_order,
        EventKind.CLOSED,
        actor,
        now,
        state_before=before,
        state_after=after,
        verified_by=verified_by,
        score=score,
        **({"reason": reason} if reason else {}),
    )
    clocks_stop(work_order, None, at=now, actor=actor, reason="callback")


# --- the hotline's verification callback ----------------------------------------------------


def callback_record(
    *,
    work_order_id: int,
    actor: Actor,
    outcome: str,
    score: int | None = None,
    solved: bool | None = None,
    note: str = "",
    next_attempt_at: dt.datetime | None = None,
    answers: dict[str, Any] | None = None,
) -> CallbackAttempt:
    """One hotline callback attempt. Reached and fixed: closed. Reached and not fixed: reopened.

    "Call later" and "not the owner" schedule the next attempt (the agent is
    reminded then). An empty or wrong number goes to the numbers to verify.
    Other outcomes are failures; the fourth since resolution texts the owner for
    a score, unless a callback found the number empty or wrong. A reached callback
    answers the questionnaire (``answers`` by item code; ``score`` is the overall item).
    """
    errors: Errors = {}
    now = timezone.now()
    _check(errors, outcome=outcome, solved=solved, next_attempt_at=next_attempt_at, now=now)
    reached = outcome == CallbackOutcome.REACHED
    with transaction.atomic():
        work_order = work_order_lock(work_order_id)
        transition(work_order, "record_callback")
        given = answers_check(
            errors, questionnaire_for(work_order), reached=reached, score=score, answers=answers
        )
        if errors:
            raise ValidationError(errors)
        score = given.score if given else None
        attempt = CallbackAttempt.objects.create(
            work_order=work_order,
            at=now,
            agent_id=actor.user_id or 0,
            party=CallbackParty.HOTLINE,
            caller_name=actor.name[:60],
            outcome=outcome,
            score=score if reached else None,
            solved=solved if reached else None,
            next_attempt_at=next_attempt_at,
            note=(note or "").strip(),
        )
        since = work_order.callbacks.filter(
            party=CallbackParty.HOTLINE, at__gte=work_order.resolved_at or now
        )
        failed = since.filter(outcome__in=FAILED_OUTCOMES).count()
        bad_number = (
            since.filter(outcome__in=BAD_NUMBER_OUTCOMES).exists()
            or work_order.number_checks.exclude(state=NumberCheckState.CORRECTED).exists()
        )
        event_append(
            work_order,
            EventKind.CALLBACK_RECORDED,
            actor,
            now,
            attempt=attempt.pk,
            party=CallbackParty.HOTLINE,
            outcome=outcome,
            score=attempt.score,
            solved=attempt.solved,
            failed_attempts=failed,
            sms_requested=(
                outcome in FAILED_OUTCOMES
                and failed == FAILED_ATTEMPTS_BEFORE_SMS
                and not bad_number
                and bool(work_order.owner.mobile)
            ),
            next_attempt_at=next_attempt_at,
            note=attempt.note,
            **answers_summary(given),
        )
        _attempt_followed_up(work_order, attempt, given, actor, now)
        if reached:
            work_order.satisfaction = score
            if solved:
                _close(work_order, actor, now, verified_by="callback", score=score)
            else:
                work_order_save(work_order, "satisfaction")
                _reopen(work_order, actor=actor, at=now, reason=_("The owner says the fault is not fixed."))
    return attempt


def owner_score_record(*, work_order_id: int, actor: Actor, score: int, note: str = "") -> CallbackAttempt:
    """The owner's texted score: it answers how satisfied they are, never whether the fault
    is fixed. The work order stays resolved until a person's callback confirms it, a
    supervisor closes it, or the policy's days pass and it closes as "closed — not
    verified" (``work_orders_close_unverified``); the score answers the questionnaire's
    overall item and counts as the work order's satisfaction."""
    if not isinstance(score, int) or not 1 <= score <= 10:
        raise ValidationError({"score": [_("A score is from 1 to 10.")]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id)
        transition(work_order, "record_callback")
        now = timezone.now()
        attempt = CallbackAttempt.objects.create(
            work_order=work_order,
            at=now,
            agent_id=0,
            party=CallbackParty.OWNER_SMS,
            caller_name=actor.name[:60],
            method=ContactMethod.SMS,
            outcome=CallbackOutcome.REACHED,
            score=score,
            note=(note or "").strip(),
        )
        overall_answer_save(attempt, questionnaire_for(work_order), score)
        work_order.satisfaction = score
        work_order_save(work_order, "satisfaction")
        event_append(
            work_order,
            EventKind.CALLBACK_RECORDED,
            actor,
            now,
            attempt=attempt.pk,
            party=CallbackParty.OWNER_SMS,
            outcome=attempt.outcome,
            score=score,
            solved=None,
            note=attempt.note,
        )
    return attempt


# --- "closed — not verified" -----------------------------------------------------------------

POLICY_ACTOR = Actor(user_id=None, name="callback policy", tenant_id=None, role="system")


def _texted_only() -> Any:
    """Resolved work orders answered since resolution by the owner alone, by text or online
    (no person reached the owner since), with the time of the first answer (``texted_at``)."""
    since = {"work_order": OuterRef("pk"), "at__gte": OuterRef("resolved_at")}
    owner = [CallbackParty.OWNER_SMS, CallbackParty.OWNER_ONLINE]
    texted = CallbackAttempt.objects.filter(party__in=owner, **since).order_by("at").values("at")[:1]
    person = CallbackAttempt.objects.filter(
        party__in=[CallbackParty.HOTLINE, CallbackParty.DEALER], outcome=CallbackOutcome.REACHED, **since
    )
    # An owner who says online that the fault is not fixed waits for a person, however long.
    not_fixed = CallbackAttempt.objects.filter(party=CallbackParty.OWNER_ONLINE, solved=False, **since)
    return (
        WorkOrder.objects.filter(state=State.RESOLVED)
        .annotate(texted_at=Subquery(texted))
        .filter(texted_at__isnull=False)
        .exclude(Exists(person))
        .exclude(Exists(not_fixed))
    )


def work_orders_close_unverified(now: dt.datetime | None = None, *, limit: int = 200) -> dt.datetime | None:
    """Close as "closed — not verified" the resolved work orders whose only answer is the
    owner's texted score, once the callback policy's days have passed since it came and no
    person has reached the owner. Each in a transaction of its own, checked again under the
    row lock; the ``work_order.closed`` event says ``verified_by: not_verified``. Returns when
    the next one falls due (the scheduler sleeps until then), or None."""
    now = now or timezone.now()
    policy = callback_policy_current()
    wait = dt.timedelta(days=policy.unverified_close_days)
    reason = _("Closed — not verified: only the owner's texted score, nobody confirmed the fault is fixed.")
    due = list(_texted_only().filter(texted_at__lte=now - wait).values_list("pk", flat=True)[:limit])
    for work_order_id in due:
        with transaction.atomic():
            work_order = work_order_lock(work_order_id)
            if not _texted_only().filter(pk=work_order_id, texted_at__lte=now - wait).exists():
                continue  # a person reached the owner meanwhile, or it changed state
            _close(
                work_order,
                POLICY_ACTOR,
                now,
                verified_by="not_verified",
                score=work_order.satisfaction,
                unverified=True,
                reason=reason,
            )
    upcoming = _texted_only().aggregate(first=Min("texted_at"))["first"]
    return None if upcoming is None else upcoming + wait


# --- the dealer's callback ------------------------------------------------------------------


def dealer_callback_record(
    *,
    work_order_id: int,
    actor: Actor,
    dealer_id: int | None = None,
    at: dt.datetime | None = None,
    method: str,
    outcome: str,
    score: int | None = None,
    solved: bool | None = None,
    reminder_given: bool = False,
    next_attempt_at: dt.datetime | None = None,
    note: str = "",
    answers: dict[str, Any] | None = None,
) -> CallbackAttempt:
    """The dealer's callback to the owner after resolution: while resolved, and for the
    policy's days after closure.

    A reached callback stops the ``dealer_callback`` window. One that finds the
    fault fixed, with a score the policy accepts and no hotline verification due
    under the policy, closes the work order when the policy lets the dealer close.
    One that finds it not fixed tells the hotline's agent; the dealer may then
    withdraw its resolution (``resolution_withdraw``).
    """
    errors: Errors = {}
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        errors["at"] = [_("This time is in the future.")]
    if method not in ContactMethod.values:
        errors["method"] = [_("Choose how the owner was called back.")]
    _check(errors, outcome=outcome, solved=solved, next_attempt_at=next_attempt_at, now=now)
    reached = outcome == CallbackOutcome.REACHED
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        transition(work_order, "record_dealer_callback")
        given = answers_check(
            errors, questionnaire_for(work_order), reached=reached, score=score, answers=answers
        )
        if errors:
            raise ValidationError(errors)
        score = given.score if given else None
        policy = callback_policy_current()
        if work_order.state == State.CLOSED:
            limit = work_order.closed_at + dt.timedelta(days=policy.dealer_callback_days_after_closure)
            if now > limit:
                raise CallbackNotAllowed(
                    _(
                        "Work order %(number)s was closed more than %(days)s days ago; "
                        "no callback can be added."
                    )
                    % {"number": work_order.number, "days": policy.dealer_callback_days_after_closure}
                )
        if work_order.resolved_at is None or at < work_order.resolved_at - dt.timedelta(minutes=1):
            raise ValidationError({"at": [_("A callback comes after the work order was resolved.")]})
        attempt = CallbackAttempt.objects.create(
            work_order=work_order,
            at=at,
            agent_id=actor.user_id or 0,
            party=CallbackParty.DEALER,
            dealer_id=work_order.dealer_id,
            caller_name=actor.name[:60],
            method=method,
            outcome=outcome,
            score=score if reached else None,
            solved=solved if reached else None,
            reminder_given=bool(reminder_given) if reached else None,
            next_attempt_at=next_attempt_at,
            note=(note or "").strip(),
        )
        event_append(
            work_order,
            EventKind.DEALER_CALLBACK_RECORDED,
            actor,
            at,
            attempt=attempt.pk,
            outcome=outcome,
            method=method,
            caller=attempt.caller_name,
            score=attempt.score,
            solved=attempt.solved,
            reminder_given=attempt.reminder_given,
            next_attempt_at=next_attempt_at,
            note=attempt.note,
            **answers_summary(given),
        )
        _attempt_followed_up(work_order, attempt, given, actor, now)
        if reached and work_order.state == State.RESOLVED:
            clocks_stop(work_order, [ClockKind.DEALER_CALLBACK], at=at, actor=actor, reason="dealer_callback")
            if (
                solved
                and policy.dealer_may_close
                and score >= policy.score_threshold
                and not hotline_verification_needed(work_order, policy)
            ):
                work_order.satisfaction = score
                _close(work_order, actor, now, verified_by="dealer_callback", score=score)
    return attempt


def resolution_withdraw(
    *, work_order_id: int, actor: Actor, dealer_id: int | None = None, reason: str
) -> WorkOrder:
    """The dealer takes its resolution back after its own callback found the fault not fixed.

    Resolved → processing. The callback windows stop; the dealer owes the owner a
    new answer, so the policy's answer window starts again. Logged with the callback.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say what is still to be done.")]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        before, after = transition(work_order, "withdraw_resolution")
        latest = _latest_dealer_callback(work_order)
        reached = (
            work_order.callbacks.filter(
                party=CallbackParty.DEALER, outcome=CallbackOutcome.REACHED, at__gte=work_order.resolved_at
            )
            .order_by("-at", "-id")
            .first()
        )
        if reached is None or reached.solved is not False or (latest is not None and latest.solved is True):
            raise CallbackNotAllowed(
                _(
                    "Only after a callback in which the owner says the fault is not fixed "
                    "can the resolution be withdrawn."
                )
            )
        now = timezone.now()
        work_order.resolved_at = None
        work_order_save(work_order, "resolved_at")
        event_append(
            work_order,
            EventKind.RESOLUTION_WITHDRAWN,
            actor,
            now,
            state_before=before,
            state_after=after,
            attempt=reached.pk,
            reason=reason.strip(),
        )
        clocks_stop(
            work_order,
            [ClockKind.CALLBACK, ClockKind.DEALER_CALLBACK],
            at=now,
            actor=actor,
            reason="withdrawn",
        )
        clocks_start(work_order, [ClockKind.ANSWER], at=now, actor=actor)
    return work_order


# --- the numbers to verify ------------------------------------------------------------------


def _mobile(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def number_check_decide(
    *, check_id: int, actor: Actor, mobile: str = "", unreachable: bool = False, note: str = ""
) -> NumberCheck:
    """An agent corrects the owner's mobile (logged, old and new) or marks the owner unreachable."""
    require(actor, "owner.number_verify")
    errors: Errors = {}
    new = ""
    if unreachable:
        if not (note or "").strip():
            errors["note"] = [_("Say what was tried before marking the owner unreachable.")]
    else:
        new = _mobile(mobile)
        if not MOBILE_RE.match(new):
            errors["mobile"] = [_("Enter a mainland mobile number: 11 digits starting with 1.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        check = NumberCheck.objects.select_for_update().filter(pk=check_id).first()
        if check is None:
            raise ValidationError({"check": [_("No such number to verify.")]})
        if check.state != NumberCheckState.PENDING:
            raise ValidationError({"check": [_("This number was already dealt with.")]})
        work_order = work_order_lock(check.work_order_id)
        now = timezone.now()
        if not unreachable:
            if new == check.mobile:
                raise ValidationError(
                    {"mobile": [_("This is the number that failed; enter the corrected one.")]}
                )
            owner = work_order.owner
            owner.mobile = new
            owner.save(update_fields=["mobile"])
        check.state = NumberCheckState.UNREACHABLE if unreachable else NumberCheckState.CORRECTED
        check.new_mobile, check.note = new, (note or "").strip()
        check.decided_by_id, check.decided_at = actor.user_id, now
        check.save()
        event_append(
            work_order,
            EventKind.NUMBER_VERIFIED,
            actor,
            now,
            check=check.pk,
            result=check.state,
            note=check.note,
        )
    return check
