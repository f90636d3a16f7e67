"""A texted score never closes: the work order stays resolved until a person confirms it, or
the callback policy's days pass and it closes as "closed — not verified", counted apart."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.events import EventKind
from hotline.models import WorkOrder
from hotline.scheduler import close_unverified
from hotline.services import callbacks, decisions
from hotline.services.callbacks import callback_policy_publish, work_orders_close_unverified
from hotline.services.work_orders import work_order_reopen
from tenants.models import Role

from ..conftest import api_client, client_for, person
from .test_sms_replies import aliyun_reply, push, score_requested  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
OWNER = "13802561234"


def texted(hotline, score_requested, score: int = 9) -> WorkOrder:  # noqa: F811
    """The owner replies to the score request with a score, through the provider's push."""
    assert push(hotline, "aliyun", [aliyun_reply(str(score), 770001)]).status_code == 200
    with tenant_context(hotline):
        return WorkOrder.objects.get(pk=score_requested.pk)


def test_a_texted_score_closes_as_not_verified_only_after_the_policys_days(
    score_requested,  # noqa: F811
    hotline,
    admin,
):
    with tenant_context(hotline):
        callback_policy_publish(actor=admin, hotline_verifies="all", unverified_close_days=5)
    wo = texted(hotline, score_requested)
    assert (wo.state, wo.satisfaction, wo.closed_unverified) == ("resolved", 9, False)

    with tenant_context(hotline):
        with time_machine.travel(timezone.now() + dt.timedelta(days=4, hours=23)):
            due = work_orders_close_unverified()
        assert WorkOrder.objects.get(pk=wo.pk).state == "resolved"
        assert dt.timedelta(days=4, hours=23) < due - timezone.now() <= dt.timedelta(days=5)
        with time_machine.travel(timezone.now() + dt.timedelta(days=5, minutes=1)):
            assert work_orders_close_unverified() is None
        wo = WorkOrder.objects.get(pk=wo.pk)
        closed = wo.events.get(kind=EventKind.CLOSED)
    assert (wo.state, wo.closed_unverified, wo.satisfaction) == ("closed", True, 9)
    assert closed.data["verified_by"] == "not_verified"
    assert closed.data["reason"] == wo.closure_reason != ""

    connection.set_schema_to_public()
    portal = client_for(hotline, person("hq.agent5", hotline, Role.HOTLINE_AGENT))
    assert 'data-testid="closed-unverified"' in portal.get(f"/work-orders/{wo.number}/").content.decode()


def test_the_scheduler_job_runs_in_every_hotline(score_requested, hotline, admin):  # noqa: F811
    wo = texted(hotline, score_requested, 4)
    connection.set_schema_to_public()
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert close_unverified() is None
    with tenant_context(hotline):
        assert WorkOrder.objects.get(pk=wo.pk).closed_unverified is True


def test_a_person_who_reaches_the_owner_takes_it_out_of_the_timeout(
    score_requested,  # noqa: F811
    hotline,
    agent,
    junda_gateway,
):
    wo = texted(hotline, score_requested)
    specialist = Actor(
        user_id=202, name="周玉", tenant_id=junda_gateway.dealer.pk, role="callback_specialist"
    )
    junda_gateway.act(
        "callback",
        "HQ",
        wo.number,
        actor=specialist,
        at=None,
        method="phone",
        outcome="reached",
        score=5,
        solved=False,
        note="仍有异响",
    )
    with tenant_context(hotline):
        with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
            work_orders_close_unverified()
        assert WorkOrder.objects.get(pk=wo.pk).state == "resolved"  # the dealer's "not fixed" stands
        decisions.callback_record(work_order_id=wo.pk, actor=agent, outcome="reached", score=8, solved=True)
        wo = WorkOrder.objects.get(pk=wo.pk)
    assert (wo.state, wo.closed_unverified) == ("closed", False)


def test_reopening_clears_not_verified(score_requested, hotline, agent):  # noqa: F811
    wo = texted(hotline, score_requested)
    with tenant_context(hotline):
        with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
            work_orders_close_unverified()
        work_order_reopen(work_order_id=wo.pk, actor=agent, reason="车主再次来电：故障仍在")
        wo = WorkOrder.objects.get(pk=wo.pk)
    assert (wo.state, wo.closed_unverified) == ("reopened", False)


def test_a_texted_score_alone_never_closes_before_the_timeout(score_requested, hotline):  # noqa: F811
    wo = texted(hotline, score_requested, 10)
    owner = Actor(user_id=None, name=f"SMS {OWNER}", tenant_id=None, role="owner")
    with tenant_context(hotline):
        callbacks.owner_score_record(work_order_id=wo.pk, actor=owner, score=10)
        work_orders_close_unverified()
        assert WorkOrder.objects.get(pk=wo.pk).state == "resolved"


@pytest.mark.parametrize("days", [0, 31, True])
def test_the_timeout_is_between_1_and_30_days(hotline, in_hotline, admin, days):
    with pytest.raises(ValidationError) as caught:
        callback_policy_publish(actor=admin, hotline_verifies="all", unverified_close_days=days)
    assert "unverified_close_days" in caught.value.message_dict


def test_the_api_says_closed_not_verified(score_requested, hotline):  # noqa: F811
    from tenants.services.api_keys import api_key_create

    wo = texted(hotline, score_requested)
    with tenant_context(hotline), time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        work_orders_close_unverified()
    connection.set_schema_to_public()
    crm = api_client(hotline, api_key_create(tenant=hotline, name="CRM", scope="read").secret)
    body = crm.get(f"/api/v1/work-orders/{wo.number}/").json()
    assert (body["state"], body["closed_unverified"]) == ("closed", True)
