"""The dealer's inbox and start page count the windows the dealer must meet: the hotline's own
verification callback running late after the dealer called the owner back is not the dealer's
overdue work, and its own callback window tells the "callbacks due" figure."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from dealers.gateway import DealerGateway
from tenants.models import Role

from ..conftest import client_for, conclusion_posted, intake_post, numbers, person

pytestmark = pytest.mark.django_db


def _resolved(agent_client, hotline, dealer, dealer_user) -> tuple[str, object]:
    agent_client.post("/work-orders/new/", intake_post(type="complaint", category="repair_quality", lines=[]))
    number = numbers(hotline)[0]
    connection.set_schema_to_public()
    crm = client_for(dealer, dealer_user)
    url = f"/work-orders/HQ/{number}/"
    crm.post(url + "contact/", {"whom": "王建华", "method": "phone", "reached": "yes", "agreed": "到店检查"})
    crm.post(
        url + "resolve/",
        {"result_summary": "更换大灯", "owner_acceptance": "accepted", **conclusion_posted()},
    )
    return number, crm


def _inbox(dealer, **filters) -> list[str]:
    with tenant_context(dealer):
        return [row.work_order.number for row in DealerGateway(dealer).inbox(**filters)]


def _figures(dealer, user) -> dict[str, int]:
    with tenant_context(dealer):
        return DealerGateway(dealer).dashboard(user_id=user.pk)["figures"]


def test_the_hotlines_late_verification_is_not_the_dealers_overdue_work(
    agent_client, hotline, dealer, dealer_user
):
    number, _crm = _resolved(agent_client, hotline, dealer, dealer_user)
    specialist = client_for(dealer, person("hfy", dealer, Role.CALLBACK_SPECIALIST))
    reached = {"method": "phone", "outcome": "reached", "score": "9", "solved": "yes", "reminder_given": "on"}
    assert specialist.post(f"/work-orders/HQ/{number}/callback/", reached).status_code == 302
    assert _figures(dealer, dealer_user)["callbacks"] == 0  # the dealer called back: nothing due

    with time_machine.travel(timezone.now() + dt.timedelta(days=4), tick=False):
        assert _inbox(dealer, overdue=True) == []
        assert _figures(dealer, dealer_user)["overdue"] == 0
        with tenant_context(dealer):
            row = next(r for r in DealerGateway(dealer).inbox() if r.work_order.number == number)
        assert row.next_due is None  # no window of the dealer's runs
        assert not row.overdue


def test_the_dealers_own_callback_window_is_due_and_then_late(agent_client, hotline, dealer, dealer_user):
    number, _crm = _resolved(agent_client, hotline, dealer, dealer_user)
    assert _figures(dealer, dealer_user)["callbacks"] == 1
    with time_machine.travel(timezone.now() + dt.timedelta(days=4), tick=False):
        assert _inbox(dealer, overdue=True) == [number]
        with tenant_context(dealer):
            row = DealerGateway(dealer).inbox()[0]
        assert row.next_due.kind == "dealer_callback"
