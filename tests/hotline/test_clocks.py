"""Clocks fire warnings, breaches and escalations once each, also with two schedulers racing."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, connection
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.models import Clock, WorkOrder, WorkOrderEvent
from hotline.services.clocks import clocks_fire_due, clocks_recalculate
from hotline.services.policy import DEFAULT_WINDOWS, WindowSpec, policy_publish
from hotline.services.work_orders import work_order_create

from ..conftest import parts_intake

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


def first_contact(work_order: WorkOrder) -> Clock:
    return Clock.objects.get(work_order=work_order, kind="first_contact")


def fired(work_order: WorkOrder) -> list[tuple[str, object]]:
    return [
        (e.kind, e.data.get("minutes_before") or e.data.get("level"))
        for e in WorkOrderEvent.objects.filter(
            work_order=work_order,
            data__clock_kind="first_contact",
            kind__in=["clock.warning", "clock.breached", "clock.escalated"],
        )
    ]


def test_warnings_breach_and_escalation_fire_in_order_and_once(parts_work_order):
    due = first_contact(parts_work_order).due_at

    clocks_fire_due(due - 31 * MIN)
    assert fired(parts_work_order) == []
    clocks_fire_due(due - 30 * MIN)
    clocks_fire_due(due - 29 * MIN)
    assert fired(parts_work_order) == [("clock.warning", 30)]
    clocks_fire_due(due - 10 * MIN)
    clocks_fire_due(due)
    clocks_fire_due(due)
    assert fired(parts_work_order) == [("clock.warning", 30), ("clock.warning", 10), ("clock.breached", 1)]
    clocks_fire_due(due + 60 * MIN)  # the first-contact window escalates again after an hour
    clocks_fire_due(due + 600 * MIN)
    assert fired(parts_work_order)[-1] == ("clock.escalated", 2)
    assert len(fired(parts_work_order)) == 4
    clock = first_contact(parts_work_order)
    assert (clock.breached_at, clock.escalation_level, clock.next_fire_at) == (due, 2, None)


def test_fired_events_carry_the_due_time_and_notify_time_as_written_in_json(parts_work_order):
    """The times the scheduler reads back from PostgreSQL land in the event as the same
    instants: UTC, to the millisecond when there are fractions, written Z."""
    clock = first_contact(parts_work_order)
    due = clock.due_at
    now = (due + dt.timedelta(minutes=1)).replace(microsecond=345678)

    clocks_fire_due(now)

    event = WorkOrderEvent.objects.get(
        work_order=parts_work_order, kind="clock.breached", data__clock=clock.pk
    )
    written = DjangoJSONEncoder().default
    assert event.data["due_at"] == written(due.astimezone(dt.UTC))
    assert event.data["due_at"].endswith("Z")
    assert event.data["notify_at"] == written(now.astimezone(dt.UTC))
    assert event.data["notify_at"].endswith(f"{now.second:02}.345Z")
    assert dt.datetime.fromisoformat(event.data["due_at"]) == due.replace(
        microsecond=due.microsecond // 1000 * 1000
    )
    assert event.at == now


def test_a_scheduler_that_was_down_fires_the_breach_without_stale_warnings(parts_work_order):
    due = first_contact(parts_work_order).due_at

    clocks_fire_due(due + 5 * MIN)

    assert fired(parts_work_order) == [("clock.breached", 1)]


def test_breach_stays_on_record_when_the_contact_comes_late(
    parts_work_order, junda_gateway, dealer_actor, hotline
):
    with tenant_context(hotline):
        due = first_contact(parts_work_order).due_at
        clocks_fire_due(due + MIN)
    junda_gateway.act(
        "contact",
        "HQ",
        parts_work_order.number,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="道歉并约定时间",
    )
    with tenant_context(hotline):
        clock = first_contact(parts_work_order)
    assert (clock.state, clock.met) == ("stopped", False)
    assert clock.breached_at == due


def test_independent_clocks(parts_work_order):
    answer = Clock.objects.get(work_order=parts_work_order, kind="answer")
    before = answer.due_at

    clocks_fire_due(first_contact(parts_work_order).due_at + MIN)

    answer.refresh_from_db()
    assert answer.due_at == before
    assert answer.breached_at is None


def test_a_policy_change_applies_to_clocks_started_after_it(
    parts_work_order, manufacturer, agent, supervisor, admin
):
    windows = [
        w
        if w.kind != "first_contact" or w.work_order_type
        else WindowSpec("first_contact", 60, warn_before=(10,))
        for w in DEFAULT_WINDOWS
    ]
    with pytest.raises(PermissionDenied):
        policy_publish(actor=supervisor, windows=windows, note="首次联系 1 小时")
    policy_publish(actor=admin, windows=windows, note="首次联系 1 小时")
    old = first_contact(parts_work_order)

    new_order = work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake())
    new = first_contact(new_order)

    assert (old.policy_version, old.budget_minutes) == (1, 120)
    assert (new.policy_version, new.budget_minutes) == (2, 60)
    assert new.due_at - new.started_at == dt.timedelta(hours=1)

    moved = clocks_recalculate(actor=admin)

    old.refresh_from_db()
    assert moved >= 1
    assert (old.policy_version, old.due_at - old.started_at) == (2, dt.timedelta(hours=1))
    assert WorkOrderEvent.objects.filter(work_order=parts_work_order, kind="clock.recalculated").exists()


def test_a_bad_policy_is_refused_naming_the_window(admin, in_hotline):
    from django.core.exceptions import ValidationError

    windows = [WindowSpec("first_contact", 30, warn_before=(45,)), *DEFAULT_WINDOWS[1:]]
    with pytest.raises(ValidationError) as caught:
        policy_publish(actor=admin, windows=windows)

    assert "windows[0].warn_before" in caught.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_fire_each_breach_exactly_once(
    committed_tenants, manufacturer, network, hotline, caplog
):
    agent = Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent")
    with tenant_context(hotline):
        orders = [
            work_order_create(
                manufacturer=manufacturer,
                actor=agent,
                intake=parts_intake(
                    owner={"name": "车主", "mobile": f"139{i:08d}", "city": "广州"},
                    vehicle=None,
                    type="complaint",
                    category="service_attitude",
                    part_lines=[],
                ),
            )
            for i in range(40)
        ]
        latest_due = max(Clock.objects.values_list("due_at", flat=True))
    moment = latest_due + dt.timedelta(days=30)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            with tenant_context(hotline):
                barrier.wait()
                clocks_fire_due(moment, limit=7)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # each scheduler's batches were full, so each had a second connection firing alongside
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    with tenant_context(hotline):
        breaches = list(
            WorkOrderEvent.objects.filter(kind="clock.breached").values_list("data__clock", flat=True)
        )
        clocks = Clock.objects.filter(work_order__in=orders).count()
    assert len(breaches) == clocks
    assert len(set(breaches)) == clocks


def test_the_scheduler_process_fires_due_clocks_in_every_hotline(parts_work_order, hotline):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    past = timezone.now() - dt.timedelta(seconds=5)
    Clock.objects.filter(work_order=parts_work_order, kind="first_contact").update(
        due_at=past, next_fire_at=past, warn_before=[]
    )
    connection.set_schema_to_public()

    call_command("run_scheduler", "--once", stdout=StringIO())

    with tenant_context(hotline):
        assert fired(parts_work_order) == [("clock.breached", 1)]


BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_warnings_wait_for_business_hours_but_breaches_do_not(manufacturer, network, agent, in_hotline):
    # Saturday 28 Nov 2026, 21:30 in Beijing: the first-contact window (2 h) ends at 23:30;
    # its warning is told on Monday at opening time, its breach at once.
    with time_machine.travel(dt.datetime(2026, 11, 28, 21, 30, tzinfo=BEIJING), tick=False):
        work_order = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    due = first_contact(work_order).due_at
    assert due == dt.datetime(2026, 11, 28, 23, 30, tzinfo=BEIJING)

    clocks_fire_due(due - 30 * MIN)
    clocks_fire_due(due)

    events = {
        e.kind: e.data["notify_at"]
        for e in WorkOrderEvent.objects.filter(
            work_order=work_order, kind__in=["clock.warning", "clock.breached"]
        )
    }
    assert dt.datetime.fromisoformat(events["clock.warning"]) == dt.datetime(
        2026, 11, 30, 8, 30, tzinfo=BEIJING
    )
    assert dt.datetime.fromisoformat(events["clock.breached"]) == due


def test_a_clock_due_to_fire_before_any_warning_time_waits_for_it(parts_work_order):
    """After the due time moved (an extension, a recalculation), ``next_fire_at`` can come
    while no warning time has: nothing fires, and the clock waits for its first warning."""
    clock = first_contact(parts_work_order)
    first_warning = min(dt.datetime.fromisoformat(t) for t in clock.warn_times)
    early = first_warning - 20 * MIN
    # Only this clock is due so early (the dealer's 30-minute hand-off is not this test's).
    Clock.objects.filter(work_order=parts_work_order, kind="internal_handoff").update(next_fire_at=None)
    Clock.objects.filter(pk=clock.pk).update(next_fire_at=early)

    assert clocks_fire_due(early) == (0, first_warning)

    clock.refresh_from_db()
    assert (clock.next_fire_at, clock.warnings_fired) == (first_warning, 0)
    assert fired(parts_work_order) == []
    clocks_fire_due(first_warning)
    assert fired(parts_work_order) == [("clock.warning", 30)]
