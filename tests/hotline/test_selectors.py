"""What the manufacturer measures (docs/portals.md "KPIs"), over work orders made by the services."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django_tenants.utils import tenant_context

from hotline.models import Clock
from hotline.selectors import kpi_rows, kpi_totals
from hotline.services.clocks import clocks_fire_due
from hotline.services.decisions import callback_record
from hotline.services.work_orders import work_order_cancel, work_order_create

from ..conftest import conclusion, owner, parts_intake

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)
ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_timely_rates_follow_the_windows_of_each_kind_and_cancelled_work_orders_never_count(
    manufacturer, network, agent, supervisor, parts_work_order, junda_gateway, dealer_actor, hotline
):
    with tenant_context(hotline):
        complaint = work_order_create(
            manufacturer=manufacturer,
            actor=agent,
            intake=parts_intake(
                type="complaint",
                category="service_attitude",
                part_lines=[],
                vehicle=None,
                owner=owner(mobile="13911112222"),
                dealer_id=network["junda"].pk,
            ),
        )
        twice = work_order_create(
            manufacturer=manufacturer,
            actor=agent,
            intake=parts_intake(
                type="complaint",
                category="charges",
                part_lines=[],
                vehicle=None,
                owner=owner(mobile="13933334444"),
                dealer_id=network["junda"].pk,
            ),
        )
        work_order_cancel(work_order_id=twice.pk, actor=supervisor, reason="重复录入")
    junda_gateway.act(
        "contact",
        "HQ",
        complaint.number,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="道歉",
    )
    junda_gateway.act(
        "resolve",
        "HQ",
        complaint.number,
        actor=dealer_actor,
        result_summary="已向车主道歉并培训员工",
        owner_acceptance="accepted",
        **conclusion(),
    )
    with tenant_context(hotline):
        callback_record(
            work_order_id=complaint.pk, actor=agent, outcome="reached", score=7, solved=True, note=""
        )
        # The parts work order misses its first contact and its answer window; only its
        # completion window (5 working days) counts for timely completion, and it still runs.
        answer_due = Clock.objects.get(work_order=parts_work_order, kind="answer").due_at
        clocks_fire_due(answer_due + MIN)
        since, until = answer_due - dt.timedelta(days=7), answer_due + dt.timedelta(days=7)

        totals = kpi_totals(since=since, until=until)
        rows = {r["key"]: r for r in kpi_rows(group="category", since=since, until=until, time_zone=ZONE)}
        later = kpi_totals(since=until, until=None)

    assert totals == {
        "total": 2,
        "response_rate": 50.0,
        "completion_rate": 100.0,
        "overdue": 0,
        "repeat_rate": 0.0,
        "reopen_rate": 0.0,
        "scored": 1,
        "band_high": 0,
        "band_mid": 1,
        "band_low": 0,
    }
    assert set(rows) == {"parts_shortage", "service_attitude"}  # the cancelled 'charges' is left out
    assert (rows["parts_shortage"]["response_rate"], rows["parts_shortage"]["completion_rate"]) == (0.0, None)
    assert (rows["service_attitude"]["response_rate"], rows["service_attitude"]["completion_rate"]) == (
        100.0,
        100.0,
    )
    assert (later["total"], later["response_rate"]) == (0, None)
