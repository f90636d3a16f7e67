"""Major complaints (重大投诉): reclassifying severity and category, a dealer's request to upgrade,
and senior management's answer confirmed by the senior manager it was recorded for.

The senior-answer window (``ClockKind.SENIOR_ANSWER``) runs only for a major complaint: an
upgrade starts it from that moment, a downgrade stops it (the stopped clock stays on record,
met or missed). News of a major complaint goes at once to the dealer's senior management and
service manager and to the hotline's supervisors (``hotline.events.MAJOR_NEWS``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from tenants.models import Membership
from tenants.permissions import require, roles_allowed

from ..events import EventKind
from ..models import (
    Category,
    ClockKind,
    DecisionState,
    Severity,
    State,
    UpgradeRequest,
    WorkOrder,
    WorkOrderEvent,
)
from ..state import transition
from .clocks import clock_open, clocks_follow_state, clocks_start, clocks_stop
from .events import event_append
from .work_orders import request_decision, work_order_lock, work_order_save

# States in which the dealer still owes the owner an answer: an upgrade then starts the window.
ANSWER_OWED = frozenset({State.DISPATCHED, State.PROCESSING, State.AWAITING_PARTS, State.REOPENED})
CONTACT_KINDS = (EventKind.FIRST_CONTACT, EventKind.CONTACT_ATTEMPT)


def _reclassify(
    work_order: WorkOrder,
    *,
    actor: Actor,
    severity: str,
    category: str,
    reason: str,
    request: UpgradeRequest | None = None,
) -> WorkOrder:
    """On a locked work order: the new severity and category, the event, and the window."""
    transition(work_order, "reclassify")
    now = timezone.now()
    before = (work_order.severity, work_order.category)
    work_order.severity, work_order.category = severity, category
    work_order_save(work_order, "severity", "category")
    upgraded = before[0] != Severity.MAJOR and severity == Severity.MAJOR
    downgraded = before[0] == Severity.MAJOR and severity != Severity.MAJOR
    event_append(
        work_order,
        EventKind.RECLASSIFIED,
        actor,
        now,
        severity_before=before[0],
        severity_after=severity,
        category_before=before[1],
        category_after=category,
        reason=reason,
        **({"request": request.pk} if request is not None else {}),
        **({"major": True} if upgraded else {}),
    )
    if downgraded:
        clocks_stop(work_order, [ClockKind.SENIOR_ANSWER], at=now, actor=actor, reason="downgraded")
    if (
        upgraded
        and work_order.state in ANSWER_OWED
        and clock_open(work_order, ClockKind.SENIOR_ANSWER) is None
    ):
        clocks_start(work_order, [ClockKind.SENIOR_ANSWER], at=now, actor=actor)
        clocks_follow_state(work_order, at=now, actor=actor)
    return work_order


def work_order_reclassify(
    *, work_order_id: int, actor: Actor, severity: str, category: str, reason: str
) -> WorkOrder:
    """A hotline supervisor changes the severity and/or the category, with the reason.

    Appends ``work_order.reclassified``. Made major while the dealer still owes an answer, the
    senior-answer window starts now; no longer major, it stops (kept on record). Refused when
    nothing changes, or for a work order already closed or cancelled.
    """
    require(actor, "work_order.reclassify")
    errors: dict[str, list[str]] = {}
    if severity not in Severity.values:
        errors["severity"] = [_("Choose the severity: normal or major complaint.")]
    if category not in Category.values:
        errors["category"] = [_("Choose a category from the list.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the work order is reclassified.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        work_order = work_order_lock(work_order_id)
        if (work_order.severity, work_order.category) == (severity, category):
            raise ValidationError({"severity": [_("Change the severity or the category, or leave it.")]})
        return _reclassify(
            work_order, actor=actor, severity=severity, category=category, reason=reason.strip()
        )


def upgrade_request(
    *, work_order_id: int, actor: Actor, dealer_id: int | None = None, reason: str
) -> UpgradeRequest:
    """The dealer asks that the work order be a major complaint; a hotline supervisor decides.

    Appends ``upgrade.requested`` (the supervisors are told). One pending request at a time;
    refused for a work order that is major already.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why this is a major complaint.")]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        transition(work_order, "request_upgrade")
        if work_order.severity == Severity.MAJOR:
            raise ValidationError({"reason": [_("This work order is a major complaint already.")]})
        if work_order.upgrade_requests.filter(state=DecisionState.PENDING).exists():
            raise ValidationError(
                {"reason": [_("A request to make it a major complaint awaits a decision.")]}
            )
        now = timezone.now()
        request = UpgradeRequest.objects.create(
            work_order=work_order,
            dealer_id=work_order.dealer_id,
            reason=reason.strip(),
            requested_by_id=actor.user_id or 0,
            requested_at=now,
        )
        event_append(
            work_order, EventKind.UPGRADE_REQUESTED, actor, now, request=request.pk, reason=request.reason
        )
    return request


def upgrade_decide(*, request_id: int, actor: Actor, grant: bool, reason: str) -> UpgradeRequest:
    """A hotline supervisor grants (the work order becomes major: ``work_order.reclassified``,
    the senior-answer window starts) or refuses (``upgrade.refused``, the dealer is told) a
    dealer's request, with the reason."""
    require(actor, "upgrade.decide")
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Record the reason for the decision.")]})
    with transaction.atomic():
        request, work_order, now = request_decision(UpgradeRequest, request_id, actor, reason)
        if grant:
            request.state = DecisionState.APPROVED
            request.save()
            _reclassify(
                work_order,
                actor=actor,
                severity=Severity.MAJOR,
                category=work_order.category,
                reason=request.decision_reason,
                request=request,
            )
        else:
            request.state = DecisionState.REFUSED
            request.save()
            event_append(
                work_order,
                EventKind.UPGRADE_REFUSED,
                actor,
                now,
                request=request.pk,
                reason=request.decision_reason,
            )
    return request


def senior_of(dealer_id: int, user_id: int) -> Membership | None:
    """An active member of the dealer who holds a senior-management role, or None."""
    return (
        Membership.objects.filter(
            tenant_id=dealer_id,
            user_id=user_id,
            is_active=True,
            role__in=list(roles_allowed("dealer.senior_confirm")),
        )
        .select_related("user")
        .first()
    )


def senior_answers_awaiting(work_order: WorkOrder) -> list[WorkOrderEvent]:
    """Contacts that offered a solution on a senior manager's behalf since the work order last
    reached its dealer, not yet confirmed by that manager (oldest first)."""
    confirmed = [
        e["contact_event"]
        for e in work_order.events.filter(kind=EventKind.SENIOR_ANSWER_CONFIRMED).values_list(
            "data", flat=True
        )
        if isinstance(e, dict) and e.get("contact_event")
    ]
    return list(
        work_order.events.filter(
            kind__in=CONTACT_KINDS,
            at__gte=work_order.dispatched_at,
            data__reached=True,
            data__solution_offered=True,
        )
        .exclude(Q(data__on_behalf_of=None) | Q(pk__in=confirmed))
        .filter(data__has_key="on_behalf_of")
        .order_by("id")
    )


def senior_answer_confirm(*, work_order_id: int, actor: Actor, dealer_id: int | None = None) -> WorkOrder:
    """The senior manager confirms the answer recorded on their behalf: the senior-answer window
    stops now (``work_order.senior_answer_confirmed``, told to those a major complaint is told to).

    Refused unless the actor holds a senior-management role and a contact recorded on their behalf
    awaits their confirmation.
    """
    require(actor, "dealer.senior_confirm")
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        transition(work_order, "confirm_senior_answer")
        mine = [e for e in senior_answers_awaiting(work_order) if e.data.get("on_behalf_of") == actor.user_id]
        if not mine:
            raise ValidationError(
                {"confirm": [_("No answer recorded on your behalf awaits your confirmation.")]}
            )
        now = timezone.now()
        for contact in mine:
            event_append(
                work_order,
                EventKind.SENIOR_ANSWER_CONFIRMED,
                actor,
                now,
                contact_event=contact.pk,
                on_behalf_of=actor.user_id,
                on_behalf_of_name=contact.data.get("on_behalf_of_name", ""),
            )
        clocks_stop(work_order, [ClockKind.SENIOR_ANSWER], at=now, actor=actor, reason="senior_confirmed")
    return work_order
