"""Every transition of the table, and every refusal, with the message naming allowed states."""

from __future__ import annotations

import pytest
from django.utils import translation

from hotline.models import State
from hotline.state import TRANSITIONS, IllegalTransition, transition


class Draft:
    def __init__(self, state: str) -> None:
        self.state = state
        self.number = "HQ20261124-00001"


CASES = [(action, state) for action in TRANSITIONS for state in State.values]


@pytest.mark.parametrize(("action", "state"), CASES)
def test_each_action_is_allowed_exactly_in_its_states(action, state):
    allowed, target = TRANSITIONS[action]
    draft = Draft(state)

    if state in allowed:
        assert transition(draft, action) == (state, target or state)
        assert draft.state == (target or state)
    else:
        with translation.override("en"):
            with pytest.raises(IllegalTransition) as caught:
                transition(draft, action)
            message = caught.value.messages[0]
            labels = [str(State(name).label) for name in allowed]
        assert draft.state == state
        assert all(label in message for label in labels)


def test_closed_and_cancelled_are_final_except_reopening_a_closed_one():
    leaving = {action for action, (allowed, _t) in TRANSITIONS.items() if State.CANCELLED in allowed}
    assert leaving == set()
    in_closed = {action for action, (allowed, _t) in TRANSITIONS.items() if State.CLOSED in allowed}
    assert in_closed == {"reopen", "record_dealer_callback"}
    # The dealer's late callback is recorded on a closed work order without leaving it.
    assert TRANSITIONS["record_dealer_callback"][1] is None
