"""Who receives an event live: the Channels groups of boards, inboxes, work-order pages, people.

Every event goes to its manufacturer's board and to the hotline's page of the
work order. A dealer receives it only if the work order was routed to it when
the event happened (``event.dealer_id``) and it is still an active member of
the network; the dealer a work order was transferred away from learns only that.
"""

from __future__ import annotations

import hashlib
from typing import Any

from hotline.events import EventKind
from hotline.models import WorkOrderEvent

from .messages import event_message


def board_group(hotline_id: int) -> str:
    return f"board.{hotline_id}"


def inbox_group(dealer_id: int) -> str:
    return f"inbox.{dealer_id}"


def work_order_group(hotline_id: int, work_order_id: int, audience: str | int) -> str:
    """One work order's page: ``hotline``, or the id of the dealer watching it."""
    return f"wo.{hotline_id}.{work_order_id}.{audience}"


def session_group(session_key: str) -> str:
    """Every socket opened with one session: signing out closes them all."""
    return f"session.{hashlib.sha256(session_key.encode()).hexdigest()[:32]}"


def user_group(tenant_id: int, user_id: int) -> str:
    """One person's sockets on one tenant's host (their unread count)."""
    return f"user.{tenant_id}.{user_id}"


def audiences_of(
    event: WorkOrderEvent,
    hotline_id: int,
    manufacturer_code: str,
    position: int,
    *,
    dealer_prev: int | None,
    left_active: bool,
) -> list[tuple[str, dict[str, Any]]]:
    """Each group that receives this event, with the message it receives.

    Board and inbox messages carry ``prev``, the position of the previous message
    of that feed, so a socket notices a missed one: ``dealer_prev`` is the dealer's
    (None: the dealer is not an active member of the network and hears nothing);
    ``left_active``: a transfer's former dealer is one, and learns that it went.
    """
    full = event_message(event, position, hotline_id, manufacturer_code, for_dealer=False)
    groups = [
        (board_group(hotline_id), {**full, "prev": position - 1}),
        (work_order_group(hotline_id, event.work_order_id, "hotline"), full),
    ]
    if dealer_prev is not None:
        dealer = event_message(event, position, hotline_id, manufacturer_code, for_dealer=True)
        groups += [
            (inbox_group(event.dealer_id), {**dealer, "prev": dealer_prev}),
            (work_order_group(hotline_id, event.work_order_id, event.dealer_id), dealer),
        ]
    if event.kind == EventKind.TRANSFERRED and left_active:
        previous = int(event.data["from_dealer_id"])
        gone = {**full, "kind": EventKind.TRANSFERRED_AWAY.value, "data": {}, "dealer_id": None}
        groups += [
            (inbox_group(previous), gone),
            (work_order_group(hotline_id, event.work_order_id, previous), gone),
        ]
    return groups
