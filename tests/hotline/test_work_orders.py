"""Recording a work order: validation, numbering, routing, repeats."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.models import Clock, Owner, PartLine, Vehicle, WorkOrder
from hotline.services.work_orders import work_order_create

from ..conftest import LINES, OTHER_VIN, owner, parts_intake, vehicle

pytestmark = pytest.mark.django_db


def nothing_saved() -> bool:
    return not (
        WorkOrder.objects.exists()
        or Owner.objects.exists()
        or Vehicle.objects.exists()
        or PartLine.objects.exists()
    )


def test_parts_work_order_is_numbered_routed_and_clocked(parts_work_order, network, agent):
    wo = parts_work_order

    assert re.fullmatch(r"HQ\d{8}-00001", wo.number)
    assert WorkOrder.objects.get(pk=wo.pk).number == wo.number  # as stored, not only as returned
    assert wo.events.get(kind="work_order.created").data["number"] == wo.number
    assert wo.state == "dispatched"
    assert wo.dealer_id == network["junda"].pk
    assert [(p.part_code, p.quantity) for p in wo.part_lines.all()] == [
        ("HQ-37110-01", 1),
        ("HQ-80210-07", 2),
    ]
    assert set(Clock.objects.values_list("kind", flat=True)) == {
        "first_contact",
        "answer",
        "completion",
        "internal_handoff",  # the dealer's own: to the responsible department within 30 minutes
    }
    assert list(wo.events.values_list("kind", flat=True))[:2] == [
        "work_order.created",
        "work_order.dispatched",
    ]
    # Written in one statement from JSON: who, when and for which dealer, as on any event.
    for event in wo.events.filter(kind__in=["work_order.created", "clock.started"]):
        assert (event.at, event.actor_user_id, event.actor_tenant_id, event.actor_name, event.dealer_id) == (
            wo.dispatched_at,
            agent.user_id,
            agent.tenant_id,
            agent.name,
            network["junda"].pk,
        )


def test_numbers_count_up_per_day(manufacturer, network, agent, in_hotline):
    first = work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake())
    second = work_order_create(
        manufacturer=manufacturer,
        actor=agent,
        intake=parts_intake(
            owner=owner(mobile="13922876543"), vehicle=vehicle(vin=OTHER_VIN, plate="粤B12345")
        ),
    )

    assert first.number[:-5] == second.number[:-5]
    assert int(second.number[-5:]) == int(first.number[-5:]) + 1


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        (
            [*LINES, *({"part_code": f"X{i}", "part_name": "件", "quantity": 1} for i in range(5))],
            "part_lines",
        ),
        ([{"part_code": "A1", "part_name": "件", "quantity": 0}], "part_lines[1].quantity"),
        ([{"part_code": "", "part_name": "件", "quantity": 1}], "part_lines[1].part_code"),
        ([LINES[0], dict(LINES[0])], "part_lines[2].part_code"),
        ([], "part_lines"),
    ],
    ids=["seventh line", "quantity below 1", "empty code", "same code twice", "no line"],
)
def test_bad_part_lines_are_refused_and_nothing_is_saved(
    manufacturer, network, agent, in_hotline, lines, field
):
    with pytest.raises(ValidationError) as caught:
        work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake(part_lines=lines))

    assert field in caught.value.message_dict
    assert nothing_saved()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"owner": owner(mobile="2380256123")}, "owner.mobile"),
        ({"owner": owner(mobile="1380256123")}, "owner.mobile"),
        ({"vehicle": vehicle(vin="LHKS5A2B0RG10023")}, "vehicle.vin"),
        ({"vehicle": vehicle(vin="LHKS5A2BIRG100231")}, "vehicle.vin"),
        ({"vehicle": vehicle(vin="LHKS5A2B5RG100231")}, "vehicle.vin"),  # wrong check digit
        ({"vehicle": vehicle(purchase_date="2099-01-01")}, "vehicle.purchase_date"),
        ({"vehicle": vehicle(mileage_km=5_000_000)}, "vehicle.mileage_km"),
        ({"vehicle": vehicle(plate="ABC123")}, "vehicle.plate"),
        ({"complaint": "  "}, "complaint"),
        ({"severity": "huge"}, "severity"),
    ],
)
def test_bad_owner_or_vehicle_is_refused_naming_the_field(
    manufacturer, network, agent, in_hotline, changes, field
):
    with pytest.raises(ValidationError) as caught:
        work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake(**changes))

    assert field in caught.value.message_dict
    assert nothing_saved()


def test_owner_and_vehicle_are_found_again_and_updated(manufacturer, network, agent, in_hotline):
    work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake())
    work_order_create(
        manufacturer=manufacturer,
        actor=agent,
        intake=parts_intake(owner=owner(address="新地址 1 号"), vehicle=vehicle(mileage_km=30000)),
    )

    assert Owner.objects.get().address == "新地址 1 号"
    assert Vehicle.objects.get().mileage_km == 30000


def test_a_call_that_does_not_give_the_gender_leaves_the_recorded_one(
    manufacturer, network, agent, in_hotline
):
    work_order_create(
        manufacturer=manufacturer, actor=agent, intake=parts_intake(owner=owner(gender="female"))
    )
    without = {key: value for key, value in owner().items() if key != "gender"}
    work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake(owner=without))
    work_order_create(
        manufacturer=manufacturer, actor=agent, intake=parts_intake(owner=owner(gender="unknown"))
    )

    assert Owner.objects.get().gender == "female"


def test_a_car_reported_by_its_new_owner_becomes_theirs(manufacturer, network, agent, in_hotline):
    first = work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake())
    second = work_order_create(
        manufacturer=manufacturer,
        actor=agent,
        intake=parts_intake(owner=owner(mobile="13500000001", name="新车主")),
    )

    car = Vehicle.objects.get()
    assert car.owner_id == second.owner_id != first.owner_id
    assert car.owner.name == "新车主"


def test_the_same_owner_and_car_reported_again_are_not_written_again(
    manufacturer, network, agent, in_hotline
):
    work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake())
    with CaptureQueriesContext(connection) as statements:
        work_order_create(manufacturer=manufacturer, actor=agent, intake=parts_intake())

    written = [q["sql"] for q in statements if re.match(r'UPDATE "hotline_(owner|vehicle)"', q["sql"])]
    assert written == []
    assert Owner.objects.count() == Vehicle.objects.count() == 1


def test_routing_suggests_servicing_then_selling_dealer_then_city(manufacturer, network, agent, in_hotline):
    Vehicle.objects.create(
        owner=Owner.objects.create(name="陈美玲", mobile="13922876543", city="深圳"),
        vin=OTHER_VIN,
        model="华骐 X5",
        selling_dealer_id=network["pengcheng"].pk,
        servicing_dealer_id=network["chancheng"].pk,
    )  # servicing dealer is inactive
    by_vehicle = work_order_create(
        manufacturer=manufacturer,
        actor=agent,
        intake=parts_intake(
            owner=owner(mobile="13922876543", city="深圳"), vehicle=vehicle(vin=OTHER_VIN, plate="")
        ),
    )
    by_city = work_order_create(
        manufacturer=manufacturer,
        actor=agent,
        intake=parts_intake(
            owner=owner(mobile="13500000000", city="广州"), vehicle=vehicle(vin="LDYT3B2A1SC100119", plate="")
        ),
    )

    assert by_vehicle.dealer_id == network["pengcheng"].pk
    assert by_vehicle.events.get(kind="work_order.dispatched").data["routing"] == "selling_dealer"
    assert by_city.dealer_id == network["junda"].pk
    assert by_city.events.get(kind="work_order.dispatched").data["routing"] == "same_city"


def test_only_active_network_members_receive_work_orders(
    manufacturer, network, foreign_dealer, agent, in_hotline
):
    for dealer in (network["chancheng"], foreign_dealer):
        with pytest.raises(ValidationError) as caught:
            work_order_create(
                manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=dealer.pk)
            )
        assert "dealer" in caught.value.message_dict
    assert nothing_saved()


def test_a_new_complaint_for_the_same_vin_or_mobile_is_a_repeat(parts_work_order, manufacturer, agent):
    same_mobile = work_order_create(
        manufacturer=manufacturer,
        actor=agent,
        intake=parts_intake(vehicle=vehicle(vin=OTHER_VIN, plate="粤B12345")),
    )

    assert same_mobile.repeat_of == parts_work_order
    assert list(parts_work_order.repeats.all()) == [same_mobile]
    assert parts_work_order.events.get(kind="work_order.repeated").data == {"by": same_mobile.number}
    assert same_mobile.events.get(kind="work_order.created").data["repeat_of"] == parts_work_order.number


def test_event_log_refuses_updates_and_deletes(parts_work_order):
    from django.db import DatabaseError, transaction

    event = parts_work_order.events.first()
    for attempt in (
        lambda: type(event).objects.filter(pk=event.pk).update(kind="x"),
        lambda: type(event).objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert type(event).objects.get(pk=event.pk).kind == "work_order.created"


def test_owners_are_found_again_by_mobile_plate_or_vin(parts_work_order):
    from hotline.selectors import owners_matching

    for query in ("13802561234", "粤a3k8m2", parts_work_order.vehicle.vin.lower()):
        assert [o.name for o in owners_matching(query)] == ["王建华"]
    assert not owners_matching("13900000000").exists()
