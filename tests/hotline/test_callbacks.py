"""Callbacks after resolution: the dealer's and the hotline's, the callback policy, the
manual's outcomes, the texted score, and the numbers to verify."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.events import CATALOGUE, EventKind
from hotline.models import CallbackAttempt, Clock, NumberCheck, OwnerSms, WorkOrder
from hotline.services import callbacks, decisions
from hotline.services.callbacks import CallbackNotAllowed, callback_policy_publish
from hotline.services.clocks import clocks_fire_due
from hotline.state import IllegalTransition
from live.relay import relay_everywhere

from ..conftest import conclusion, dispatch_relayed

pytestmark = pytest.mark.django_db


def resolve(gateway, actor, number: str) -> None:
    gateway.act(
        "contact",
        "HQ",
        number,
        actor=actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="当天处理",
    )
    gateway.act(
        "resolve",
        "HQ",
        number,
        actor=actor,
        result_summary="已更换大灯总成",
        owner_acceptance="accepted",
        **conclusion(),
    )


def callback(gateway, actor, number: str, **values):
    values = {"at": None, "method": "phone", "outcome": "reached", "note": "", **values}
    return gateway.act("callback", "HQ", number, actor=actor, **values)


def reload(hotline, work_order) -> WorkOrder:
    with tenant_context(hotline):
        return WorkOrder.objects.get(pk=work_order.pk)


def clocks(hotline, work_order) -> dict[str, str]:
    """Each kind's latest clock state."""
    with tenant_context(hotline):
        return {c.kind: c.state for c in Clock.objects.filter(work_order_id=work_order.pk).order_by("id")}


def kinds(hotline, work_order) -> list[str]:
    with tenant_context(hotline):
        return list(WorkOrder.objects.get(pk=work_order.pk).events.values_list("kind", flat=True))


@pytest.fixture
def specialist(network) -> Actor:
    return Actor(user_id=202, name="周玉", tenant_id=network["junda"].pk, role="callback_specialist")


def test_the_dealer_calls_back_finds_it_not_fixed_withdraws_resolves_again_and_the_hotline_verifies(
    parts_work_order, hotline, junda_gateway, dealer_actor, specialist, agent, admin
):
    n = parts_work_order.number
    with tenant_context(hotline):
        callback_policy_publish(
            actor=admin, hotline_verifies="sample", sample_percent=100, dealer_may_close=True
        )
    resolve(junda_gateway, dealer_actor, n)
    assert clocks(hotline, parts_work_order)["dealer_callback"] == "running"

    callback(junda_gateway, specialist, n, score=4, solved=False, reminder_given=True, note="大灯仍闪")
    wo = reload(hotline, parts_work_order)
    assert wo.state == "resolved"  # the dealer's callback alone never reopens
    assert clocks(hotline, parts_work_order)["dealer_callback"] == "stopped"

    junda_gateway.act("withdraw", "HQ", n, actor=dealer_actor, reason="再次检查线束")
    wo = reload(hotline, parts_work_order)
    assert (wo.state, wo.resolved_at) == ("processing", None)
    running = clocks(hotline, parts_work_order)
    assert (running["callback"], running["answer"]) == ("stopped", "running")
    assert EventKind.RESOLUTION_WITHDRAWN in kinds(hotline, parts_work_order)

    junda_gateway.act(
        "resolve",
        "HQ",
        n,
        actor=dealer_actor,
        result_summary="更换线束",
        owner_acceptance="accepted",
        **conclusion(),
    )
    callback(junda_gateway, specialist, n, score=9, solved=True, reminder_given=True)
    # Sampled for the hotline's verification: the dealer's good callback does not close it.
    assert reload(hotline, parts_work_order).state == "resolved"

    with tenant_context(hotline):
        decisions.callback_record(
            work_order_id=parts_work_order.pk, actor=agent, outcome="reached", score=9, solved=True
        )
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
        parties = list(wo.callbacks.values_list("party", "outcome", "score", "solved"))
    assert (wo.state, wo.satisfaction) == ("closed", 9)
    assert parties == [
        ("dealer", "reached", 4, False),
        ("dealer", "reached", 9, True),
        ("hotline", "reached", 9, True),
    ]


def test_the_dealers_successful_callback_closes_where_the_policy_lets_it(
    parts_work_order, hotline, junda_gateway, dealer_actor, specialist, admin
):
    n = parts_work_order.number
    with tenant_context(hotline):
        callback_policy_publish(
            actor=admin, hotline_verifies="exceptions", score_threshold=8, dealer_may_close=True
        )
    resolve(junda_gateway, dealer_actor, n)

    callback(junda_gateway, specialist, n, score=7, solved=True)
    assert reload(hotline, parts_work_order).state == "resolved"  # below the threshold: the hotline verifies
    callback(junda_gateway, specialist, n, score=9, solved=True)
    wo = reload(hotline, parts_work_order)
    assert (wo.state, wo.satisfaction) == ("closed", 9)
    with tenant_context(hotline):
        closed = wo.events.get(kind=EventKind.CLOSED)
    assert closed.data["verified_by"] == "dealer_callback"


def test_by_default_only_the_hotline_closes(
    parts_work_order, hotline, junda_gateway, dealer_actor, specialist
):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    callback(junda_gateway, specialist, parts_work_order.number, score=10, solved=True)
    assert reload(hotline, parts_work_order).state == "resolved"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"outcome": "reached", "score": None, "solved": True}, "score"),
        ({"outcome": "reached", "score": 11, "solved": True}, "score"),
        ({"outcome": "reached", "score": 8, "solved": None}, "solved"),
        ({"outcome": "busy", "score": 8}, "score"),
        ({"outcome": "call_later"}, "next_attempt_at"),
        ({"outcome": "call_later", "next_attempt_at": "past"}, "next_attempt_at"),
        ({"outcome": "call_later", "next_attempt_at": "far"}, "next_attempt_at"),
        ({"outcome": "no_answer", "next_attempt_at": "soon"}, "next_attempt_at"),
        ({"outcome": "shouted"}, "outcome"),
        ({"method": "pigeon"}, "method"),
        ({"at": "future"}, "at"),
    ],
)
def test_a_bad_callback_names_the_field_and_changes_nothing(
    parts_work_order, hotline, junda_gateway, dealer_actor, specialist, values, field
):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    now = timezone.now()
    times = {
        "past": now - dt.timedelta(hours=1),
        "far": now + dt.timedelta(days=15),
        "soon": now + dt.timedelta(hours=2),
        "future": now + dt.timedelta(hours=2),
    }
    values = {k: times.get(v, v) if isinstance(v, str) else v for k, v in values.items()}
    values = {"score": None, "solved": None, **values}
    before = kinds(hotline, parts_work_order)
    with pytest.raises(ValidationError) as caught:
        callback(junda_gateway, specialist, parts_work_order.number, **values)
    assert field in caught.value.message_dict
    assert kinds(hotline, parts_work_order) == before
    with tenant_context(hotline):
        assert not CallbackAttempt.objects.exists()


def test_a_callback_before_resolution_is_refused(parts_work_order, hotline, junda_gateway, specialist, agent):
    with pytest.raises(IllegalTransition):
        callback(junda_gateway, specialist, parts_work_order.number, score=9, solved=True)
    with tenant_context(hotline), pytest.raises(IllegalTransition):
        decisions.callback_record(work_order_id=parts_work_order.pk, actor=agent, outcome="no_answer")


def test_withdrawal_needs_the_dealers_not_fixed_callback(
    parts_work_order, hotline, junda_gateway, dealer_actor, specialist
):
    n = parts_work_order.number
    resolve(junda_gateway, dealer_actor, n)
    with pytest.raises(CallbackNotAllowed):
        junda_gateway.act("withdraw", "HQ", n, actor=dealer_actor, reason="再看看")
    callback(junda_gateway, specialist, n, score=9, solved=True)
    with pytest.raises(CallbackNotAllowed):
        junda_gateway.act("withdraw", "HQ", n, actor=dealer_actor, reason="再看看")
    with pytest.raises(ValidationError) as caught:
        junda_gateway.act("withdraw", "HQ", n, actor=dealer_actor, reason=" ")
    assert "reason" in caught.value.message_dict
    assert reload(hotline, parts_work_order).state == "resolved"


def test_the_dealer_may_call_back_for_the_policys_days_after_closure(
    parts_work_order, hotline, junda_gateway, dealer_actor, specialist, agent
):
    n = parts_work_order.number
    resolve(junda_gateway, dealer_actor, n)
    with tenant_context(hotline):
        decisions.callback_record(
            work_order_id=parts_work_order.pk, actor=agent, outcome="reached", score=8, solved=True
        )
    callback(junda_gateway, specialist, n, score=8, solved=True)  # just after closure: fine
    assert reload(hotline, parts_work_order).state == "closed"
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)), pytest.raises(CallbackNotAllowed):
        callback(junda_gateway, specialist, n, score=8, solved=True)


def test_the_dealers_callback_window_warns_its_callback_staff_then_escalates_to_service_and_general_manager(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    with tenant_context(hotline):
        clock = Clock.objects.get(work_order_id=parts_work_order.pk, kind="dealer_callback")
        assert clock.due_at - clock.started_at == dt.timedelta(days=3)
        clocks_fire_due(clock.due_at + dt.timedelta(days=2))
        events = {
            e.kind: e.data
            for e in WorkOrder.objects.get(pk=parts_work_order.pk).events.filter(data__clock=clock.pk)
        }
    assert events[EventKind.CLOCK_BREACHED]["escalate_to"] == ["service_manager"]
    assert events[EventKind.CLOCK_ESCALATED]["escalate_to"] == ["general_manager"]
    warning = CATALOGUE[EventKind.CLOCK_WARNING].audience_for({"clock_kind": "dealer_callback"})
    assert warning.dealer_roles == {"dealer_crm_manager", "callback_specialist"}


def sms_kinds(hotline) -> list[str]:
    connection.set_schema_to_public()
    relay_everywhere()
    dispatch_relayed()  # what the workers do with the relayed events: the owner's texts queued
    with tenant_context(hotline):
        return list(OwnerSms.objects.values_list("kind", flat=True))


def test_call_later_and_not_the_owner_are_not_failures_and_the_fourth_failure_texts_the_owner(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent
):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    later = timezone.now() + dt.timedelta(days=1)
    with tenant_context(hotline):
        for outcome in ("no_answer", "call_later", "busy", "not_owner", "suspended"):
            decisions.callback_record(
                work_order_id=parts_work_order.pk,
                actor=agent,
                outcome=outcome,
                next_attempt_at=later if outcome == "call_later" else None,
            )
        scheduled = WorkOrder.objects.get(pk=parts_work_order.pk).events.get(
            kind=EventKind.CALLBACK_SCHEDULED
        )
    assert dt.datetime.fromisoformat(scheduled.data["notify_at"]) == later.replace(
        microsecond=later.microsecond // 1000 * 1000
    )
    assert sms_kinds(hotline) == ["received"]  # three counted failures so far
    with tenant_context(hotline):
        decisions.callback_record(work_order_id=parts_work_order.pk, actor=agent, outcome="calls_barred")
    assert sms_kinds(hotline) == ["received", "score_request"]


def test_a_wrong_number_goes_to_the_queue_and_is_never_texted(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent
):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    with tenant_context(hotline):
        for outcome in ("no_answer", "empty_number", "no_answer", "switched_off"):
            decisions.callback_record(work_order_id=parts_work_order.pk, actor=agent, outcome=outcome)
        [check] = NumberCheck.objects.all()
    assert sms_kinds(hotline) == ["received"]
    assert (check.mobile, check.state) == ("13802561234", "pending")

    with tenant_context(hotline):
        with pytest.raises(ValidationError) as caught:
            callbacks.number_check_decide(check_id=check.pk, actor=agent, mobile="12345")
        assert "mobile" in caught.value.message_dict
        callbacks.number_check_decide(check_id=check.pk, actor=agent, mobile="+86 139 0000 1111")
        check.refresh_from_db()
        wo = WorkOrder.objects.select_related("owner").get(pk=parts_work_order.pk)
        verified = wo.events.get(kind=EventKind.NUMBER_VERIFIED)
    assert (check.state, check.new_mobile, wo.owner.mobile) == ("corrected", "13900001111", "13900001111")
    assert verified.data["result"] == "corrected"


def test_a_texted_score_never_closes(parts_work_order, hotline, junda_gateway, dealer_actor):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    owner = Actor(user_id=None, name="SMS 13802561234", tenant_id=None, role="owner")
    with tenant_context(hotline):
        callbacks.owner_score_record(work_order_id=parts_work_order.pk, actor=owner, score=10)
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
        attempt = wo.callbacks.get()
    assert (wo.state, wo.satisfaction) == ("resolved", 10)
    assert (attempt.party, attempt.solved) == ("owner_sms", None)


def test_an_agent_corrects_a_number_in_the_queue(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent
):
    from tenants.models import Role

    from ..conftest import client_for, person

    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    with tenant_context(hotline):
        decisions.callback_record(work_order_id=parts_work_order.pk, actor=agent, outcome="wrong_number")
        check = NumberCheck.objects.get()
    connection.set_schema_to_public()
    portal = client_for(hotline, person("hq.agent2", hotline, Role.HOTLINE_AGENT))
    page = portal.get("/numbers-to-verify/").content.decode()
    assert parts_work_order.number in page
    assert "verify-queue" in portal.get("/work-orders/?verify=on").content.decode()

    refused = portal.post("/numbers-to-verify/", {"check": check.pk, "mobile": "0571-1234"})
    assert refused.status_code == 400
    assert "11" in refused.content.decode()  # the rule is named beside the field
    done = portal.post("/numbers-to-verify/", {"check": check.pk, "mobile": "13900002222"})
    assert done.status_code == 302
    assert parts_work_order.number not in portal.get("/numbers-to-verify/").content.decode()
    with tenant_context(hotline):
        assert (
            WorkOrder.objects.select_related("owner").get(pk=parts_work_order.pk).owner.mobile
            == "13900002222"
        )
