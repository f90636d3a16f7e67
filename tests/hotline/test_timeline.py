"""A work order's timeline as people read it (hotline/timeline.py), on both portals."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from hotline.timeline import timeline_of
from tenants.models import Role

from ..conftest import client_for, person

pytestmark = pytest.mark.django_db


def test_windows_fold_into_one_line_each_newest_first_credited_to_the_system(parts_request, hotline):
    with tenant_context(hotline):
        work_order = parts_request.work_order
        events = list(work_order.events.order_by("id"))
        clock_events = [e for e in events if e.kind.startswith("clock.")]
        windows = {e.data.get("clock") for e in clock_events}
        entries = timeline_of(events)

    folded = [e for e in entries if e.kind == "window"]
    assert len(folded) == len(windows) < len(clock_events)
    assert all(str(e.actor) in ("System", "系统") for e in folded)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert len(entries) < len(events)
    # The dealer's contact is the dealer person's.
    assert any(e.kind == "work_order.first_contact" and e.actor == "黄丽" for e in entries)


def test_the_page_filters_the_timeline_and_shows_durations_not_minutes(parts_request, hotline, network):
    web = client_for(hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT))
    number = parts_request.work_order.number

    everything = web.get(f"/work-orders/{number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    clocks = web.get(f"/work-orders/{number}/?show=clocks", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    people = web.get(f"/work-orders/{number}/?show=people", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    timeline = everything.split('data-testid="timeline"', 1)[1]
    assert 'data-group="clocks"' in timeline
    assert 'data-group="people"' in timeline
    assert 'data-group="people"' not in clocks.split('data-testid="timeline"', 1)[1]
    assert 'data-group="clocks"' not in people.split('data-testid="timeline"', 1)[1]
    assert "Minutes</dt>" not in timeline
    assert "First contact: met after" in timeline
