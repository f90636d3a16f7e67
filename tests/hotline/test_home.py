"""The customer-service centre's start page: the day's figures, each linking to its list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.models import Clock, WorkOrder
from hotline.services.decisions import callback_record
from hotline.services.work_orders import work_order_create
from tenants.models import Role

from ..conftest import client_for, owner, parts_intake, person

pytestmark = pytest.mark.django_db


def figure(body: str, testid: str) -> tuple[int, str]:
    """A figure's number and the address it links to."""
    after = body.split(f'data-testid="{testid}"', 1)[1]
    link, number = re.search(r'href="([^"]+)"', after), re.search(r"<b>(\d+)</b>", after)
    assert number, testid
    assert link, testid
    return int(number[1]), link[1].replace("&amp;", "&")


def rows_of(body: str) -> set[str]:
    return {part.split('"', 1)[0] for part in body.split('data-number="')[1:]}


def test_every_figure_counts_the_list_it_links_to(manufacturer, network, hotline, supervisor):
    agent_user = person("hq.agent", hotline, Role.HOTLINE_AGENT)
    boss = client_for(hotline, person("hq.supervisor", hotline, Role.HOTLINE_SUPERVISOR))
    agent_web = client_for(hotline, agent_user)
    with tenant_context(hotline):
        mine = work_order_create(
            manufacturer=manufacturer,
            actor=Actor(user_id=agent_user.pk, name="hq.agent", tenant_id=hotline.pk, role="hotline_agent"),
            intake=parts_intake(dealer_id=network["junda"].pk),
        )
        late = work_order_create(
            manufacturer=manufacturer,
            actor=supervisor,
            intake=parts_intake(dealer_id=network["junda"].pk, owner=owner(mobile="13911110000")),
        )
        Clock.objects.filter(work_order=late, kind="first_contact").update(
            due_at=late.received_at - dt.timedelta(minutes=5)
        )

    home = agent_web.get("/").content.decode()
    count, link = figure(home, "fig-mine")
    assert count == 1
    assert rows_of(agent_web.get(link).content.decode()) == {mine.number}
    assert 'data-testid="fig-overdue"' not in home  # an agent's page: their own work

    board = boss.get("/").content.decode()
    for testid, expected in (
        ("fig-overdue", {late.number}),
        ("fig-due-soon", {mine.number}),
        ("fig-intake-today", {mine.number, late.number}),
    ):
        count, link = figure(board, testid)
        listed = rows_of(boss.get(link).content.decode())
        assert (count, listed) == (len(expected), expected), testid
    assert "network" not in board.split("<main", 1)[1].split("dashboard", 1)[0]


def test_numbers_to_verify_are_those_the_callback_found_wrong(manufacturer, network, hotline, parts_request):
    boss = client_for(hotline, person("hq.supervisor", hotline, Role.HOTLINE_SUPERVISOR))
    with tenant_context(hotline):
        work_order = WorkOrder.objects.get()
        WorkOrder.objects.filter(pk=work_order.pk).update(state="resolved")
        callback_record(
            work_order_id=work_order.pk,
            actor=Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent"),
            outcome="wrong_number",
            score=None,
            solved=None,
            note="空号",
        )

    count, link = figure(boss.get("/").content.decode(), "fig-verify")

    assert count == 1
    assert rows_of(boss.get(link).content.decode()) == {work_order.number}
