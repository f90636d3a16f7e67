"""Writes to the dealer's own schema: assignment, internal notes, contact attempts.

Called by ``dealers.gateway`` with the dealer's schema active.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tenants.models import Membership

from .models import Assignment, ContactAttempt, InternalNote


def _ref(manufacturer_id: int, work_order_id: int, number: str) -> dict:
    return {"manufacturer_id": manufacturer_id, "work_order_id": work_order_id, "work_order_number": number}


def assignment_set(
    *,
    dealer_id: int,
    manufacturer_id: int,
    work_order_id: int,
    number: str,
    assignee_id: int,
    by_id: int,
    at: dt.datetime,
) -> Assignment:
    if not Membership.objects.filter(tenant_id=dealer_id, user_id=assignee_id, is_active=True).exists():
        raise ValidationError({"assignee": [_("Choose a member of this dealership's staff.")]})
    assignment, _created = Assignment.objects.update_or_create(
        manufacturer_id=manufacturer_id,
        work_order_id=work_order_id,
        defaults={
            "work_order_number": number,
            "assignee_id": assignee_id,
            "assigned_by_id": by_id,
            "assigned_at": at,
        },
    )
    return assignment


def note_add(
    *, manufacturer_id: int, work_order_id: int, number: str, author_id: int, text: str, at: dt.datetime
) -> InternalNote:
    if not (text or "").strip():
        raise ValidationError({"text": [_("The note is empty.")]})
    return InternalNote.objects.create(
        **_ref(manufacturer_id, work_order_id, number), author_id=author_id, text=text.strip(), at=at
    )


def contact_attempt_add(
    *,
    manufacturer_id: int,
    work_order_id: int,
    number: str,
    by_id: int,
    at: dt.datetime,
    whom: str,
    method: str,
    reached: bool,
    note: str,
) -> ContactAttempt:
    return ContactAttempt.objects.create(
        **_ref(manufacturer_id, work_order_id, number),
        by_id=by_id,
        at=at,
        whom=whom.strip(),
        method=method,
        reached=reached,
        note=note.strip(),
    )
