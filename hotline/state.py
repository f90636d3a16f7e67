"""The work order's lifecycle as one explicit table: action → (states it is allowed in, new state).

Every service that changes a work order's state goes through ``transition``; an
action in a state that does not allow it is refused with the states that do.
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.errors import DomainError

from .models.choices import State

S = State
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    # action: (allowed in, goes to; None = stays where it is)
    "record_first_contact": (frozenset({S.DISPATCHED, S.REOPENED}), S.PROCESSING),
    "record_contact_attempt": (frozenset({S.DISPATCHED, S.REOPENED, S.PROCESSING, S.AWAITING_PARTS}), None),
    "record_stock_check": (frozenset({S.PROCESSING}), None),
    # Inside the dealership: the responsible department takes it, and answers customer relations.
    "hand_off": (frozenset({S.DISPATCHED, S.PROCESSING, S.AWAITING_PARTS, S.REOPENED}), None),
    "department_answer": (frozenset({S.DISPATCHED, S.PROCESSING, S.AWAITING_PARTS, S.REOPENED}), None),
    # The dealer tells the customer-service centre how it is going.
    "report_progress": (
        frozenset({S.DISPATCHED, S.PROCESSING, S.AWAITING_PARTS, S.REOPENED, S.RESOLVED}),
        None,
    ),
    # The dealer's repair record: from the first contact until the work order is closed.
    "record_repair": (frozenset({S.PROCESSING, S.AWAITING_PARTS, S.RESOLVED, S.REOPENED}), None),
    # Roadside rescue: the rescuing dealer promises when it will be at the car.
    "promise_arrival": (frozenset({S.DISPATCHED, S.PROCESSING, S.REOPENED}), None),
    "raise_parts_request": (frozenset({S.PROCESSING}), S.AWAITING_PARTS),
    "confirm_parts_received": (frozenset({S.AWAITING_PARTS}), S.PROCESSING),
    "parts_rejected": (frozenset({S.AWAITING_PARTS}), S.PROCESSING),
    "resolve": (frozenset({S.PROCESSING}), S.RESOLVED),
    "record_callback": (frozenset({S.RESOLVED}), None),
    # The dealer's own callback: while resolved, and (the service checks how long) after closure.
    "record_dealer_callback": (frozenset({S.RESOLVED, S.CLOSED}), None),
    # The dealer's callback found the fault not fixed: the dealer takes its resolution back.
    "withdraw_resolution": (frozenset({S.RESOLVED}), S.PROCESSING),
    "close": (frozenset({S.RESOLVED}), S.CLOSED),
    "close_without_callback": (frozenset({S.RESOLVED}), S.CLOSED),
    "reopen": (frozenset({S.RESOLVED, S.CLOSED}), S.REOPENED),
    "cancel": (frozenset({S.DISPATCHED, S.PROCESSING, S.AWAITING_PARTS, S.REOPENED}), S.CANCELLED),
    "request_transfer": (frozenset({S.DISPATCHED, S.PROCESSING, S.REOPENED}), None),
    "transfer": (frozenset({S.DISPATCHED, S.PROCESSING, S.REOPENED}), S.DISPATCHED),
    # Severity and category may change while the work order is still the dealer's to handle.
    "reclassify": (frozenset({S.DISPATCHED, S.PROCESSING, S.AWAITING_PARTS, S.REOPENED, S.RESOLVED}), None),
    "request_upgrade": (frozenset({S.DISPATCHED, S.PROCESSING, S.AWAITING_PARTS, S.REOPENED}), None),
    "confirm_senior_answer": (frozenset({S.DISPATCHED, S.PROCESSING, S.AWAITING_PARTS, S.REOPENED}), None),
    # The dealer asks the manufacturer's technical support while it works on the repair.
    "request_tech_support": (frozenset({S.PROCESSING, S.AWAITING_PARTS}), None),
    "request_extension": (
        frozenset({S.DISPATCHED, S.PROCESSING, S.AWAITING_PARTS, S.REOPENED, S.RESOLVED}),
        None,
    ),
}


class IllegalTransition(DomainError):
    """The action is not allowed in the work order's current state (the API answers 409)."""

    status = 409
    code = "illegal-transition"


def transition(work_order, action: str) -> tuple[str, str]:
    """Check ``action`` against the current state; return (before, after) and set the new state."""
    allowed, target = TRANSITIONS[action]
    before = work_order.state
    if before not in allowed:
        separator = "、" if (get_language() or "").startswith("zh") else ", "
        names = separator.join(str(State(s).label) for s in sorted(allowed))
        raise IllegalTransition(
            _("Work order %(number)s is “%(state)s”; this is possible only when it is: %(allowed)s.")
            % {"number": work_order.number, "state": State(before).label, "allowed": names}
        )
    after = target or before
    work_order.state = after
    return before, after
