"""The demo data: realistic, complete, and loading it twice changes nothing."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.models import Conclusion, Owner, Vehicle, WorkOrder, WorkOrderEvent
from hotline.vin import validate_mobile, validate_plate, validate_vin
from tenants.models import (
    Manufacturer,
    Membership,
    NetworkMembership,
    PartsCentre,
    Region,
    Role,
    Tenant,
    User,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    public = tuple(
        model.objects.count()
        for model in (Manufacturer, Tenant, NetworkMembership, Region, PartsCentre, User, Membership)
    )
    hotline_rows = []
    for manufacturer in Manufacturer.objects.all():
        with tenant_context(manufacturer.hotline):
            hotline_rows += [
                Owner.objects.count(),
                Vehicle.objects.count(),
                WorkOrder.objects.count(),
                WorkOrderEvent.objects.count(),
            ]
    connection.set_schema_to_public()
    return (*public, *hotline_rows)


def test_demo_is_complete_and_idempotent():
    call_command("load_demo")
    first = counts()
    call_command("load_demo")

    assert counts() == first
    huaqi, dongyue = Manufacturer.objects.get(code="HQ"), Manufacturer.objects.get(code="DY")
    assert huaqi.network.count() == 8
    assert huaqi.regions.count() == 2
    assert huaqi.parts_centres.count() == 2
    assert dongyue.network.count() == 2
    both = Tenant.objects.filter(networks__manufacturer=huaqi).filter(networks__manufacturer=dongyue)
    assert list(both.values_list("slug", flat=True)) == ["gz-junda"]
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    # The 华南 parts centre's clerk works its requests on 华骐's host.
    clerk = Membership.objects.get(user__username="hq.pc-gz")
    assert (clerk.tenant.slug, clerk.role, clerk.parts_centre.code) == (
        "huaqi",
        "parts_centre_staff",
        "PC-GZ",
    )
    # One person in two stores of a group.
    assert Counter(Membership.objects.values_list("user__username", flat=True))["zhao.gm"] == 2


def test_demo_owners_have_valid_vins_plates_and_mobiles():
    call_command("load_demo")

    for manufacturer in Manufacturer.objects.all():
        with tenant_context(manufacturer.hotline):
            vehicles = list(Vehicle.objects.select_related("owner"))
            assert vehicles
            for vehicle in vehicles:
                validate_vin(vehicle.vin)
                validate_plate(vehicle.plate)
                validate_mobile(vehicle.owner.mobile)
    connection.set_schema_to_public()


def test_if_empty_skips_a_database_that_has_data(manufacturer):
    call_command("load_demo", "--if-empty")

    assert not User.objects.exists()
    assert Manufacturer.objects.count() == 1


def test_demo_work_orders_went_through_the_real_services():
    call_command("load_demo")

    huaqi = Manufacturer.objects.get(code="HQ")
    with tenant_context(huaqi.hotline):
        states = set(WorkOrder.objects.values_list("state", flat=True))
        closed = WorkOrder.objects.get(state="closed")
        kinds = list(closed.events.values_list("kind", flat=True))
        # The handbook's cases filed as it files them: the two-hour wait under waiting time, the
        # misquoted blower a repair-quality complaint (no parts shortage).
        filed = {
            wo.complaint[:12]: (wo.type, wo.category)
            for wo in WorkOrder.objects.filter(complaint__contains="小时")
            | WorkOrder.objects.filter(complaint__contains="鼓风机")
        }
    connection.set_schema_to_public()
    assert sorted(filed.values()) == [("complaint", "repair_quality"), ("complaint", "waiting_time")]
    assert states == {"dispatched", "processing", "awaiting_parts", "resolved", "closed"}
    assert kinds.index("work_order.first_contact") < kinds.index("work_order.closed")


def test_resolved_and_closed_demo_work_orders_carry_a_conclusion_and_a_second_run_adds_none():
    call_command("load_demo")
    huaqi = Manufacturer.objects.get(code="HQ")
    with tenant_context(huaqi.hotline):
        finished = WorkOrder.objects.filter(state__in=["resolved", "closed"])
        assert finished.count() == Conclusion.objects.filter(work_order__in=finished).count() == 2
        closed = Conclusion.objects.get(work_order__state="closed")
        assert closed.review_opinion
        # A database loaded before conclusions existed: a later run gives them theirs, once.
        Conclusion.objects.all().delete()
    connection.set_schema_to_public()
    call_command("load_demo")
    with tenant_context(huaqi.hotline):
        assert Conclusion.objects.count() == 2
        assert Conclusion.objects.get(work_order__state="closed").review_opinion
        rows = list(Conclusion.objects.order_by("pk").values_list("pk", "root_cause__code"))
    connection.set_schema_to_public()
    call_command("load_demo")
    with tenant_context(huaqi.hotline):
        assert list(Conclusion.objects.order_by("pk").values_list("pk", "root_cause__code")) == rows
    connection.set_schema_to_public()
