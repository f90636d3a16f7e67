"""Writes to the dealer's own schema: assignment, internal notes, contact attempts, the person at fault.

Called by ``dealers.gateway.DealerGateway.act`` with the dealer's schema active,
after the gateway found the work order routed here, in the same transaction as
any change of the master record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from notifications.sentences import ASSIGNED
from notifications.services import notification_tell_here
from tenants.models import Manufacturer, Membership, User

from .models import Assignment, ContactAttempt, DepartmentHandoff, InternalNote, PersonAtFault


class WorkOrderRef(NamedTuple):
    """A manufacturer's work order as the dealer's rows refer to it."""

    dealer_id: int
    manufacturer_id: int
    work_order_id: int
    number: str

    def columns(self) -> dict[str, Any]:
        return {
            "manufacturer_id": self.manufacturer_id,
            "work_order_id": self.work_order_id,
            "work_order_number": self.number,
        }


def assignment_set(*, ref: WorkOrderRef, actor: Actor, assignee_id: int) -> Assignment:
    """The one person here who handles the work order (a member of this dealer's staff)."""
    if not Membership.objects.filter(tenant_id=ref.dealer_id, user_id=assignee_id, is_active=True).exists():
        raise ValidationError({"assignee_id": [_("Choose a member of this dealer.")]})
    assignment, _created = Assignment.objects.update_or_create(
        manufacturer_id=ref.manufacturer_id,
        work_order_id=ref.work_order_id,
        defaults={
            "work_order_number": ref.number,
            "assignee_id": assignee_id,
            "assigned_by_id": actor.user_id or 0,
            "assigned_at": timezone.now(),
        },
    )
    _tell_assignee(ref=ref, actor=actor, assignee_id=assignee_id)
    return assignment


def _tell_assignee(*, ref: WorkOrderRef, actor: Actor, assignee_id: int) -> None:
    """The person a work order is assigned to is told (unless they took it themselves), and the
    dealer's robots hear of it."""
    assignee = User.objects.filter(pk=assignee_id).first()
    code = Manufacturer.objects.filter(pk=ref.manufacturer_id).values_list("code", flat=True).first() or ""
    notification_tell_here(
        user_ids=set() if assignee_id == actor.user_id else {assignee_id},
        kind=ASSIGNED,
        manufacturer_code=code,
        work_order_number=ref.number,
        facts={
            "who": actor.name,
            "by": "person" if actor.user_id else "system",
            "data": {
                "assignee_id": assignee_id,
                "assignee_name": assignee.get_full_name() if assignee else "",
            },
        },
    )


def department_hand_off(
    *, ref: WorkOrderRef, actor: Actor, department: str, head_id: int
) -> DepartmentHandoff:
    """The department's head who takes the complaint (a member of this dealer's staff)."""
    if not Membership.objects.filter(tenant_id=ref.dealer_id, user_id=head_id, is_active=True).exists():
        raise ValidationError({"head_id": [_("Choose a member of this dealer.")]})
    return DepartmentHandoff.objects.create(
        **ref.columns(),
        department=department,
        head_id=head_id,
        handed_by_id=actor.user_id or 0,
        handed_at=timezone.now(),
    )


def department_answer(*, ref: WorkOrderRef, actor: Actor, result: str) -> DepartmentHandoff:
    """What the department found and did, on its latest hand-off (kept here only)."""
    handoff = (
        DepartmentHandoff.objects.filter(manufacturer_id=ref.manufacturer_id, work_order_id=ref.work_order_id)
        .order_by("-handed_at", "-id")
        .first()
    )
    if handoff is None:  # the service found a running window, so a hand-off was recorded
        raise ValidationError({"result": [_("No department has this work order yet: hand it to one first.")]})
    handoff.result = result.strip()
    handoff.result_by_id = actor.user_id or 0
    handoff.result_at = timezone.now()
    handoff.save(update_fields=["result", "result_by_id", "result_at"])
    return handoff


def note_add(*, ref: WorkOrderRef, actor: Actor, text: str) -> InternalNote:
    """A note only this dealer sees."""
    if not (text or "").strip():
        raise ValidationError({"text": [_("The note is empty.")]})
    return InternalNote.objects.create(
        **ref.columns(),
        author_id=actor.user_id or 0,
        author_name=actor.name[:150],
        text=text.strip(),
        at=timezone.now(),
    )


def contact_attempt_add(
    *,
    ref: WorkOrderRef,
    actor: Actor,
    at: dt.datetime | None,
    whom: str,
    method: str,
    reached: bool,
    agreed: str = "",
    solution_offered: bool = False,
    on_behalf_of_id: int | None = None,
) -> ContactAttempt:
    """The dealer's own log of a contact attempt (the hotline's service recorded it first)."""
    return ContactAttempt.objects.create(
        **ref.columns(),
        by_id=actor.user_id or 0,
        at=at or timezone.now(),
        whom=whom.strip(),
        method=method,
        reached=reached,
        note=agreed.strip(),
    )


def person_at_fault_set(
    *, ref: WorkOrderRef, actor: Actor, person_at_fault: str = ""
) -> PersonAtFault | None:
    """The conclusion's person at fault, kept here only; an empty name removes an earlier one."""
    name = (person_at_fault or "").strip()
    if len(name) > 120:
        raise ValidationError({"person_at_fault": [_("Write at most 120 characters.")]})
    key = {"manufacturer_id": ref.manufacturer_id, "work_order_id": ref.work_order_id}
    if not name:
        PersonAtFault.objects.filter(**key).delete()
        return None
    row, _created = PersonAtFault.objects.update_or_create(
        **key,
        defaults={
            "work_order_number": ref.number,
            "name": name,
            "recorded_by_id": actor.user_id or 0,
            "recorded_at": timezone.now(),
        },
    )
    return row
