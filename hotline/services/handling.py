"""The dealer's handling of a work order, as it changes the manufacturer's master record.

Dealers reach these only through ``dealers.gateway``, which has already checked
that the work order is routed to them; the dealer's own rows (contact attempts,
notes, assignment) are written there in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from tenants.permissions import may

from ..events import EventKind
from ..models import (
    DEALER_INTERNAL_KINDS,
    Acceptance,
    ClockKind,
    ContactMethod,
    DecisionState,
    Department,
    ExtensionRequest,
    StockCheck,
    TransferRequest,
    WorkOrder,
    WorkOrderType,
)
from ..state import transition
from .clocks import clock_open, clocks_start, clocks_stop, owner_update_restart
from .conclusions import CONCLUSION_FIELDS, conclusion_check, conclusion_data, conclusion_write
from .events import event_append
from .major import senior_of
from .work_orders import work_order_lock, work_order_save

# The windows a dealer may ask more time on: not the hotline's own (technical support), not the
# dealership's internal ones (its own to keep).
DEALER_EXTENDABLE = frozenset(ClockKind.values) - {ClockKind.TECH_SUPPORT} - DEALER_INTERNAL_KINDS


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
    on_behalf_of_id: int | None = None,
) -> WorkOrder:
    """A contact attempt with the owner. The first one that reaches them is the first contact.

    The first contact moves the work order to processing and stops the
    first-contact clock; an offered solution stops the answer clock, and one
    given by senior management (general manager, service director) also the
    major-complaint clock. Recorded by someone else on a senior manager's behalf
    (``on_behalf_of_id``), it stops that clock only when the senior manager
    confirms it (``major.senior_answer_confirm``); they are told at once. While parts
    are awaited, every contact that reaches the owner restarts the owner-update clock.
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
    if on_behalf_of_id == actor.user_id:
        on_behalf_of_id = None  # their own answer: it counts at once
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        senior = None
        if on_behalf_of_id is not None:
            senior = senior_of(work_order.dealer_id, on_behalf_of_id)
            if senior is None:
                raise ValidationError(
                    {"on_behalf_of_id": [_("Choose a general manager or service director of this dealer.")]}
                )
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
        if senior is not None:
            data["on_behalf_of"] = senior.user_id
            data["on_behalf_of_name"] = senior.user.get_full_name() or senior.user.username
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
        if reached:
            owner_update_restart(work_order, at=at, actor=actor)
        if reached and solution_offered:
            kinds = [ClockKind.ANSWER]
            if senior is None and may(actor.role, "dealer.senior_answer"):
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


def work_order_hand_off(
    *, work_order_id: int, actor: Actor, dealer_id: int | None = None, department: str, head_id: int
) -> WorkOrder:
    """The complaint handed to the responsible department's head: the hand-off window stops and
    the department's 48-hour window starts (the dealer's own rows say who the head is)."""
    if department not in Department.values:
        raise ValidationError({"department": [_("Choose the responsible department.")]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        transition(work_order, "hand_off")
        now = timezone.now()
        event_append(work_order, EventKind.HANDED_OFF, actor, now, department=department)
        clocks_stop(work_order, [ClockKind.INTERNAL_HANDOFF], at=now, actor=actor, reason="handed_off")
        if clock_open(work_order, ClockKind.DEPARTMENT_RESULT) is None:
            clocks_start(work_order, [ClockKind.DEPARTMENT_RESULT], at=now, actor=actor)
    return work_order


def work_order_department_answer(
    *, work_order_id: int, actor: Actor, dealer_id: int | None = None, result: str
) -> WorkOrder:
    """The department's head answers customer relations: the department's window stops. What
    the department found stays the dealer's (its own rows); the log says only that it answered."""
    if not (result or "").strip():
        raise ValidationError({"result": [_("Write what the department found and did.")]})
    if len(result) > 5000:
        raise ValidationError({"result": [_("At most %(n)s characters.") % {"n": 5000}]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        transition(work_order, "department_answer")
        if clock_open(work_order, ClockKind.DEPARTMENT_RESULT) is None:
            raise ValidationError(
                {"result": [_("No department has this work order yet: hand it to one first.")]}
            )
        now = timezone.now()
        last = work_order.events.filter(kind=EventKind.HANDED_OFF).order_by("-at", "-id").first()
        department = last.data.get("department", "") if last else ""
        event_append(work_order, EventKind.DEPARTMENT_ANSWERED, actor, now, department=department)
        clocks_stop(
            work_order, [ClockKind.DEPARTMENT_RESULT], at=now, actor=actor, reason="department_answered"
        )
    return work_order


def work_order_progress_report(
    *, work_order_id: int, actor: Actor, dealer_id: int | None = None, text: str
) -> WorkOrder:
    """A progress report to the customer-service centre: on the hotline's timeline, and the agent
    who recorded the complaint is told. (The dealer's notes stay internal.)"""
    if not (text or "").strip():
        raise ValidationError({"text": [_("Write what to report.")]})
    if len(text) > 2000:
        raise ValidationError({"text": [_("At most %(n)s characters.") % {"n": 2000}]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        transition(work_order, "report_progress")
        event_append(work_order, EventKind.PROGRESS_REPORTED, actor, timezone.now(), text=text.strip())
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
    conclusion_omitted: bool = False,
    **conclusion: Any,
) -> WorkOrder:
    """The dealer reports it resolved, with its conclusion; the callback windows start.

    The conclusion (``conclusions.conclusion_check``: validity, responsibility, root cause,
    remedy, corrective action) is required and replaces an earlier one; every missing or
    wrong field is named at once and nothing changes. The ``work_order.resolved`` event
    carries it. ``conclusion_omitted``: a version-1 API client sent no conclusion field at
    all; the work order resolves without one (an earlier one stays), counted apart by the KPIs.
    """
    errors: dict[str, list[str]] = {}
    if not (result_summary or "").strip():
        errors["result_summary"] = [_("Summarise how the problem was solved.")]
    if owner_acceptance not in Acceptance.values:
        errors["owner_acceptance"] = [_("Record whether the owner accepted the solution.")]
    unknown = set(conclusion) - set(CONCLUSION_FIELDS)
    if unknown:
        raise TypeError(f"work_order_resolve() got unexpected arguments: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    if not conclusion_omitted:
        try:
            values = conclusion_check(**conclusion)
        except ValidationError as error:
            errors.update(error.message_dict)
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
        data: dict[str, Any] = {}
        if values:
            conclusion_write(work_order, values, actor, now)
            data["conclusion"] = conclusion_data(values)
        event_append(
            work_order,
            EventKind.RESOLVED,
            actor,
            now,
            state_before=before,
            state_after=after,
            result_summary=work_order.result_summary,
            owner_acceptance=owner_acceptance,
            **data,
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
    elif clock_kind == ClockKind.TECH_SUPPORT:
        errors["clock_kind"] = [
            _("The hotline's window to answer technical support is not the dealer's to extend.")
        ]
    elif clock_kind in DEALER_INTERNAL_KINDS:
        errors["clock_kind"] = [
            _("The dealership's own windows are its own to keep; the hotline does not extend them.")
        ]
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
