"""A work order transferred to another dealer comes to it clean: the old dealer's repair record,
conclusion and open technical-support question are not the new dealer's; the dealership's
internal windows never reach the hotline's feeds in detail, and are not the hotline's to extend."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from config.actor import Actor
from dealers.gateway import DealerGateway
from hotline.events import EventKind
from hotline.models import TechSupportRequest, WorkOrder, WorkOrderEvent
from hotline.services import decisions
from hotline.services.work_orders import work_order_reopen
from live.messages import event_message

from ..conftest import conclusion

pytestmark = pytest.mark.django_db


def act(dealer, action: str, number: str, actor: Actor, **values):
    with tenant_context(dealer):
        result = DealerGateway(dealer).act(action, "HQ", number, actor=actor, **values)
    connection.set_schema_to_public()
    return result


def test_the_new_dealer_sees_nothing_the_old_one_recorded(
    manufacturer, hotline, network, parts_work_order, dealer_actor, agent, supervisor
):
    junda, pengcheng = network["junda"], network["pengcheng"]
    n = parts_work_order.number
    connection.set_schema_to_public()
    contact = {"at": None, "whom": "王建华", "method": "phone", "reached": True, "agreed": "到店检查"}
    act(junda, "contact", n, dealer_actor, **contact)
    act(junda, "repair", n, dealer_actor, repair_order_number="RO-17", service_advisor="刘洋")
    act(junda, "stock", n, dealer_actor, result="own_stock")
    act(
        junda,
        "resolve",
        n,
        dealer_actor,
        result_summary="已更换",
        owner_acceptance="accepted",
        **conclusion(),
    )
    with tenant_context(hotline):
        work_order_reopen(work_order_id=parts_work_order.pk, actor=agent, reason="车主说灯还在闪")
    connection.set_schema_to_public()
    act(junda, "contact", n, dealer_actor, **contact)
    act(junda, "tech_support", n, dealer_actor, diss_reference="DISS-88", question="是否需刷写灯控模块？")
    request = act(junda, "transfer", n, dealer_actor, reason="车主搬到深圳", suggested_dealer="")
    with tenant_context(hotline):
        decisions.transfer_decide(
            manufacturer=manufacturer,
            request_id=request.pk,
            actor=supervisor,
            approve=True,
            reason="同意",
            to_dealer_id=pengcheng.pk,
        )
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
        assert (wo.repair_order_number, wo.service_advisor) == ("", "")
        assert TechSupportRequest.objects.get(work_order=wo).state == "closed"
        # The log keeps what the old dealer recorded.
        assert wo.events.filter(kind=EventKind.REPAIR_RECORDED).exists()
    connection.set_schema_to_public()

    pengcheng_actor = Actor(user_id=301, name="陈静", tenant_id=pengcheng.pk, role="dealer_crm_manager")
    with tenant_context(pengcheng):
        view = DealerGateway(pengcheng).work_order("HQ", n)
    connection.set_schema_to_public()
    assert view.conclusion is None
    assert view.work_order.repair_order_number == ""
    assert view.tech_support == []
    # The new dealer may ask technical support itself once it has reached the owner.
    act(pengcheng, "contact", n, pengcheng_actor, **contact)
    act(pengcheng, "tech_support", n, pengcheng_actor, diss_reference="DISS-90", question="请协助诊断")


def test_the_dealerships_internal_windows_are_neither_detailed_to_the_hotline_nor_extended(
    hotline, network, parts_work_order, dealer_actor
):
    with tenant_context(hotline):
        started = WorkOrderEvent.objects.get(
            work_order_id=parts_work_order.pk,
            kind=EventKind.CLOCK_STARTED,
            data__clock_kind="internal_handoff",
        )
        to_hotline = event_message(started, 1, hotline.pk, "HQ", for_dealer=False)
        to_dealer = event_message(started, 1, hotline.pk, "HQ", for_dealer=True)
    assert to_hotline["data"] == {"clock_kind": "internal_handoff"}
    assert "due_at" in to_dealer["data"]
    connection.set_schema_to_public()
    with pytest.raises(ValidationError) as refused:
        act(
            network["junda"],
            "extension",
            parts_work_order.number,
            dealer_actor,
            clock_kind="internal_handoff",
            minutes=30,
            reason="部门经理外出",
        )
    assert "clock_kind" in refused.value.message_dict
