"""The dealer's handling of a work order, as it changes the manufacturer's master record.

Dealers reach these only through ``dealers.gateway``, which has already checked
that the work order is routed to them; the dealer's own rows (contact attempts,
notes, assignment) are written there in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from tenants.permissions import may

from ..events import EventKind
from ..models import (
    Acceptance,
    ClockKind,
    ContactMethod,
    DecisionState,
    ExtensionRequest,
    StockCheck,
    TransferRequest,
    WorkOrder,
    WorkOrderType,
)
from ..state import transition
from .clocks import clocks_start, clocks_stop
from .events import event_append
from .work_orders import work_order_lock, work_order_save


def _when(at: dt.datetime | None, errors: dict[str, list[str]], name: str = "at") -> dt.datetime:
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        errors.setdefault(name, []).append(_("This time is in the future."))
    return at


def work_order_record_contact(
    *,
    work_order_id: int,
    actor: Actor,
    dealer_id: int | None = None,
    at: dt.datetime | None,
    whom: str,
    method: str,
    reached: bool,
    agreed: str = "",
    solution_offered: bool = False,
) -> WorkOrder:
    """A contact attempt with the owner. The first one that reaches them is the first contact.

    The first contact moves the work order to processing and stops the
    first-contact clock; an offered solution stops the answer clock, and one
    given by the general manager also the major-complaint clock.
    """
    errors: dict[str, list[str]] = {}
    at = _when(at, errors)
    if not (whom or "").strip():
        errors.setdefault("whom", []).append(_("Say whom you spoke to or tried to reach."))
    if method not in ContactMethod.values:
        errors.setdefault("method", []).append(_("Choose how the owner was contacted."))
    if reached and not (agreed or "").strip():
        errors.setdefault("agreed", []).append(_("Record what was said or agreed."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        if at < work_order.dispatched_at - dt.timedelta(minutes=1):
            raise ValidationError(
                {"at": [_("The contact cannot be before the work order reached the dealer.")]}
            )
        first = reached and work_order.first_contact_at is None
        action = "record_first_contact" if first else "record_contact_attempt"
        before, after = transition(work_order, action)
        data = {
            "whom": whom.strip(),
            "method": method,
            "reached": reached,
            "agreed": agreed.strip(),
            "solution_offered": solution_offered,
        }
        if first:
            work_order.first_contact_at = at
            work_order_save(work_order, "first_contact_at")
            event_append(
                work_order,
                EventKind.FIRST_CONTACT,
                actor,
                at,
                state_before=before,
                state_after=after,
                **data,
            )
            clocks_stop(work_order, [ClockKind.FIRST_CONTACT], at=at, actor=actor, reason="first_contact")
        else:
            event_append(work_order, EventKind.CONTACT_ATTEMPT, actor, at, **data)
        if reached and solution_offered:
            kinds = [ClockKind.ANSWER]
            if may(actor.role, "dealer.senior_answer"):
                kinds.append(ClockKind.SENIOR_ANSWER)
            clocks_stop(work_order, kinds, at=at, actor=actor, reason="answered")
    return work_order


def work_order_record_stock_check(
    *, work_order_id: int, actor: Actor, dealer_id: int | None = None, result: str, note: str = ""
) -> WorkOrder:
    """Parts work orders: own stock, a sibling dealer's, or the parts centre is needed."""
    if result not in StockCheck.values:
        raise ValidationError({"result": [_("Choose where the parts come from.")]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        if work_order.type != WorkOrderType.PARTS_SHORTAGE:
            raise ValidationError({"result": [_("Only parts-shortage work orders have a stock check.")]})
        transition(work_order, "record_stock_check")
        now = timezone.now()
        work_order.stock_check = result
        work_order.needs_parts_centre = result == StockCheck.PARTS_CENTRE
        work_order_save(work_order, "stock_check", "needs_parts_centre")
        event_append(
            work_order,
            EventKind.STOCK_CHECKED,
            actor,
            now,
            result=result,
            needs_parts_centre=work_order.needs_parts_centre,
            note=note.strip(),
        )
    return work_order


REPAIR_LIMITS = {
    "repair_order_number": 40,
    "service_advisor": 60,
    "repair_team": 60,
    "labour_description": 2000,
}


def work_order_record_repair(
    *,
    work_order_id: int,
    actor: Actor,
    dealer_id: int | None = None,
    repair_order_number: str = "",
    service_advisor: str = "",
    repair_team: str = "",
    labour_description: str = "",
) -> WorkOrder:
    """The dealer's repair record (维修工单): the repair order's number, the service advisor, the
    repair team and the labour done. Each save replaces the record; the hotline sees it."""
    values = {
        "repair_order_number": (repair_order_number or "").strip(),
        "service_advisor": (service_advisor or "").strip(),
        "repair_team": (repair_team or "").strip(),
        "labour_description": (labour_description or "").strip(),
    }
    errors: dict[str, list[str]] = {}
    for name, limit in REPAIR_LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = [_("At most %(n)s characters.") % {"n": limit}]
    if not values["repair_order_number"]:
        errors.setdefault("repair_order_number", []).append(_("Give the repair order's number."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        transition(work_order, "record_repair")
        for name, value in values.items():
            setattr(work_order, name, value)
        work_order_save(work_order, *values)
        event_append(work_order, EventKind.REPAIR_RECORDED, actor, timezone.now(), **values)
    return work_order


# A promise further ahead than this is no rescue: the owner is waiting at the roadside.
ARRIVAL_HORIZON = dt.timedelta(hours=24)


def work_order_record_arrival_promised(
    *,
    work_order_id: int,
    actor: Actor,
    dealer_id: int | None = None,
    arrival_promised_at: dt.datetime | None,
    note: str = "",
) -> WorkOrder:
    """Roadside rescue: the rescuing dealer records when it promised the owner to be at the car.

    Stops the "arrival time promised" window (met or breached, kept on record); a later promise
    replaces the time and is logged again. Only rescue work orders, while open before resolution;
    the time lies between now (5 minutes' grace) and 24 hours ahead.
    """
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    note = (note or "").strip()
    if arrival_promised_at is None:
        errors["arrival_promised_at"] = [_("Give the time promised to the owner.")]
    elif arrival_promised_at < now - dt.timedelta(minutes=5):
        errors["arrival_promised_at"] = [_("The promised arrival cannot be in the past.")]
    elif arrival_promised_at > now + ARRIVAL_HORIZON:
        errors["arrival_promised_at"] = [_("A rescue arrives within 24 hours.")]
    if len(note) > 500:
        errors["note"] = [_("At most %(n)s characters.") % {"n": 500}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        if work_order.type != WorkOrderType.RESCUE:
            raise ValidationError(
                {"arrival_promised_at": [_("Only a roadside-rescue work order has an arrival time.")]}
            )
        transition(work_order, "promise_arrival")
        work_order.arrival_promised_at = arrival_promised_at
        work_order_save(work_order, "arrival_promised_at")
        event_append(
            work_order,
            EventKind.ARRIVAL_PROMISED,
            actor,
            now,
            arrival_promised_at=arrival_promised_at,
            note=note,
        )
        clocks_stop(work_order, [ClockKind.ARRIVAL_PROMISED], at=now, actor=actor, reason="arrival_promised")
    return work_order


def work_order_resolve(
    *,
    work_order_id: int,
    actor: Actor,
    dealer_id: int | None = None,
    result_summary: str,
    owner_acceptance: str,
) -> WorkOrder:
    """The dealer reports it resolved; the hotline's and the dealer's callback windows start."""
    errors: dict[str, list[str]] = {}
    if not (result_summary or "").strip():
        errors["result_summary"] = [_("Summarise how the problem was solved.")]
    if owner_acceptance not in Acceptance.values:
        errors["owner_acceptance"] = [_("Record whether the owner accepted the solution.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        before, after = transition(work_order, "resolve")
        now = timezone.now()
        work_order.resolved_at = now
        work_order.result_summary = result_summary.strip()
        work_order.owner_acceptance = owner_acceptance
        work_order_save(work_order, "resolved_at", "result_summary", "owner_acceptance")
        event_append(
            work_order,
            EventKind.RESOLVED,
            actor,
            now,
            state_before=before,
            state_after=after,
            result_summary=work_order.result_summary,
            owner_acceptance=owner_acceptance,
        )
        clocks_stop(work_order, None, at=now, actor=actor, reason="resolved")
        clocks_start(work_order, [ClockKind.CALLBACK, ClockKind.DEALER_CALLBACK], at=now, actor=actor)
    return work_order


def extension_request(
    *,
    work_order_id: int,
    actor: Actor,
    dealer_id: int | None = None,
    clock_kind: str,
    minutes: int,
    reason: str,
) -> ExtensionRequest:
    """The dealer asks for more time on one running window."""
    errors: dict[str, list[str]] = {}
    if clock_kind not in ClockKind.values:
        errors["clock_kind"] = [_("Choose the window to extend.")]
    if not isinstance(minutes, int) or minutes < 1 or minutes > 60 * 24 * 30:
        errors["minutes"] = [_("Ask for between 1 minute and 30 days.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why more time is needed.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        transition(work_order, "request_extension")
        clock = work_order.clocks.filter(kind=clock_kind, stopped_at__isnull=True).first()
        if clock is None:
            raise ValidationError({"clock_kind": [_("That window is not running.")]})
        if clock.breached_at is not None:
            raise ValidationError(
                {"clock_kind": [_("That window was already missed; a missed window stays on record.")]}
            )
        now = timezone.now()
        request = ExtensionRequest.objects.create(
            work_order=work_order,
            clock=clock,
            clock_kind=clock_kind,
            minutes=minutes,
            reason=reason.strip(),
            requested_by_id=actor.user_id or 0,
            requested_at=now,
        )
        event_append(
            work_order,
            EventKind.EXTENSION_REQUESTED,
            actor,
            now,
            request=request.pk,
            clock_kind=clock_kind,
            minutes=minutes,
            reason=request.reason,
        )
    return request


def transfer_request(
    *,
    work_order_id: int,
    actor: Actor,
    dealer_id: int | None = None,
    reason: str,
    suggested_dealer_id: int | None = None,
) -> TransferRequest:
    """The dealer says the work order is not theirs to handle; a supervisor decides."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why this work order should go elsewhere.")]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        transition(work_order, "request_transfer")
        if work_order.transfer_requests.filter(state=DecisionState.PENDING).exists():
            raise ValidationError({"reason": [_("A transfer request is already awaiting a decision.")]})
        now = timezone.now()
        request = TransferRequest.objects.create(
            work_order=work_order,
            from_dealer_id=work_order.dealer_id,
            requested_by_id=actor.user_id or 0,
            requested_at=now,
            reason=reason.strip(),
            suggested_dealer_id=suggested_dealer_id,
        )
        event_append(
            work_order,
            EventKind.TRANSFER_REQUESTED,
            actor,
            now,
            request=request.pk,
            reason=request.reason,
            suggested_dealer_id=suggested_dealer_id,
        )
    return request
