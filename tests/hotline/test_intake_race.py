"""Two agents recording the same new owner and car at the same moment make one owner and one
vehicle record, and the second complaint is counted as a repeat of the first."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from hotline.models import Owner, Vehicle, WorkOrder
from hotline.services.work_orders import work_order_create

from ..conftest import VIN, parts_intake, race


def test_the_same_new_owner_and_car_recorded_at_once_are_one_record(
    committed_tenants, hotline, network, agent
):
    def record() -> str:
        return work_order_create(
            manufacturer=hotline.manufacturer,
            actor=agent,
            intake=parts_intake(dealer_id=network["junda"].pk),
        ).number

    outcome, waited = race(hotline, record, record)
    assert waited  # the second recording really met the first one's uncommitted owner
    assert "error" not in outcome, outcome.get("error")
    with tenant_context(hotline):
        assert Owner.objects.filter(mobile=parts_intake().owner["mobile"]).count() == 1
        assert Vehicle.objects.filter(vin=VIN).count() == 1
        later = WorkOrder.objects.select_related("repeat_of").get(number=outcome["second"])
        assert later.repeat_of.number == outcome["first"]
