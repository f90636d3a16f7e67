"""Owners kept informed while parts are awaited: the back-order text with the date, and the
dealer's owner-update clock that reminds the assignee to call."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.events import EventKind
from hotline.models import Clock, NumberCheck, OwnerSms, WorkOrder
from hotline.services import decisions
from hotline.services.callbacks import number_check_decide
from hotline.services.clocks import clocks_fire_due
from hotline.services.owner_sms import owner_sms_template_set
from hotline.services.policy import DEFAULT_WINDOWS, policy_publish
from hotline.services.work_orders import work_order_create, work_order_reopen
from live.relay import relay_everywhere
from notifications.models import Notification
from parts_tickets import services as parts
from tenants.models import Role

from ..conftest import conclusion, dispatch_relayed, parts_intake, person

pytestmark = pytest.mark.django_db

BJ = zoneinfo.ZoneInfo("Asia/Shanghai")
# Tuesday 4 November 2025, 10:00 in Beijing: an ordinary working week on the official calendar.
TUESDAY = dt.datetime(2025, 11, 4, 10, 0, tzinfo=BJ)
CENTRE = Actor(user_id=None, name="华南 WMS", tenant_id=None, role="parts_centre")


@pytest.fixture
def parts_work_order(manufacturer, network, agent, in_hotline):
    """A parts work order routed to 广州骏达 on Tuesday at 09:00 (the tests move on from there)."""
    with time_machine.travel(TUESDAY - dt.timedelta(hours=1), tick=False):
        return work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )


def contact(gateway, actor, number: str, *, reached: bool = True, at: dt.datetime | None = None) -> None:
    with tenant_context(gateway.dealer):
        _contact(gateway, actor, number, reached=reached, at=at)


def _contact(gateway, actor, number: str, *, reached: bool, at: dt.datetime | None) -> None:
    gateway.act(
        "contact",
        "HQ",
        number,
        actor=actor,
        at=at,
        whom="王建华",
        method="phone",
        reached=reached,
        agreed="配件到货后通知车主进店" if reached else "",
    )


def awaiting_parts(gateway, actor, number: str):
    """Contacted, then a parts request raised: the work order waits for parts."""
    contact(gateway, actor, number)
    with tenant_context(gateway.dealer):
        request = gateway.act("parts", "HQ", number, actor=actor)
    connection.set_schema_to_public()
    return request


def back_order(request, line: int, day: dt.date):
    return parts.parts_line_back_order(
        request_id=request.pk,
        parts_centre_id=request.parts_centre_id,
        line_no=line,
        expected_date=day,
        actor=CENTRE,
    )


def texts(hotline) -> list[OwnerSms]:
    """What the relay and its dispatch queued for owners (run twice: still once each)."""
    connection.set_schema_to_public()
    for _ in range(2):
        relay_everywhere()
        dispatch_relayed()
    with tenant_context(hotline):
        return list(OwnerSms.objects.order_by("id"))


# --- the back-order text -----------------------------------------------------------------------


def test_a_back_order_texts_the_owner_the_expected_date_once_and_again_when_it_moves(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    with time_machine.travel(TUESDAY, tick=False):
        request = awaiting_parts(junda_gateway, dealer_actor, parts_work_order.number)
        with tenant_context(hotline):
            back_order(request, 1, dt.date(2025, 12, 5))
            back_order(request, 2, dt.date(2025, 12, 5))  # the same date: not news
    sent = [s for s in texts(hotline) if s.kind == "parts_back_ordered"]
    assert len(sent) == 1
    assert "预计12月5日到达gz-junda 4S店" in sent[0].text
    assert parts_work_order.number in sent[0].text
    assert sent[0].mobile == "13802561234"

    with time_machine.travel(TUESDAY + dt.timedelta(days=1), tick=False), tenant_context(hotline):
        back_order(request, 1, dt.date(2025, 12, 12))  # the date moved: the owner is told again
        back_order(request, 1, dt.date(2025, 12, 12))  # said twice by the parts centre: once
    sent = [s for s in texts(hotline) if s.kind == "parts_back_ordered"]
    assert [("12月5日" in s.text, "12月12日" in s.text) for s in sent] == [(True, False), (False, True)]
    with tenant_context(hotline):
        told = [
            e.data["owner_texted"]
            for e in WorkOrder.objects.get(pk=parts_work_order.pk)
            .events.filter(kind=EventKind.PARTS_LINE_BACK_ORDERED)
            .order_by("id")
        ]
    assert told == [True, False, True, False]


def test_a_back_order_date_in_the_past_is_refused_and_texts_nobody(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    with time_machine.travel(TUESDAY, tick=False):
        request = awaiting_parts(junda_gateway, dealer_actor, parts_work_order.number)
        with tenant_context(hotline), pytest.raises(ValidationError) as caught:
            back_order(request, 1, dt.date(2025, 11, 3))
    assert "expected_date" in caught.value.message_dict
    assert [s.kind for s in texts(hotline)] == ["received"]
    with tenant_context(hotline):
        assert not WorkOrder.objects.get(pk=parts_work_order.pk).events.filter(
            kind=EventKind.PARTS_LINE_BACK_ORDERED
        )


def test_no_back_order_text_goes_to_a_number_to_verify_until_it_is_corrected(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent, supervisor
):
    n = parts_work_order.number
    with time_machine.travel(TUESDAY, tick=False):
        contact(junda_gateway, dealer_actor, n)
        junda_gateway.act(
            "resolve",
            "HQ",
            n,
            actor=dealer_actor,
            result_summary="已更换",
            owner_acceptance="accepted",
            **conclusion(),
        )
        connection.set_schema_to_public()
        with tenant_context(hotline):
            decisions.callback_record(work_order_id=parts_work_order.pk, actor=agent, outcome="empty_number")
            work_order_reopen(work_order_id=parts_work_order.pk, actor=supervisor, reason="车主再次来电")
        request = awaiting_parts(junda_gateway, dealer_actor, n)
        with tenant_context(hotline):
            back_order(request, 1, dt.date(2025, 12, 5))
    assert [s.kind for s in texts(hotline)] == ["received"]

    with time_machine.travel(TUESDAY + dt.timedelta(hours=2), tick=False), tenant_context(hotline):
        check = NumberCheck.objects.get(work_order=parts_work_order)
        number_check_decide(check_id=check.pk, actor=agent, mobile="13900001111")
        back_order(request, 1, dt.date(2025, 12, 5))  # never told: news to the corrected number
    [sms] = [s for s in texts(hotline) if s.kind == "parts_back_ordered"]
    assert (sms.mobile, "12月5日" in sms.text) == ("13900001111", True)


def test_the_back_order_wording_needs_the_date_and_only_it_knows_the_date(admin, in_hotline):
    with pytest.raises(ValidationError) as without:
        owner_sms_template_set(actor=admin, kind="parts_back_ordered", body="配件已订货，请耐心等待。")
    assert "{date}" in str(without.value.message_dict["body"])
    with pytest.raises(ValidationError) as elsewhere:
        owner_sms_template_set(actor=admin, kind="parts_arrived", body="配件{date}已到。")
    assert "body" in elsewhere.value.message_dict

    template = owner_sms_template_set(
        actor=admin, kind="parts_back_ordered", body="{owner}: parts for {number} expected {date}."
    )
    assert template.body.endswith("{date}.")


def test_an_english_back_order_text_says_the_date_in_english(
    parts_work_order, hotline, junda_gateway, dealer_actor, admin
):
    with tenant_context(hotline):
        owner_sms_template_set(
            actor=admin, kind="parts_back_ordered", body="Parts for {number} are expected on {date}."
        )
    with time_machine.travel(TUESDAY, tick=False):
        request = awaiting_parts(junda_gateway, dealer_actor, parts_work_order.number)
        with tenant_context(hotline):
            back_order(request, 1, dt.date(2026, 1, 9))
    [sms] = [s for s in texts(hotline) if s.kind == "parts_back_ordered"]
    assert sms.text == f"Parts for {parts_work_order.number} are expected on 9 January 2026."


def test_the_text_messages_page_offers_the_back_order_text(hotline):
    from ..conftest import client_for

    admin_user = person("hq.admin", hotline, Role.HOTLINE_ADMIN)
    page = client_for(hotline, admin_user).get("/administration/sms/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "预计{date}到达{dealer}" in body
    assert 'data-testid="date-placeholder"' in body


# --- the owner-update clock --------------------------------------------------------------------


def owner_clocks(hotline, work_order) -> list[Clock]:
    with tenant_context(hotline):
        return list(Clock.objects.filter(work_order=work_order, kind="owner_update").order_by("id"))


def test_the_owner_update_clock_runs_while_parts_are_awaited_and_restarts_on_each_reached_contact(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    n = parts_work_order.number
    with time_machine.travel(TUESDAY, tick=False):
        request = awaiting_parts(junda_gateway, dealer_actor, n)
    [clock] = owner_clocks(hotline, parts_work_order)
    # 3 working days from Tuesday 10:00: Friday 10:00.
    assert (clock.state, clock.due_at, clock.calendar) == (
        "running",
        dt.datetime(2025, 11, 7, 10, 0, tzinfo=BJ),
        "working_days",
    )

    with time_machine.travel(TUESDAY + dt.timedelta(days=1), tick=False):
        contact(junda_gateway, dealer_actor, n, reached=False)  # nobody answered: nothing restarts
    assert len(owner_clocks(hotline, parts_work_order)) == 1

    with time_machine.travel(TUESDAY + dt.timedelta(days=2), tick=False):
        contact(junda_gateway, dealer_actor, n)  # Thursday 10:00, reached
    first, second = owner_clocks(hotline, parts_work_order)
    assert (first.state, first.met) == ("stopped", True)
    # From Thursday 10:00, three working days skip the weekend: Tuesday 11 November 10:00.
    assert (second.state, second.due_at) == ("running", dt.datetime(2025, 11, 11, 10, 0, tzinfo=BJ))

    with time_machine.travel(TUESDAY + dt.timedelta(days=3), tick=False):
        with tenant_context(hotline):
            for line in (1, 2):
                parts.parts_line_ship(
                    request_id=request.pk,
                    parts_centre_id=request.parts_centre_id,
                    line_no=line,
                    carrier="顺丰",
                    tracking_number="SF1",
                    actor=CENTRE,
                )
        with tenant_context(junda_gateway.dealer):
            junda_gateway.act("received", "HQ", n, actor=dealer_actor)
        connection.set_schema_to_public()
    first, second = owner_clocks(hotline, parts_work_order)
    assert (second.state, second.met) == ("stopped", True)
    with tenant_context(hotline):
        stop = (
            WorkOrder.objects.get(pk=parts_work_order.pk)
            .events.filter(kind=EventKind.CLOCK_STOPPED, data__clock=second.pk)
            .get()
        )
    assert stop.data["reason"] == "parts_not_awaited"


def test_a_policy_published_before_the_owner_update_window_still_runs_it(
    parts_work_order, hotline, junda_gateway, dealer_actor, admin
):
    with tenant_context(hotline):
        policy_publish(actor=admin, windows=[w for w in DEFAULT_WINDOWS if w.kind != "owner_update"])
    with time_machine.travel(TUESDAY, tick=False):
        awaiting_parts(junda_gateway, dealer_actor, parts_work_order.number)
    [clock] = owner_clocks(hotline, parts_work_order)
    assert (clock.policy_version, clock.budget_minutes) == (2, 3 * 24 * 60)


def test_the_owner_update_warning_and_breach_remind_the_assignee_and_the_crm_manager(
    manufacturer, network, agent, hotline, dealer_actor
):
    junda = network["junda"]
    crm = person("junda.crm", junda, Role.DEALER_CRM_MANAGER)
    assignee = person("junda.sa1", junda, Role.SERVICE_ADVISOR)
    other = person("junda.sa2", junda, Role.SERVICE_ADVISOR)
    with time_machine.travel(TUESDAY, tick=False):
        with tenant_context(hotline):
            work_order = work_order_create(
                manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=junda.pk)
            )
        connection.set_schema_to_public()
        with tenant_context(junda):
            from dealers.gateway import DealerGateway

            gateway = DealerGateway(junda)
            gateway.act("assign", "HQ", work_order.number, actor=dealer_actor, assignee_id=assignee.pk)
            awaiting_parts(gateway, dealer_actor, work_order.number)
    [clock] = owner_clocks(hotline, work_order)
    warn_at = dt.datetime.fromisoformat(clock.warn_times[0])

    def told(kind: str) -> set[int]:
        with tenant_context(junda):
            return set(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))

    with tenant_context(hotline):
        clocks_fire_due(warn_at)
    relay_everywhere()
    dispatch_relayed()
    with tenant_context(junda):
        warned = set(Notification.objects.filter(kind="clock.warning").values_list("user_id", flat=True))
    assert warned == {crm.pk, assignee.pk}
    assert other.pk not in warned

    with tenant_context(hotline):
        clocks_fire_due(clock.due_at)
        breach = (
            WorkOrder.objects.get(pk=work_order.pk)
            .events.filter(kind=EventKind.CLOCK_BREACHED, data__clock=clock.pk)
            .get()
        )
    relay_everywhere()
    dispatch_relayed()
    assert breach.data["escalate_to"] == ["dealer_crm_manager"]
    assert told("clock.breached") == {crm.pk, assignee.pk}
