"""Parts-support requests: raised by the dealer, worked line by line by the parts centre.

A request goes to the parts centre serving the dealer's region. Every step is
appended to the work order's event log in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from hotline.events import EventKind
from hotline.models import WorkOrder, WorkOrderEvent, WorkOrderType
from hotline.services.events import event_append
from hotline.services.owner_sms import back_order_is_news
from hotline.services.work_orders import (
    check_part_lines,
    work_order_lock,
    work_order_save,
    work_order_state_changed,
)
from hotline.state import transition
from tenants.models import Region

from .models import LineState, PartsRequest, PartsRequestLine, RequestState

FINAL_LINE_STATES = {LineState.SHIPPED, LineState.REJECTED, LineState.RECEIVED}


def parts_request_raise(
    *,
    work_order_id: int,
    actor: Actor,
    dealer_id: int | None = None,
    lines: list[dict] | None = None,
    note: str = "",
) -> PartsRequest:
    """Ask the region's parts centre for the missing parts (by default the work order's lines).

    The work order waits for parts (its completion clock pauses if the policy says so).
    """
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        if work_order.type != WorkOrderType.PARTS_SHORTAGE:
            raise ValidationError({"lines": [_("Only parts-shortage work orders raise parts requests.")]})
        if lines is None:
            lines = list(work_order.part_lines.values("part_code", "part_name", "quantity"))
        errors, clean = check_part_lines(lines, required=True)
        if errors:
            raise ValidationError({k.replace("part_lines", "lines"): v for k, v in errors.items()})
        region = Region.objects.select_related("parts_centre").get(pk=work_order.region_id)
        if region.parts_centre_id is None:
            raise ValidationError(
                {
                    "lines": [
                        _("No parts centre serves the region %(region)s; ask the manufacturer to assign one.")
                        % {"region": region.name}
                    ]
                }
            )
        before, after = transition(work_order, "raise_parts_request")
        now = timezone.now()
        work_order.needs_parts_centre = True
        work_order_save(work_order, "needs_parts_centre")
        serial = work_order.parts_requests.count() + 1
        request = PartsRequest.objects.create(
            work_order=work_order,
            number=f"{work_order.number}-P{serial}",
            parts_centre_id=region.parts_centre_id,
            region_id=region.pk,
            dealer_id=work_order.dealer_id,
            raised_by_id=actor.user_id or 0,
            raised_at=now,
            note=note.strip(),
        )
        PartsRequestLine.objects.bulk_create(PartsRequestLine(request=request, **line) for line in clean)
        event_append(
            work_order,
            EventKind.PARTS_REQUESTED,
            actor,
            now,
            request=request.number,
            parts_centre_id=region.parts_centre_id,
            lines=clean,
            state_before=before,
            state_after=after,
        )
        work_order_state_changed(work_order, at=now, actor=actor)
    return request


def _request_for_centre(request_id: int, parts_centre_id: int) -> PartsRequest:
    request = (
        PartsRequest.objects.select_for_update()
        .filter(pk=request_id, parts_centre_id=parts_centre_id)
        .first()
    )
    if request is None:
        raise PartsRequest.DoesNotExist  # a foreign centre learns nothing
    return request


def _line(request: PartsRequest, line_no: int) -> PartsRequestLine:
    line = request.lines.select_for_update().filter(line_no=line_no).first()
    if line is None:
        raise ValidationError(
            {
                "line": [
                    _("Request %(number)s has no line %(line)s.")
                    % {"number": request.number, "line": line_no}
                ]
            }
        )
    if line.state in FINAL_LINE_STATES:
        raise ValidationError(
            {
                "line": [
                    _("Line %(line)s is already %(state)s.")
                    % {"line": line_no, "state": line.get_state_display()}
                ]
            }
        )
    return line


def _after_line_change(
    request: PartsRequest, actor: Actor, now: dt.datetime, kind: str, **data: object
) -> None:
    states = set(request.lines.values_list("state", flat=True))
    if states <= {LineState.REJECTED}:
        request.state = RequestState.REJECTED
        _all_rejected(request, actor, now)
    elif states <= {LineState.SHIPPED, LineState.REJECTED}:
        request.state, request.shipped_at = RequestState.SHIPPED, now
    elif request.state in (RequestState.SUBMITTED, RequestState.ACKNOWLEDGED):
        request.state = RequestState.IN_PROGRESS
    request.acknowledged_at = request.acknowledged_at or now
    request.version += 1
    request.save()
    event_append(
        request.work_order, kind, actor, now, request=request.number, request_state=request.state, **data
    )


def _all_rejected(request: PartsRequest, actor: Actor, now: dt.datetime) -> None:
    """No line can be supplied: the dealer must find another way, and its clock runs again."""
    work_order = work_order_lock(request.work_order_id)
    if work_order.state != "awaiting_parts" or parts_awaited(work_order):
        return
    before, after = transition(work_order, "parts_rejected")
    work_order_save(work_order)
    event_append(
        work_order,
        EventKind.PARTS_UNAVAILABLE,
        actor,
        now,
        request=request.number,
        state_before=before,
        state_after=after,
    )
    work_order_state_changed(work_order, at=now, actor=actor)


def parts_request_acknowledge(*, request_id: int, parts_centre_id: int, actor: Actor) -> PartsRequest:
    with transaction.atomic():
        request = _request_for_centre(request_id, parts_centre_id)
        if request.state != RequestState.SUBMITTED:
            raise ValidationError({"request": [_("This request was already acknowledged.")]})
        now = timezone.now()
        request.state, request.acknowledged_at = RequestState.ACKNOWLEDGED, now
        request.version += 1
        request.save()
        event_append(request.work_order, EventKind.PARTS_ACKNOWLEDGED, actor, now, request=request.number)
    return request


def parts_line_allocate(
    *, request_id: int, parts_centre_id: int, line_no: int, actor: Actor
) -> PartsRequestLine:
    with transaction.atomic():
        request = _request_for_centre(request_id, parts_centre_id)
        line = _line(request, line_no)
        line.state = LineState.ALLOCATED
        line.save()
        _after_line_change(
            request,
            actor,
            timezone.now(),
            EventKind.PARTS_LINE_ALLOCATED,
            line=line_no,
            part_code=line.part_code,
        )
    return line


def parts_line_back_order(
    *, request_id: int, parts_centre_id: int, line_no: int, expected_date: dt.date, actor: Actor
) -> PartsRequestLine:
    """The line waits for stock until ``expected_date`` (again with a new date: the date moved).

    The event says whether the owner is texted the date (``owner_texted``): only when
    it differs from the last date they were told and their number is not to be verified.
    """
    if not isinstance(expected_date, dt.date) or expected_date < timezone.localdate():
        raise ValidationError({"expected_date": [_("Give the expected date, today or later.")]})
    with transaction.atomic():
        request = _request_for_centre(request_id, parts_centre_id)
        line = _line(request, line_no)
        line.state, line.expected_date = LineState.BACK_ORDERED, expected_date
        line.save()
        _after_line_change(
            request,
            actor,
            timezone.now(),
            EventKind.PARTS_LINE_BACK_ORDERED,
            line=line_no,
            part_code=line.part_code,
            expected_date=expected_date,
            # The owner is texted the date (after commit, by the relay) when it is news to them.
            owner_texted=back_order_is_news(request.work_order, expected_date),
        )
    return line


def parts_line_ship(
    *,
    request_id: int,
    parts_centre_id: int,
    line_no: int,
    carrier: str,
    tracking_number: str,
    actor: Actor,
    quantity: int | None = None,
) -> PartsRequestLine:
    """Ship a line (the full quantity unless a smaller one is given: partial shipments add up)."""
    errors: dict[str, list[str]] = {}
    if not (carrier or "").strip():
        errors["carrier"] = [_("Name the carrier.")]
    if not (tracking_number or "").strip():
        errors["tracking_number"] = [_("Give the tracking number.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = _request_for_centre(request_id, parts_centre_id)
        line = _line(request, line_no)
        left = line.quantity - line.shipped_quantity
        quantity = left if quantity is None else quantity
        if not isinstance(quantity, int) or not 1 <= quantity <= left:
            raise ValidationError({"quantity": [_("Ship between 1 and %(left)s.") % {"left": left}]})
        now = timezone.now()
        line.shipped_quantity += quantity
        line.carrier, line.tracking_number = carrier.strip(), tracking_number.strip()
        line.shipped_at = now
        if line.shipped_quantity == line.quantity:
            line.state = LineState.SHIPPED
        line.save()
        _after_line_change(
            request,
            actor,
            now,
            EventKind.PARTS_LINE_SHIPPED,
            line=line_no,
            part_code=line.part_code,
            quantity=quantity,
            carrier=line.carrier,
            tracking_number=line.tracking_number,
        )
    return line


def parts_line_reject(
    *, request_id: int, parts_centre_id: int, line_no: int, reason: str, actor: Actor
) -> PartsRequestLine:
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the line cannot be supplied.")]})
    with transaction.atomic():
        request = _request_for_centre(request_id, parts_centre_id)
        line = _line(request, line_no)
        line.state, line.reject_reason = LineState.REJECTED, reason.strip()
        line.save()
        _after_line_change(
            request,
            actor,
            timezone.now(),
            EventKind.PARTS_LINE_REJECTED,
            line=line_no,
            part_code=line.part_code,
            reason=line.reject_reason,
        )
    return line


def parts_awaited(work_order: WorkOrder) -> list[str]:
    """Part codes of open requests not (fully) shipped yet; rejected lines wait for nothing."""
    return list(
        PartsRequestLine.objects.filter(
            request__work_order=work_order,
            state__in=[LineState.PENDING, LineState.ALLOCATED, LineState.BACK_ORDERED],
        )
        .exclude(request__state__in=[RequestState.RECEIVED, RequestState.REJECTED])
        .values_list("part_code", flat=True)
    )


def parts_requests_mark_received(work_order: WorkOrder, *, actor: Actor, at: dt.datetime) -> None:
    """The dealer confirmed receipt: shipped lines and their requests are received."""
    for request in work_order.parts_requests.select_for_update().exclude(
        state__in=[RequestState.RECEIVED, RequestState.REJECTED]
    ):
        request.lines.filter(state=LineState.SHIPPED).update(state=LineState.RECEIVED)
        request.state, request.received_at = RequestState.RECEIVED, at
        request.version += 1
        request.save()


def parts_shipment_send(
    *,
    request_id: int,
    parts_centre_id: int,
    carrier: str,
    tracking_number: str,
    lines: list[dict],
    actor: Actor,
) -> PartsRequest:
    """One parcel with some lines (each with a quantity, the rest of the line by default).

    All lines ship or none: an error on any line leaves the request as it was,
    named by the line's position, counting from 1 (``lines[2].quantity``).
    """
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Name the lines in this shipment.")]
    seen: set[int] = set()
    for index, line in enumerate(lines or [], start=1):
        if line.get("line_no") in seen:
            errors[f"lines[{index}].line_no"] = [_("This line is named twice.")]
        seen.add(line.get("line_no"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = _request_for_centre(request_id, parts_centre_id)
        for index, line in enumerate(lines, start=1):
            try:
                with transaction.atomic():
                    parts_line_ship(
                        request_id=request.pk,
                        parts_centre_id=parts_centre_id,
                        line_no=line["line_no"],
                        quantity=line.get("quantity"),
                        carrier=carrier,
                        tracking_number=tracking_number,
                        actor=actor,
                    )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    name = f"lines[{index}].{'line_no' if field == 'line' else field}"
                    if field in ("carrier", "tracking_number"):
                        name = field
                    errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)
        request.refresh_from_db()
    return request


def parts_request_mark_delivered(
    *, request_id: int, parts_centre_id: int, actor: Actor, at: dt.datetime | None = None
) -> PartsRequest:
    """The carrier handed the shipped parts to the dealer; the dealer still confirms receipt.

    Recorded as a ``parts.delivered`` event on the work order (the dealer sees it).
    """
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"delivered_at": [_("This time is in the future.")]})
    with transaction.atomic():
        request = _request_for_centre(request_id, parts_centre_id)
        if request.state in (RequestState.RECEIVED, RequestState.REJECTED):
            raise ValidationError(
                {
                    "request": [
                        _("This request is already %(state)s.") % {"state": request.get_state_display()}
                    ]
                }
            )
        if not request.lines.filter(shipped_quantity__gt=0).exists():
            raise ValidationError({"request": [_("Nothing of this request has shipped yet.")]})
        if request.shipped_at and at < request.shipped_at - dt.timedelta(minutes=1):
            raise ValidationError({"delivered_at": [_("The delivery cannot be before the shipment.")]})
        request.version += 1
        request.save(update_fields=["version"])
        event_append(request.work_order, EventKind.PARTS_DELIVERED, actor, at, request=request.number)
    return request


def parts_request_delivered_at(request: PartsRequest) -> dt.datetime | None:
    """When the parts centre last reported the request delivered, if it did."""

    event = (
        WorkOrderEvent.objects.filter(
            work_order_id=request.work_order_id, kind=EventKind.PARTS_DELIVERED, data__request=request.number
        )
        .order_by("-id")
        .only("at")
        .first()
    )
    return event.at if event else None


def parts_received_confirm(
    *, work_order_id: int, actor: Actor, dealer_id: int | None = None, note: str = ""
) -> WorkOrder:
    """The parts arrived at the dealer: back to processing (the completion clock resumes)."""
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        before, after = transition(work_order, "confirm_parts_received")
        waiting = parts_awaited(work_order)
        if waiting:
            raise ValidationError(
                {
                    "parts": [
                        _("These parts have not been shipped yet: %(parts)s.") % {"parts": "、".join(waiting)}
                    ]
                }
            )
        now = timezone.now()
        work_order_save(work_order)
        event_append(
            work_order,
            EventKind.PARTS_RECEIVED,
            actor,
            now,
            state_before=before,
            state_after=after,
            note=note.strip(),
        )
        work_order_state_changed(work_order, at=now, actor=actor)
        parts_requests_mark_received(work_order, actor=actor, at=now)
    return work_order
