"""The hotline's decisions: callbacks and closure, transfers, extensions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from config.actor import Actor
from tenants.models import Manufacturer
from tenants.permissions import require

from ..events import EventKind
from ..models import (
    DecisionState,
    ExtensionRequest,
    TechSupportState,
    TransferRequest,
    WorkOrder,
)
from ..state import transition

# The hotline's callback lives with the dealer's in ``callbacks``; callers find it here too.
from .callbacks import FAILED_ATTEMPTS_BEFORE_SMS, callback_record  # noqa: F401
from .clocks import DISPATCH_KINDS, clock_extend, clocks_start, clocks_stop
from .events import event_append, major_flag
from .handling import transfer_request
from .routing import network_place
from .work_orders import request_decision, requests_withdraw, work_order_end, work_order_save


def work_order_close_without_callback(*, work_order_id: int, actor: Actor, reason: str) -> WorkOrder:
    """A supervisor closes a resolved work order without reaching the owner, with a reason."""
    require(actor, "work_order.close")
    return work_order_end(
        work_order_id=work_order_id,
        actor=actor,
        action="close_without_callback",
        event_kind=EventKind.CLOSED,
        reason=reason,
        verified_by="supervisor",
        missing_reason=_("Closing without a callback needs a reason."),
    )


def transfer_decide(
    *,
    manufacturer: Manufacturer,
    request_id: int,
    actor: Actor,
    approve: bool,
    reason: str,
    to_dealer_id: int | None = None,
) -> TransferRequest:
    """Approve (new dealer, new clocks) or refuse a transfer request, with the reason."""
    require(actor, "transfer.decide")
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Record the reason for the decision.")]
    if approve and to_dealer_id is None:
        errors["to_dealer"] = [_("Choose the dealer that takes the work order over.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request, work_order, now = request_decision(TransferRequest, request_id, actor, reason)
        if approve:
            if to_dealer_id == work_order.dealer_id:
                raise ValidationError({"to_dealer": [_("Choose a different dealer.")]})
            place = network_place(manufacturer, to_dealer_id)
            # The old dealer's clocks end while the work order is still theirs: their events
            # stay theirs, and the new dealer's timeline starts clean.
            clocks_stop(work_order, None, at=now, actor=actor, reason="transferred")
            before, after = transition(work_order, "transfer")
            request.state, request.to_dealer_id = DecisionState.APPROVED, to_dealer_id
            old = (work_order.dealer_id, work_order.dealer_code)
            work_order.dealer_id, work_order.network_membership_id = place.dealer_id, place.pk
            work_order.dealer_code, work_order.dealer_name = place.dealer_code, place.dealer.name
            work_order.region_id, work_order.dispatched_at = place.region_id, now
            work_order.first_contact_at = None
            # What the old dealer recorded of its own handling is not the new dealer's: its repair
            # record and rescue promise go (the log keeps them), its open questions are closed.
            work_order.repair_order_number = work_order.service_advisor = ""
            work_order.repair_team = work_order.labour_description = ""
            work_order.arrival_promised_at = None
            requests_withdraw(
                work_order,
                now,
                _("The work order went to another dealer before a decision."),
                transfers=False,
            )
            work_order.tech_support_requests.filter(state=TechSupportState.OPEN).update(
                state=TechSupportState.CLOSED,
                close_reason=_("The work order was transferred to another dealer."),
                closed_by_name=actor.name,
                closed_at=now,
            )
            work_order_save(
                work_order,
                "dealer_id",
                "network_membership_id",
                "dealer_code",
                "dealer_name",
                "region_id",
                "dispatched_at",
                "first_contact_at",
                "repair_order_number",
                "service_advisor",
                "repair_team",
                "labour_description",
                "arrival_promised_at",
            )
            event_append(
                work_order,
                EventKind.TRANSFERRED,
                actor,
                now,
                request=request.pk,
                state_before=before,
                state_after=after,
                from_dealer_id=old[0],
                from_dealer_code=old[1],
                dealer_id=place.dealer_id,
                dealer_code=place.dealer_code,
                dealer_name=place.dealer.name,
                reason=request.decision_reason,
                **major_flag(work_order),
            )
            clocks_start(work_order, DISPATCH_KINDS, at=now, actor=actor)
        else:
            request.state = DecisionState.REFUSED
            event_append(
                work_order,
                EventKind.TRANSFER_REFUSED,
                actor,
                now,
                request=request.pk,
                reason=request.decision_reason,
            )
        request.save()
    return request


def extension_decide(*, request_id: int, actor: Actor, grant: bool, reason: str = "") -> ExtensionRequest:
    """Grant (the clock's due time moves, logged) or refuse an extension request."""
    require(actor, "extension.decide")
    with transaction.atomic():
        request, work_order, now = request_decision(ExtensionRequest, request_id, actor, reason)
        if grant:
            clock = (
                work_order.clocks.select_for_update()
                .filter(pk=request.clock_id, stopped_at__isnull=True)
                .first()
            )
            if clock is None or clock.breached_at is not None:
                raise ValidationError(
                    {"request": [_("The window is no longer running or was already missed; refuse instead.")]}
                )
            clock.work_order = work_order
            request.state = DecisionState.APPROVED
            clock_extend(
                clock,
                minutes=request.minutes,
                at=now,
                actor=actor,
                reason=request.decision_reason or request.reason,
            )
        else:
            request.state = DecisionState.REFUSED
        request.save()
        event_append(
            work_order,
            EventKind.EXTENSION_DECIDED,
            actor,
            now,
            request=request.pk,
            granted=grant,
            reason=request.decision_reason,
        )
    return request


def work_order_reassign(
    *, manufacturer: Manufacturer, work_order_id: int, actor: Actor, to_dealer_id: int | None, reason: str
) -> TransferRequest:
    """A supervisor moves a work order to another dealer without waiting for the dealer to ask.

    Recorded as a transfer request made and approved by the supervisor in one
    transaction, so the timeline, the old dealer's view and the new dealer's
    clocks are exactly those of an approved transfer.
    """

    require(actor, "work_order.reassign")
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Record the reason for the decision.")]
    if to_dealer_id is None:
        errors["to_dealer"] = [_("Choose the dealer that takes the work order over.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = transfer_request(
            work_order_id=work_order_id, actor=actor, reason=reason, suggested_dealer_id=to_dealer_id
        )
        return transfer_decide(
            manufacturer=manufacturer,
            request_id=request.pk,
            actor=actor,
            approve=True,
            reason=reason,
            to_dealer_id=to_dealer_id,
        )
