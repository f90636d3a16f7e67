"""Two agents recording the same new owner and car at the same moment make one owner and one
vehicle record, and the second complaint is counted as a repeat of the first."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

import psycopg
import time_machine
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.models import Owner, Vehicle, WorkOrder
from hotline.services import work_orders
from hotline.services.work_orders import work_order_create

from ..conftest import VIN, parts_intake, race


def recording(manufacturer, actor: Actor, dealer) -> Callable[[], str]:
    """An agent of ``manufacturer``'s hotline recording the usual owner and car for ``dealer``."""

    def record() -> str:
        return work_order_create(
            manufacturer=manufacturer, actor=actor, intake=parts_intake(dealer_id=dealer.pk)
        ).number

    return record


def test_the_same_new_owner_and_car_recorded_at_once_are_one_record(
    committed_tenants, hotline, network, agent
):
    record = recording(hotline.manufacturer, agent, network["junda"])
    outcome, waited = race(hotline, record, record)
    assert waited  # the second recording really met the first one's uncommitted owner
    assert "error" not in outcome, outcome.get("error")
    with tenant_context(hotline):
        assert Owner.objects.filter(mobile=parts_intake().owner["mobile"]).count() == 1
        assert Vehicle.objects.filter(vin=VIN).count() == 1
        later = WorkOrder.objects.select_related("repeat_of").get(number=outcome["second"])
        assert later.repeat_of.number == outcome["first"]


def test_another_hotline_recording_the_same_owner_and_car_at_once_does_not_wait(
    committed_tenants, hotline, network, agent, other_manufacturer, foreign_dealer
):
    """What keeps two agents of one hotline from making two records of one new owner is that
    hotline's own: another manufacturer's hotline recording the same mobile and VIN at the same
    moment goes straight through, and learns nothing from a wait."""
    other = other_manufacturer.hotline
    other_agent = Actor(user_id=301, name="赵敏", tenant_id=other.pk, role="hotline_agent")

    outcome, waited = race(
        hotline,
        recording(hotline.manufacturer, agent, network["junda"]),
        recording(other_manufacturer, other_agent, foreign_dealer),
        second_in=other,
    )
    assert not waited
    assert "error" not in outcome, outcome.get("error")
    assert outcome["second"].startswith("DY")
    with tenant_context(other):
        assert Owner.objects.filter(mobile=parts_intake().owner["mobile"]).count() == 1
        assert WorkOrder.objects.get(number=outcome["second"]).repeat_of is None


# Mid-morning in Shanghai: both creations of a test fall on the same local day.
MORNING = dt.datetime(2027, 3, 8, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@time_machine.travel(MORNING, tick=True)
def test_the_days_serial_is_free_and_the_work_order_committed_once_its_number_is_given(
    committed_tenants, hotline, network, agent, monkeypatch
):
    """The creation's last statement (the day's serial, the number, the events) goes with its
    COMMIT: the moment the number comes back, another creation can take the serial and everyone
    sees the work order. Were the COMMIT sent after the reply, the serial row would still be
    locked here, every other creation of the hotline waiting behind this process."""
    seen: dict[str, object] = {}
    numbered = work_orders._numbered

    def numbered_then_look(*args, **kwargs):
        number = numbered(*args, **kwargs)
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
            other.execute(f'SET search_path TO "{hotline.schema_name}"')
            try:
                seen["serial"] = other.execute(
                    "SELECT last FROM hotline_dailysequence FOR UPDATE NOWAIT"
                ).fetchall()
            except psycopg.errors.LockNotAvailable:
                seen["serial"] = "locked"
            seen["visible"] = other.execute(
                "SELECT count(*) FROM hotline_workorder WHERE number = %s", [number]
            ).fetchone()[0]
        return number

    def create() -> WorkOrder:
        return work_order_create(
            manufacturer=hotline.manufacturer,
            actor=agent,
            intake=parts_intake(dealer_id=network["junda"].pk),
        )

    with tenant_context(hotline):
        create()  # the day's serial row exists from here on
        monkeypatch.setattr(work_orders, "_numbered", numbered_then_look)
        created = create()
        assert seen == {"serial": [(2,)], "visible": 1}
        stored = WorkOrder.objects.get(pk=created.pk)
        assert stored.number == created.number
        assert stored.events.get(kind="work_order.created").data["number"] == created.number


@time_machine.travel(MORNING, tick=True)
def test_a_creation_inside_a_larger_transaction_is_committed_by_that_transaction(
    committed_tenants, hotline, network, agent
):
    """Inside a caller's own transaction the creation's last statement does not commit: what
    the caller does after it still rolls back with it."""
    with tenant_context(hotline):
        try:
            with transaction.atomic():
                created = work_order_create(
                    manufacturer=hotline.manufacturer,
                    actor=agent,
                    intake=parts_intake(dealer_id=network["junda"].pk),
                )
                raise RuntimeError("the caller fails after the creation")
        except RuntimeError:
            pass
        assert not WorkOrder.objects.filter(number=created.number).exists()
        again = work_order_create(
            manufacturer=hotline.manufacturer,
            actor=agent,
            intake=parts_intake(dealer_id=network["junda"].pk),
        )
        assert again.number == created.number  # the serial rolled back too
