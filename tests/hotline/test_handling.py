"""Edge cases of isolation, clocks and parts that a busy day produces."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.http import Http404
from django_tenants.utils import tenant_context

from dealers.gateway import DealerGateway
from hotline.models import Clock, WorkOrder
from hotline.services import decisions, handling
from hotline.services.clocks import clocks_follow_state, clocks_recalculate
from hotline.services.policy import DEFAULT_WINDOWS, WindowSpec, policy_publish
from hotline.services.work_orders import work_order_cancel, work_order_create
from parts_tickets import services as parts
from tenants.models import NetworkMembership

from ..conftest import OTHER_VIN, conclusion, join, owner, parts_intake, vehicle

pytestmark = pytest.mark.django_db
BJ = zoneinfo.ZoneInfo("Asia/Shanghai")


def in_hotline(hotline, fn, *args, **kwargs):
    with tenant_context(hotline):
        return fn(*args, **kwargs)


def test_a_dealer_loses_the_race_with_a_transfer(parts_work_order, network, hotline, dealer_actor):
    """The gateway's check passed, then the work order went elsewhere: the lock sees it."""
    with tenant_context(hotline):
        WorkOrder.objects.filter(pk=parts_work_order.pk).update(dealer_id=network["pengcheng"].pk)
        with pytest.raises(Http404):
            handling.work_order_resolve(
                work_order_id=parts_work_order.pk,
                actor=dealer_actor,
                dealer_id=network["junda"].pk,
                result_summary="x",
                owner_acceptance="accepted",
                **conclusion(),
            )
        assert WorkOrder.objects.get(pk=parts_work_order.pk).state == "dispatched"


def test_back_to_the_first_dealer_shows_only_its_new_turn(
    parts_work_order, network, hotline, junda_gateway, dealer_actor, supervisor, manufacturer
):
    number = parts_work_order.number
    junda_gateway.act(
        "contact",
        "HQ",
        number,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="约周五进店",
    )
    first = junda_gateway.act("transfer", "HQ", number, actor=dealer_actor, reason="车在深圳")
    with tenant_context(hotline):
        decisions.transfer_decide(
            manufacturer=manufacturer,
            request_id=first.pk,
            actor=supervisor,
            approve=True,
            reason="同意",
            to_dealer_id=network["pengcheng"].pk,
        )
    pengcheng = DealerGateway(network["pengcheng"])
    with tenant_context(network["pengcheng"]):
        pengcheng.act(
            "contact",
            "HQ",
            number,
            actor=dealer_actor,
            at=None,
            whom="王建华",
            method="phone",
            reached=True,
            agreed="深圳店的承诺：免费检测",
        )
        back = pengcheng.act("transfer", "HQ", number, actor=dealer_actor, reason="车已回广州")
    with tenant_context(hotline):
        decisions.transfer_decide(
            manufacturer=manufacturer,
            request_id=back.pk,
            actor=supervisor,
            approve=True,
            reason="同意",
            to_dealer_id=network["junda"].pk,
        )
    with tenant_context(network["junda"]):
        view = junda_gateway.work_order("HQ", number)
    texts = str([e.data for e in view.events])
    assert "深圳店的承诺" not in texts
    assert "sz-pengcheng" not in texts
    assert "HQ-GD-002" not in texts
    assert not any(e.kind == "clock.stopped" and e.data.get("reason") == "transferred" for e in view.events)


def test_an_inactive_network_member_sees_nothing(parts_work_order, network, junda_gateway, dealer_actor):
    NetworkMembership.objects.filter(dealer=network["junda"]).update(is_active=False)
    gateway = DealerGateway(network["junda"])

    assert gateway.inbox() == []
    with pytest.raises(Http404):
        gateway.work_order("HQ", parts_work_order.number)


def test_a_merged_inbox_across_two_networks(manufacturer, other_manufacturer, network, agent, hotline):
    join(other_manufacturer, "gz-junda", "DY-GD-008")
    with tenant_context(hotline):
        mine = work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake())
    with tenant_context(other_manufacturer.hotline):
        theirs = work_order_create(
            manufacturer=other_manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    with tenant_context(network["junda"]):
        rows = DealerGateway(network["junda"]).inbox()

    assert {(r.manufacturer.code, r.work_order.number) for r in rows} == {
        ("HQ", mine.number),
        ("DY", theirs.number),
    }


def test_an_extension_asked_before_a_transfer_cannot_stretch_the_new_dealers_clock(
    parts_work_order, network, hotline, junda_gateway, dealer_actor, supervisor, manufacturer
):
    number = parts_work_order.number
    ask = junda_gateway.act(
        "extension", "HQ", number, actor=dealer_actor, clock_kind="answer", minutes=600, reason="等技术支持"
    )
    move = junda_gateway.act("transfer", "HQ", number, actor=dealer_actor, reason="不是本店")
    with tenant_context(hotline):
        decisions.transfer_decide(
            manufacturer=manufacturer,
            request_id=move.pk,
            actor=supervisor,
            approve=True,
            reason="同意",
            to_dealer_id=network["pengcheng"].pk,
        )
        fresh = Clock.objects.get(work_order_id=parts_work_order.pk, kind="answer", stopped_at__isnull=True)
        with pytest.raises(ValidationError):
            decisions.extension_decide(request_id=ask.pk, actor=supervisor, grant=True)
        assert Clock.objects.get(pk=fresh.pk).due_at == fresh.due_at


def test_warnings_of_a_working_day_window_count_back_in_working_time(parts_work_order, hotline):
    with tenant_context(hotline):
        completion = Clock.objects.get(work_order_id=parts_work_order.pk, kind="completion")
        # Due Monday 30 Nov 10:00: "1 day before" is Friday 27 Nov 10:00, not Sunday.
        due = dt.datetime(2026, 11, 30, 10, 0, tzinfo=BJ)
        from hotline.services.clocks import _set_due, clock_calendar

        _set_due(completion, due, clock_calendar(completion))
    assert [dt.datetime.fromisoformat(t) for t in completion.warn_times] == [
        dt.datetime(2026, 11, 27, 10, 0, tzinfo=BJ),
        dt.datetime(2026, 11, 30, 6, 0, tzinfo=BJ),
    ]


def test_a_pause_moves_the_due_time_by_the_counted_time_it_lasted(
    manufacturer, network, agent, hotline, dealer_actor
):
    with tenant_context(hotline):
        # A week with no holiday or make-up working day in the weeks after: around one, a
        # week's pause moves the due time by more than a week.
        with time_machine.travel(dt.datetime(2025, 11, 4, 10, 0, tzinfo=BJ), tick=False):
            wo = work_order_create(
                manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
            )
        clock = Clock.objects.get(work_order=wo, kind="completion")
        due = clock.due_at
        paused = wo.dispatched_at + dt.timedelta(minutes=1)
        wo.state = "awaiting_parts"
        clocks_follow_state(wo, at=paused, actor=dealer_actor)
        wo.state = "processing"
        resumed = paused + dt.timedelta(days=7)  # a whole week: five working days
        clocks_follow_state(wo, at=resumed, actor=dealer_actor)
        after = Clock.objects.get(pk=clock.pk)
    assert after.state == "running"
    assert after.due_at - due == dt.timedelta(days=7)


def test_recalculation_reaches_paused_clocks_too(parts_work_order, hotline, dealer_actor, admin):
    with tenant_context(hotline):
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
        wo.state = "awaiting_parts"
        clocks_follow_state(wo, at=wo.dispatched_at, actor=dealer_actor)
        left = Clock.objects.get(work_order=wo, kind="completion").remaining_seconds
        windows = [
            w
            if w.kind != "completion"
            else WindowSpec(
                "completion",
                w.minutes + 1440,
                calendar=w.calendar,
                warn_before=w.warn_before,
                paused_in=w.paused_in,
                work_order_type=w.work_order_type,
            )
            for w in DEFAULT_WINDOWS
        ]
        policy_publish(actor=admin, windows=windows)
        clocks_recalculate(actor=admin)
        clock = Clock.objects.get(work_order=wo, kind="completion")
    assert (clock.policy_version, clock.remaining_seconds) == (2, left + 86400)


def test_parts_cannot_be_received_before_they_are_shipped(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    n = parts_work_order.number
    junda_gateway.act(
        "contact",
        "HQ",
        n,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="调件",
    )
    request = junda_gateway.act("parts", "HQ", n, actor=dealer_actor)
    centre = request.parts_centre_id
    with tenant_context(hotline):
        parts.parts_line_ship(
            request_id=request.pk,
            parts_centre_id=centre,
            line_no=1,
            carrier="顺丰",
            tracking_number="SF1",
            actor=dealer_actor,
        )
    with pytest.raises(ValidationError) as caught:
        junda_gateway.act("received", "HQ", n, actor=dealer_actor)
    assert "HQ-80210-07" in str(caught.value)
    with tenant_context(hotline):
        assert WorkOrder.objects.get(pk=parts_work_order.pk).state == "awaiting_parts"


def test_when_no_part_can_be_supplied_the_dealer_is_back_on_the_clock(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    n = parts_work_order.number
    junda_gateway.act(
        "contact",
        "HQ",
        n,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="调件",
    )
    request = junda_gateway.act("parts", "HQ", n, actor=dealer_actor)
    with tenant_context(hotline):
        for line in (1, 2):
            parts.parts_line_reject(
                request_id=request.pk,
                parts_centre_id=request.parts_centre_id,
                line_no=line,
                reason="停产",
                actor=dealer_actor,
            )
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
        completion = Clock.objects.get(work_order=wo, kind="completion")
    assert (wo.state, completion.state) == ("processing", "running")


def test_a_policy_with_an_unknown_calendar_is_refused(admin, in_hotline):
    windows = [WindowSpec("first_contact", 120, calendar="hours"), *DEFAULT_WINDOWS[1:]]

    with pytest.raises(ValidationError) as caught:
        policy_publish(actor=admin, windows=windows, repeat_window_days=0)

    assert {"windows[0].calendar", "repeat_window_days"} <= set(caught.value.message_dict)


def test_repeats_by_vin_within_the_window_and_not_after_cancellation(
    manufacturer, network, agent, supervisor, hotline
):
    with tenant_context(hotline):
        first = work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake())
        work_order_cancel(work_order_id=first.pk, actor=supervisor, reason="重复录入")
        again = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(owner=owner(mobile="13922876543"))
        )
        other_car = work_order_create(
            manufacturer=manufacturer,
            actor=agent,
            intake=parts_intake(owner=owner(mobile="13500000001"), vehicle=vehicle(vin=OTHER_VIN, plate="")),
        )
        by_vin = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(owner=owner(mobile="13500000002"))
        )
    assert again.repeat_of is None  # the only earlier one was cancelled
    assert other_car.repeat_of is None
    assert by_vin.repeat_of == again


@pytest.mark.parametrize("published_days", [None, 7])
def test_the_repeat_window_counts_back_from_each_receipt_both_ends_included(
    published_days, manufacturer, network, agent, admin, hotline
):
    """The policy's window (the default's 30 days, or a published policy's 7): a complaint
    received that many days to the minute after the first is a repeat of it; one received a
    minute later is not, and counts as no one's later repeat."""
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    first_at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=shanghai)
    window = dt.timedelta(days=published_days or 30)

    def create(mobile: str, received_at: dt.datetime) -> WorkOrder:
        return work_order_create(
            manufacturer=manufacturer,
            actor=agent,
            intake=parts_intake(owner=owner(mobile=mobile), received_at=received_at),
        )

    with (
        time_machine.travel(dt.datetime(2026, 4, 10, 9, 0, tzinfo=shanghai), tick=False),
        tenant_context(hotline),
    ):
        if published_days:
            policy_publish(actor=admin, windows=list(DEFAULT_WINDOWS), repeat_window_days=published_days)
        first = create("13500000011", first_at)
        past_the_window = create("13500000012", first_at + window + dt.timedelta(minutes=1))
        at_the_edge = create("13500000013", first_at + window)

    assert past_the_window.repeat_of is None
    assert at_the_edge.repeat_of == first  # the later receipt is no earlier complaint of it


def test_an_unanswered_call_leaves_the_first_contact_clock_running(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    junda_gateway.act(
        "contact",
        "HQ",
        parts_work_order.number,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=False,
    )
    with tenant_context(hotline):
        clock = Clock.objects.get(work_order_id=parts_work_order.pk, kind="first_contact")
    assert clock.state == "running"


def test_overlong_part_codes_are_refused_naming_the_line(manufacturer, network, agent, in_hotline):
    lines = [{"part_code": "X" * 41, "part_name": "件", "quantity": True}]
    with pytest.raises(ValidationError) as caught:
        work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake(part_lines=lines))

    assert {"part_lines[1].part_code", "part_lines[1].quantity"} <= set(caught.value.message_dict)


def test_the_event_log_cannot_be_truncated(parts_work_order):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks in the way
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("TRUNCATE hotline_workorderevent CASCADE")
