"""A year without a published schedule: provisional on the calendar screen, administrators warned
from October, replaced by the schedule they enter; running clocks move only when recalculated."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import tenant_context

from hotline.models import CalendarOverride, CalendarYear, Clock, WorkOrderEvent
from hotline.services.clocks import clocks_recalculate
from hotline.services.policy import calendar_override_set, calendar_year_enter
from hotline.services.work_orders import work_order_create
from tenants.models import Role, User

from ..conftest import client_for, parts_intake, person

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def beijing(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


def admin_signed_in(hotline):
    admin = User.objects.filter(username="hq.admin").first() or person(
        "hq.admin", hotline, Role.HOTLINE_ADMIN
    )
    return client_for(hotline, admin)


def test_from_1_october_in_beijing_administrators_are_warned_that_next_year_is_provisional(hotline):
    # 30 Sep 23:50 in Beijing is still September: no warning yet.
    with time_machine.travel(beijing(2027, 9, 30, 23, 50), tick=False):
        page = admin_signed_in(hotline).get("/administration/", **EN).content.decode()
    assert 'data-testid="calendar-provisional-warning"' not in page

    # 1 Oct 00:10 in Beijing is still 30 Sep in UTC: the tenant's zone decides.
    with time_machine.travel(beijing(2027, 10, 1, 0, 10), tick=False):
        client = admin_signed_in(hotline)
        policy_page = client.get("/administration/", **EN).content.decode()
        calendar_page = client.get("/administration/calendar/", **EN).content.decode()

    assert 'data-testid="calendar-provisional-warning"' in policy_page
    assert "2028's official holiday schedule is not entered yet" in policy_page
    assert 'data-testid="calendar-provisional-warning"' in calendar_page
    row = calendar_page.split('data-year="2028"')[1].split("</tr>")[0]
    assert "provisional" in row
    assert "2028-01-26" in row
    assert "春节" in row
    assert "2028-05-01" in row


def test_entering_the_published_schedule_replaces_the_provisional_one(hotline, hotline_agent):
    with time_machine.travel(beijing(2027, 10, 8, 9, 0), tick=False):
        client = admin_signed_in(hotline)
        too_early = client.post("/administration/calendar/", {"action": "enter_year", "year": "2028"}, **EN)
        assert too_early.status_code == 400
        assert "Enter 2028&#x27;s holidays and make-up working days above first" in too_early.content.decode()

        for day in ("2028-01-26", "2028-01-27", "2028-01-28"):
            assert (
                client.post(
                    "/administration/calendar/", {"day": day, "is_working_day": "no", "name": "春节"}
                ).status_code
                == 302
            )
        refused = client_for(hotline, hotline_agent).post(
            "/administration/calendar/", {"action": "enter_year", "year": "2028"}, **EN
        )
        assert refused.status_code == 403
        with tenant_context(hotline):
            assert not CalendarYear.objects.exists()

        entered = client.post("/administration/calendar/", {"action": "enter_year", "year": "2028"}, **EN)
        assert entered.status_code == 302
        page = client.get("/administration/calendar/", **EN).content.decode()

    row = page.split('data-year="2028"')[1].split("</tr>")[0]
    assert "entered by" in row
    assert "provisional" not in row
    assert 'data-testid="calendar-provisional-warning"' not in page
    with tenant_context(hotline):
        assert CalendarYear.objects.get().year == 2028


def test_an_entered_schedule_moves_running_clocks_only_when_recalculated(
    manufacturer, network, agent, admin, in_hotline
):
    # Thursday 20 Jan 2028 10:00: the parts work order's 5 working days skip the provisional
    # Spring Festival week (25 Jan – 1 Feb) and end on Friday 4 Feb 10:00.
    with time_machine.travel(beijing(2028, 1, 20, 10, 0), tick=False):
        work_order = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    completion = Clock.objects.get(work_order=work_order, kind="completion")
    assert completion.due_at == beijing(2028, 2, 4, 10, 0)

    # The published schedule (as entered here) has only 26–28 Jan off.
    for day in (26, 27, 28):
        calendar_override_set(actor=admin, day=dt.date(2028, 1, day), is_working_day=False, name="春节")
    calendar_year_enter(actor=admin, year=2028)
    completion.refresh_from_db()
    assert completion.due_at == beijing(2028, 2, 4, 10, 0)  # entering alone moves nothing

    with time_machine.travel(beijing(2028, 1, 21, 9, 0), tick=False):
        moved = clocks_recalculate(actor=admin)

    completion.refresh_from_db()
    assert moved == 1
    assert completion.due_at == beijing(2028, 2, 1, 10, 0)  # 21, 24, 25, 31 Jan and 1 Feb count
    event = WorkOrderEvent.objects.get(work_order=work_order, kind="clock.recalculated")
    assert dt.datetime.fromisoformat(event.data["due_before"]) == beijing(2028, 2, 4, 10, 0)
    assert dt.datetime.fromisoformat(event.data["due_after"]) == beijing(2028, 2, 1, 10, 0)


def test_only_a_provisional_year_with_entered_holidays_can_be_marked_entered(admin, supervisor, in_hotline):
    with pytest.raises(ValidationError) as published:
        calendar_year_enter(actor=admin, year=2026)
    assert "not provisional" in str(published.value.message_dict["year"])

    with pytest.raises(ValidationError) as far:
        calendar_year_enter(actor=admin, year=0)
    assert "year" in far.value.message_dict

    calendar_override_set(actor=admin, day=dt.date(2028, 1, 26), is_working_day=False, name="春节")
    with pytest.raises(PermissionDenied):
        calendar_year_enter(actor=supervisor, year=2028)
    assert not CalendarYear.objects.exists()
    assert CalendarOverride.objects.count() == 1
