"""The work order's life through the dealer gateway and the hotline's decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import tenant_context

from dealers.gateway import DealerGateway
from dealers.models import ContactAttempt, InternalNote
from hotline.models import Clock, WorkOrder
from hotline.services import decisions, handling
from hotline.state import IllegalTransition
from parts_tickets import services as parts
from parts_tickets.models import PartsRequest

from ..conftest import conclusion

pytestmark = pytest.mark.django_db


def clock(work_order: WorkOrder, kind: str, hotline) -> Clock:
    with tenant_context(hotline):
        return Clock.objects.filter(work_order_id=work_order.pk, kind=kind).latest("id")


def reload(work_order: WorkOrder, hotline) -> WorkOrder:
    with tenant_context(hotline):
        return WorkOrder.objects.get(pk=work_order.pk)


def test_a_parts_work_order_from_intake_to_verified_closure(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent, manufacturer
):
    number = parts_work_order.number
    gw = junda_gateway

    # An internal note is not a contact: the first-contact clock keeps running.
    gw.act("note", "HQ", number, actor=dealer_actor, text="车主脾气急，尽快联系")
    assert clock(parts_work_order, "first_contact", hotline).state == "running"
    gw.act("contact", "HQ", number, actor=dealer_actor, at=None, whom="王建华", method="phone", reached=False)
    assert reload(parts_work_order, hotline).state == "dispatched"

    gw.act(
        "contact",
        "HQ",
        number,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="配件到货后通知车主进店",
        solution_offered=True,
    )
    wo = reload(parts_work_order, hotline)
    assert wo.state == "processing"
    first = clock(parts_work_order, "first_contact", hotline)
    assert (first.state, first.met) == ("stopped", True)
    assert clock(parts_work_order, "answer", hotline).met is True
    assert ContactAttempt.objects.count() == 2
    assert InternalNote.objects.count() == 1

    gw.act("stock", "HQ", number, actor=dealer_actor, result="parts_centre")
    request = gw.act("parts", "HQ", number, actor=dealer_actor)
    assert reload(parts_work_order, hotline).state == "awaiting_parts"
    completion = clock(parts_work_order, "completion", hotline)
    assert completion.state == "paused"

    with tenant_context(hotline):
        centre_id = request.parts_centre_id
        assert centre_id == manufacturer.regions.get(code="SOUTH").parts_centre_id
        centre = agent.__class__(user_id=None, name="华南配件分中心", tenant_id=None, role="parts_centre")
        parts.parts_request_acknowledge(request_id=request.pk, parts_centre_id=centre_id, actor=centre)
        parts.parts_line_allocate(request_id=request.pk, parts_centre_id=centre_id, line_no=1, actor=centre)
        parts.parts_line_ship(
            request_id=request.pk,
            parts_centre_id=centre_id,
            line_no=1,
            carrier="顺丰",
            tracking_number="SF1234567890",
            actor=centre,
        )
        parts.parts_line_ship(
            request_id=request.pk,
            parts_centre_id=centre_id,
            line_no=2,
            carrier="顺丰",
            tracking_number="SF1234567891",
            quantity=1,
            actor=centre,
        )
        parts.parts_line_ship(
            request_id=request.pk,
            parts_centre_id=centre_id,
            line_no=2,
            carrier="顺丰",
            tracking_number="SF1234567892",
            actor=centre,
        )
        assert PartsRequest.objects.get().state == "shipped"
    connection.set_tenant(junda_gateway.dealer)

    gw.act("received", "HQ", number, actor=dealer_actor)
    resumed = clock(parts_work_order, "completion", hotline)
    assert resumed.state == "running"
    assert resumed.due_at >= completion.due_at
    gw.act(
        "resolve",
        "HQ",
        number,
        actor=dealer_actor,
        result_summary="更换前大灯总成，车主确认正常",
        owner_acceptance="accepted",
        **conclusion(),
    )
    assert reload(parts_work_order, hotline).state == "resolved"
    assert clock(parts_work_order, "completion", hotline).met is True
    assert clock(parts_work_order, "callback", hotline).state == "running"

    with tenant_context(hotline):
        decisions.callback_record(work_order_id=parts_work_order.pk, actor=agent, outcome="no_answer")
        decisions.callback_record(
            work_order_id=parts_work_order.pk, actor=agent, outcome="reached", score=9, solved=True
        )
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
        assert (wo.state, wo.satisfaction) == ("closed", 9)
        assert wo.callbacks.count() == 2
        kinds = list(wo.events.values_list("kind", flat=True))
    assert (
        kinds.index("work_order.first_contact")
        < kinds.index("parts.requested")
        < kinds.index("work_order.resolved")
        < kinds.index("work_order.closed")
    )


def test_an_unsolved_callback_reopens_to_the_same_dealer_with_fresh_clocks(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent
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
        agreed="当天处理",
    )
    junda_gateway.act("stock", "HQ", number, actor=dealer_actor, result="own_stock")
    junda_gateway.act(
        "resolve",
        "HQ",
        number,
        actor=dealer_actor,
        result_summary="已更换",
        owner_acceptance="partly",
        **conclusion(),
    )
    with tenant_context(hotline):
        decisions.callback_record(
            work_order_id=parts_work_order.pk, actor=agent, outcome="reached", score=4, solved=False
        )
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
        running = set(wo.clocks.filter(state="running").values_list("kind", flat=True))
    assert (wo.state, wo.reopen_count, wo.dealer_id) == ("reopened", 1, parts_work_order.dealer_id)
    # The dealer hands the reopened complaint to a department again (its own window).
    assert running == {"first_contact", "answer", "completion", "internal_handoff"}


def test_an_illegal_transition_says_which_states_allow_it(parts_work_order, junda_gateway, dealer_actor):
    with pytest.raises(IllegalTransition) as caught:
        junda_gateway.act(
            "resolve",
            "HQ",
            parts_work_order.number,
            actor=dealer_actor,
            result_summary="x",
            owner_acceptance="accepted",
            **conclusion(),
        )

    message = caught.value.messages[0]
    assert parts_work_order.number in message
    assert "Processing" in message or "处理中" in message


def test_a_foreign_or_outside_dealer_sees_nothing(foreign_dealer, parts_work_order, network, dealer_actor):
    for dealer in (network["pengcheng"], network["chancheng"], foreign_dealer):
        with tenant_context(dealer):
            gateway = DealerGateway(dealer)
            assert gateway.inbox() == []
            for manufacturer_code in ("HQ", "DY"):
                with pytest.raises(Http404):
                    gateway.work_order(manufacturer_code, parts_work_order.number)
                with pytest.raises(Http404):
                    gateway.act(
                        "resolve",
                        manufacturer_code,
                        parts_work_order.number,
                        actor=dealer_actor,
                        result_summary="x",
                        owner_acceptance="accepted",
                        **conclusion(),
                    )
    connection.set_schema_to_public()


def test_one_merged_inbox_across_networks(parts_work_order, junda_gateway):
    rows = junda_gateway.inbox()

    assert [(r.manufacturer.code, r.work_order.number) for r in rows] == [("HQ", parts_work_order.number)]
    # The dealer's own inbox counts its internal window: the hand-off to a department, in 30 minutes.
    assert rows[0].next_due.kind == "internal_handoff"


def test_transfer_approved_moves_the_work_order_and_its_clocks(
    parts_work_order, network, hotline, junda_gateway, dealer_actor, supervisor, agent, manufacturer
):
    request = junda_gateway.act(
        "transfer", "HQ", parts_work_order.number, actor=dealer_actor, reason="车辆在深圳维修，应由深圳店处理"
    )
    with tenant_context(hotline):
        with pytest.raises(PermissionDenied):
            decisions.transfer_decide(
                manufacturer=manufacturer,
                request_id=request.pk,
                actor=agent,
                approve=True,
                reason="x",
                to_dealer_id=network["pengcheng"].pk,
            )
        decisions.transfer_decide(
            manufacturer=manufacturer,
            request_id=request.pk,
            actor=supervisor,
            approve=True,
            reason="同意转派",
            to_dealer_id=network["pengcheng"].pk,
        )
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
        fresh = wo.clocks.filter(state="running", started_at__gte=wo.dispatched_at).count()
    assert wo.dealer_id == network["pengcheng"].pk
    assert fresh == 4  # first contact, answer, completion, and the new dealer's hand-off
    with pytest.raises(Http404):
        junda_gateway.work_order("HQ", parts_work_order.number)
    with tenant_context(network["pengcheng"]):
        view = DealerGateway(network["pengcheng"]).work_order("HQ", parts_work_order.number)
    assert all("from_dealer_code" not in e.data for e in view.events)
    assert not any(e.kind == "transfer.requested" for e in view.events)


def test_transfer_refused_keeps_the_dealer_and_records_the_reason(
    parts_work_order, hotline, junda_gateway, dealer_actor, supervisor, manufacturer
):
    request = junda_gateway.act(
        "transfer", "HQ", parts_work_order.number, actor=dealer_actor, reason="不是本店车辆"
    )
    with tenant_context(hotline):
        decided = decisions.transfer_decide(
            manufacturer=manufacturer,
            request_id=request.pk,
            actor=supervisor,
            approve=False,
            reason="车辆由本店售出，请处理",
        )
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
    assert (decided.state, decided.decision_reason) == ("refused", "车辆由本店售出，请处理")
    assert wo.dealer_id == parts_work_order.dealer_id


def test_extension_granted_moves_only_that_clock(
    parts_work_order, hotline, junda_gateway, dealer_actor, supervisor
):
    before = {k: clock(parts_work_order, k, hotline).due_at for k in ("first_contact", "answer")}
    request = junda_gateway.act(
        "extension",
        "HQ",
        parts_work_order.number,
        actor=dealer_actor,
        clock_kind="answer",
        minutes=120,
        reason="等待厂家技术支持",
    )
    with tenant_context(hotline):
        decisions.extension_decide(request_id=request.pk, actor=supervisor, grant=True, reason="同意")
    assert clock(parts_work_order, "answer", hotline).due_at == before["answer"] + dt.timedelta(hours=2)
    assert clock(parts_work_order, "first_contact", hotline).due_at == before["first_contact"]


def test_closing_without_callback_needs_a_supervisor_and_a_reason(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent, supervisor
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
        agreed="已处理",
    )
    junda_gateway.act(
        "resolve",
        "HQ",
        n,
        actor=dealer_actor,
        result_summary="已更换",
        owner_acceptance="accepted",
        **conclusion(),
    )
    with tenant_context(hotline):
        with pytest.raises(PermissionDenied):
            decisions.work_order_close_without_callback(
                work_order_id=parts_work_order.pk, actor=agent, reason="多次联系不上"
            )
        with pytest.raises(ValidationError):
            decisions.work_order_close_without_callback(
                work_order_id=parts_work_order.pk, actor=supervisor, reason=" "
            )
        assert WorkOrder.objects.get(pk=parts_work_order.pk).state == "resolved"
        wo = decisions.work_order_close_without_callback(
            work_order_id=parts_work_order.pk, actor=supervisor, reason="车主号码停机，短信已发"
        )
    assert (wo.state, wo.closure_reason) == ("closed", "车主号码停机，短信已发")


def test_a_contact_in_the_future_is_refused_and_changes_nothing(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    with pytest.raises(ValidationError) as caught:
        junda_gateway.act(
            "contact",
            "HQ",
            parts_work_order.number,
            actor=dealer_actor,
            at=timezone.now() + dt.timedelta(days=1),
            whom="王建华",
            method="phone",
            reached=True,
            agreed="x",
        )

    assert "at" in caught.value.message_dict
    assert reload(parts_work_order, hotline).state == "dispatched"
    assert ContactAttempt.objects.count() == 0


def test_parts_centre_sees_only_its_own_requests(
    parts_work_order, hotline, junda_gateway, dealer_actor, manufacturer
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
    east = manufacturer.regions.get(code="EAST").parts_centre_id
    with tenant_context(hotline), pytest.raises(PartsRequest.DoesNotExist):
        parts.parts_request_acknowledge(
            request_id=request.pk, parts_centre_id=east, actor=handling.Actor.system()
        )


def test_cancel_stops_every_clock_and_needs_a_reason(parts_work_order, hotline, agent, supervisor):
    from hotline.services.work_orders import work_order_cancel

    with tenant_context(hotline):
        with pytest.raises(PermissionDenied):  # agents may not cancel (tenants/permissions.py)
            work_order_cancel(work_order_id=parts_work_order.pk, actor=agent, reason="重复录入")
        with pytest.raises(ValidationError):
            work_order_cancel(work_order_id=parts_work_order.pk, actor=supervisor, reason="")
        wo = work_order_cancel(work_order_id=parts_work_order.pk, actor=supervisor, reason="重复录入")
        open_clocks = wo.clocks.exclude(state="stopped").count()
    assert (wo.state, open_clocks) == ("cancelled", 0)


def test_assignment_goes_to_the_dealerships_own_staff_only(
    parts_work_order, network, junda_gateway, dealer_actor
):
    from tenants.models import Role

    from ..conftest import person

    with tenant_context(junda_gateway.dealer):
        pass
    connection.set_schema_to_public()
    advisor = person("junda.sa", network["junda"], Role.SERVICE_ADVISOR)
    stranger = person("pengcheng.sa", network["pengcheng"], Role.SERVICE_ADVISOR)
    connection.set_tenant(network["junda"])

    with pytest.raises(ValidationError):
        junda_gateway.act(
            "assign", "HQ", parts_work_order.number, actor=dealer_actor, assignee_id=stranger.pk
        )
    junda_gateway.act("assign", "HQ", parts_work_order.number, actor=dealer_actor, assignee_id=advisor.pk)

    assert [r.assignee_id for r in junda_gateway.inbox(assignee_id=advisor.pk)] == [advisor.pk]
    assert junda_gateway.inbox(assignee_id=stranger.pk) == []


def dealer_asks(junda_gateway, dealer_actor, number: str, *, transfer: bool = True) -> list:
    asked = [
        junda_gateway.act(
            "extension",
            "HQ",
            number,
            actor=dealer_actor,
            clock_kind="answer",
            minutes=60,
            reason="等待厂家回复",
        ),
        junda_gateway.act("upgrade", "HQ", number, actor=dealer_actor, reason="车主表示要向媒体投诉"),
    ]
    if transfer:
        asked.append(junda_gateway.act("transfer", "HQ", number, actor=dealer_actor, reason="车辆在深圳"))
    return asked


def test_a_cancelled_work_order_leaves_no_request_in_the_supervisors_queue(
    parts_work_order, hotline, junda_gateway, dealer_actor, supervisor
):
    from hotline.selectors import work_orders_for_supervisors
    from hotline.services.work_orders import work_order_cancel

    asked = dealer_asks(junda_gateway, dealer_actor, parts_work_order.number)
    with tenant_context(hotline):
        assert [wo.pk for wo in work_orders_for_supervisors()["decision"]] == [parts_work_order.pk]
        work_order_cancel(work_order_id=parts_work_order.pk, actor=supervisor, reason="重复录入")
        assert list(work_orders_for_supervisors()["decision"]) == []
        withdrawn = [type(r).objects.get(pk=r.pk) for r in asked]
        with pytest.raises(ValidationError):  # nothing left to decide
            decisions.extension_decide(request_id=asked[0].pk, actor=supervisor, grant=True)
    assert {r.state for r in withdrawn} == {"withdrawn"}
    assert all(r.decided_at is not None and r.decision_reason for r in withdrawn)


def test_a_transfer_withdraws_the_old_dealers_requests_and_the_new_dealer_starts_clean(
    parts_work_order, network, hotline, junda_gateway, dealer_actor, supervisor, manufacturer
):
    from hotline.selectors import work_orders_for_supervisors

    extension, upgrade = dealer_asks(junda_gateway, dealer_actor, parts_work_order.number, transfer=False)
    with tenant_context(hotline):
        moved = decisions.work_order_reassign(
            manufacturer=manufacturer,
            work_order_id=parts_work_order.pk,
            actor=supervisor,
            to_dealer_id=network["pengcheng"].pk,
            reason="车辆在深圳",
        )
        extension.refresh_from_db()
        upgrade.refresh_from_db()
        queue = list(work_orders_for_supervisors()["decision"])
    assert moved.state == "approved"
    assert (extension.state, upgrade.state) == ("withdrawn", "withdrawn")
    assert queue == []
