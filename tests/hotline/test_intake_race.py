"""Two agents recording the same new owner and car at the same moment make one owner and one
vehicle record, and the second complaint is counted as a repeat of the first."""

from __future__ import annotations

import threading

from django.db import connection, transaction
from django_tenants.utils import tenant_context

from hotline.models import Owner, Vehicle, WorkOrder
from hotline.services.work_orders import work_order_create

from ..conftest import VIN, parts_intake, someone_waits_for_a_lock


def test_the_same_new_owner_and_car_recorded_at_once_are_one_record(
    committed_tenants, hotline, network, agent
):
    dealer_id = network["junda"].pk
    holding, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:  # records, then keeps its transaction open until told
        try:
            with tenant_context(hotline), transaction.atomic():
                outcome["first"] = work_order_create(
                    manufacturer=hotline.manufacturer, actor=agent, intake=parts_intake(dealer_id=dealer_id)
                ).number
                holding.set()
                release.wait(30)
        finally:
            holding.set()
            connection.close()

    def second() -> None:
        try:
            with tenant_context(hotline):
                outcome["second"] = work_order_create(
                    manufacturer=hotline.manufacturer, actor=agent, intake=parts_intake(dealer_id=dealer_id)
                ).number
        except Exception as exc:  # what the agent's request would have answered with
            outcome["error"] = exc
        finally:
            connection.close()

    holder = threading.Thread(target=first)
    holder.start()
    assert holding.wait(30)
    racer = threading.Thread(target=second)
    racer.start()
    waited = someone_waits_for_a_lock()
    release.set()
    holder.join(30)
    racer.join(30)

    assert waited  # the second recording really met the first one's uncommitted owner
    assert "error" not in outcome, outcome.get("error")
    with tenant_context(hotline):
        assert Owner.objects.filter(mobile=parts_intake().owner["mobile"]).count() == 1
        assert Vehicle.objects.filter(vin=VIN).count() == 1
        later = WorkOrder.objects.select_related("repeat_of").get(number=outcome["second"])
        assert later.repeat_of.number == outcome["first"]
