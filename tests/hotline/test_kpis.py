"""The KPI pages a manager uses: targets from the policy, trends, drill-down, one default period."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django_tenants.utils import tenant_context

from hotline.services.policy import WindowSpec, policy_current, policy_publish

from ..conftest import client_for, intake_post

pytestmark = pytest.mark.django_db

# 23:30 in Shanghai on 1 December: the UTC date is still 30 November.
LATE_EVENING = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)


def value_of(body: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', body)[1]


@time_machine.travel(LATE_EVENING, tick=False)
def test_both_portals_show_the_same_default_period_in_their_fields(
    hotline, hotline_agent, dealer, dealer_user
):
    hotline_page = client_for(hotline, hotline_agent).get("/kpis/").content.decode()
    dealer_page = client_for(dealer, dealer_user).get("/kpis/").content.decode()

    for page in (hotline_page, dealer_page):
        assert value_of(page, "since") == "2026-11-02"
        assert value_of(page, "until") == "2026-12-01"
        assert "2026-11-02 – 2026-12-01" in page


def test_figures_stand_against_the_policys_targets_and_drill_down_to_the_work_orders(
    agent_client, hotline, admin
):
    agent_client.post("/work-orders/new/", intake_post())
    with tenant_context(hotline):
        current = policy_current()
        policy_publish(
            actor=admin,
            windows=[
                WindowSpec(
                    kind=w.kind,
                    minutes=w.minutes,
                    calendar=w.calendar,
                    warn_before=tuple(w.warn_before),
                    second_escalation_after=w.second_escalation_after,
                    paused_in=tuple(w.paused_in),
                    work_order_type=w.work_order_type,
                    severity=w.severity,
                    category=w.category,
                )
                for w in current.windows.all()
            ],
            targets={
                "response_rate": 97.5,
                "completion_rate": 90,
                "repeat_rate": 4,
                "reopen_rate": 2,
                "high_share": 85,
            },
        )

    page = agent_client.get("/kpis/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    targets = page.split('data-testid="kpi-targets"', 1)[1].split("</section>", 1)[0]
    drill = re.search(r'href="(/work-orders/\?[^"]+)" data-testid="drill"', page)[1].replace("&amp;", "&")

    assert "target ≥ 97.5" in targets
    assert "target ≤ 4.0" in targets
    assert 'data-testid="kpi-trend"' in page
    assert "dealer=" in drill
    assert "received_from=" in drill
    listed = agent_client.get(drill).content.decode()
    assert listed.count('data-number="') == 1


def test_the_grouping_is_called_group_by(agent_client):
    page = agent_client.get("/kpis/").content.decode()

    assert "分组方式" in page
    assert ">由<" not in page
