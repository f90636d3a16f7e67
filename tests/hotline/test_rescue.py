"""Roadside rescue (道路救援): routed by where the car stands to the nearest dealer offering
24-hour rescue, on 24x7 windows in minutes; the rescuing dealer promises its arrival; the
owner's usual dealer is told; bad input is refused field by field."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation
from django_tenants.utils import tenant_context

from hotline.models import Clock, Owner, Vehicle, WorkOrder, WorkOrderEvent
from hotline.services.policy import DEFAULT_WINDOWS, WindowSpec, default_window, policy_publish
from hotline.services.work_orders import Intake, work_order_create
from live.relay import relay_everywhere
from notifications.models import Notification
from tenants.models import NetworkMembership, Role
from tenants.services.api_keys import api_key_create

from ..conftest import (
    VIN,
    WORK_ORDERS_API,
    api_client,
    api_intake,
    client_for,
    dispatch_relayed,
    intake_post,
    join,
    numbers,
    owner,
    person,
    vehicle,
)

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
# Saturday 6 March 2027, 23:10 in Shanghai: a weekend night.
SATURDAY_NIGHT = dt.datetime(2027, 3, 6, 23, 10, tzinfo=BEIJING)
MIN = dt.timedelta(minutes=1)

# Where things stand (GCJ-02): 广州天河 and 深圳福田; the car broke down on the 广深高速 near 深圳.
TIANHE = (Decimal("23.129100"), Decimal("113.264400"))
FUTIAN = (Decimal("22.543100"), Decimal("114.057900"))
NEAR_SHENZHEN = {"latitude": "22.600000", "longitude": "114.050000"}


def rescue_location(**changes: object) -> dict:
    return {
        "province": "广东",
        "city": "深圳",
        "district": "龙华区",
        "address": "广深高速 K98 处应急车道",
        "drivable": False,
        **changes,
    }


def rescue_intake(**changes: object) -> Intake:
    values: dict = {
        "type": "rescue",
        "category": "rescue",
        "channel": "phone",
        "complaint": "车辆在高速上熄火，无法再次启动，车主在应急车道等候。",
        "owner": owner(),
        "vehicle": vehicle(),
        "location": rescue_location(),
    }
    values.update(changes)
    return Intake(**values)


def offer_rescue(dealer, *, at=None, district: str = "", phone: str = "400-800-1234") -> None:
    NetworkMembership.objects.filter(dealer=dealer).update(
        offers_rescue=True,
        rescue_duty_phone=phone,
        district=district,
        latitude=at[0] if at else None,
        longitude=at[1] if at else None,
    )


@pytest.fixture
def rescuers(manufacturer, network):
    """骏达 (广州天河) and 鹏城 (深圳福田) offer 24-hour rescue; 禅城 (佛山) would, but is inactive."""
    offer_rescue(network["junda"], at=TIANHE, district="天河区", phone="020-38880000")
    offer_rescue(network["pengcheng"], at=FUTIAN, district="福田区", phone="0755-83330000")
    offer_rescue(network["chancheng"], at=(Decimal("22.60"), Decimal("114.05")))
    return network


def servicing(hotline, dealer) -> None:
    """The owner's car is serviced by ``dealer`` (its usual dealer)."""
    with tenant_context(hotline):
        person_ = Owner.objects.create(**owner())
        Vehicle.objects.create(owner=person_, vin=VIN, model="华骐 S5", servicing_dealer_id=dealer.pk)


def create(manufacturer, agent, hotline, **changes) -> WorkOrder:
    with tenant_context(hotline):
        return work_order_create(manufacturer=manufacturer, actor=agent, intake=rescue_intake(**changes))


def routing_of(hotline, work_order: WorkOrder) -> str:
    with tenant_context(hotline):
        return WorkOrderEvent.objects.get(work_order=work_order, kind="work_order.dispatched").data["routing"]


# --- routed by where the car stands ---------------------------------------------------------


def test_a_rescue_goes_to_the_nearest_rescuing_dealer_not_to_the_owners_usual_one(
    manufacturer, hotline, agent, rescuers
):
    servicing(hotline, rescuers["junda"])

    wo = create(manufacturer, agent, hotline, location=rescue_location(**NEAR_SHENZHEN))

    # 鹏城 (6 km) rather than 骏达 (the usual dealer, 100 km away) or 禅城 (on the spot, but inactive).
    assert wo.dealer_id == rescuers["pengcheng"].pk
    assert routing_of(hotline, wo) == "rescue_nearest"
    with tenant_context(hotline):
        wo.refresh_from_db()
    assert (wo.location_city, wo.location_district, wo.drivable) == ("深圳", "龙华区", False)
    assert wo.location_latitude == Decimal("22.600000")


def test_without_coordinates_the_same_district_then_the_same_city_then_the_province(
    manufacturer, hotline, agent, rescuers
):
    baiyun = join(manufacturer, "gz-baiyun", "HQ-GD-010", city="广州").dealer
    offer_rescue(baiyun, district="白云区")
    not_rescuing = join(manufacturer, "gz-yuexiu", "HQ-GD-000", city="广州").dealer
    NetworkMembership.objects.filter(dealer=not_rescuing).update(district="天河区")
    in_guangzhou = {"city": "广州", "address": "天河路 385 号"}

    same_district = create(
        manufacturer, agent, hotline, location=rescue_location(district="白云区", **in_guangzhou)
    )
    same_city = create(
        manufacturer, agent, hotline, location=rescue_location(district="番禺区", **in_guangzhou)
    )
    same_province = create(
        manufacturer, agent, hotline, location=rescue_location(city="珠海", district="香洲区")
    )

    assert (same_district.dealer_id, routing_of(hotline, same_district)) == (
        baiyun.pk,
        "rescue_same_district",
    )
    # 广州 by dealer code: 骏达 HQ-GD-001 (越秀 HQ-GD-000 offers no rescue).
    assert (same_city.dealer_id, routing_of(hotline, same_city)) == (rescuers["junda"].pk, "rescue_same_city")
    assert routing_of(hotline, same_province) == "rescue_same_province"
    assert same_province.dealer_id in {rescuers["junda"].pk, rescuers["pengcheng"].pk, baiyun.pk}


def test_nowhere_near_any_rescuing_dealer_the_agent_must_choose(manufacturer, hotline, agent, rescuers):
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        create(
            manufacturer,
            agent,
            hotline,
            location=rescue_location(province="湖南", city="长沙", district="岳麓区"),
        )
    assert "24-hour rescue" in refused.value.message_dict["dealer"][0]
    assert numbers(hotline) == []


# --- the windows ------------------------------------------------------------------------------


def clocks(hotline, wo: WorkOrder) -> dict[str, Clock]:
    with tenant_context(hotline):
        return {c.kind: c for c in Clock.objects.filter(work_order=wo)}


@time_machine.travel(SATURDAY_NIGHT, tick=False)
def test_rescue_windows_are_minutes_of_wall_clock_time_at_night_and_at_the_weekend(
    manufacturer, hotline, agent, rescuers
):
    wo = create(manufacturer, agent, hotline, location=rescue_location(**NEAR_SHENZHEN))
    running = clocks(hotline, wo)

    assert running["first_contact"].due_at == SATURDAY_NIGHT + 15 * MIN
    assert running["arrival_promised"].due_at == SATURDAY_NIGHT + 30 * MIN
    assert running["first_contact"].calendar == running["arrival_promised"].calendar == "wall"


@time_machine.travel(SATURDAY_NIGHT, tick=False)
def test_a_policy_published_before_rescue_windows_existed_still_gives_them_and_can_change_them(
    manufacturer, hotline, agent, admin, rescuers
):
    # A policy on business hours for first contact, published without any rescue window.
    older = [
        WindowSpec("first_contact", 120, calendar="business_hours", warn_before=(30,))
        if w.kind == "first_contact" and not w.work_order_type
        else w
        for w in DEFAULT_WINDOWS
        if w.work_order_type != "rescue"
    ]
    with tenant_context(hotline):
        policy_publish(actor=admin, windows=older)
    wo = create(manufacturer, agent, hotline, location=rescue_location(**NEAR_SHENZHEN))
    assert clocks(hotline, wo)["first_contact"].due_at == SATURDAY_NIGHT + 15 * MIN
    assert clocks(hotline, wo)["arrival_promised"].due_at == SATURDAY_NIGHT + 30 * MIN

    # Changed by the administrator: 20 and 45 minutes for rescues; complaints keep business hours.
    changed = [
        *older,
        WindowSpec("first_contact", 20, warn_before=(5,), work_order_type="rescue"),
        WindowSpec("arrival_promised", 45, warn_before=(10,), work_order_type="rescue"),
    ]
    with tenant_context(hotline):
        policy_publish(actor=admin, windows=changed)
    later = create(manufacturer, agent, hotline, location=rescue_location(**NEAR_SHENZHEN))
    assert clocks(hotline, later)["first_contact"].due_at == SATURDAY_NIGHT + 20 * MIN
    assert clocks(hotline, later)["arrival_promised"].due_at == SATURDAY_NIGHT + 45 * MIN
    with tenant_context(hotline):
        complaint = work_order_create(
            manufacturer=manufacturer,
            actor=agent,
            intake=rescue_intake(
                type="complaint", category="waiting_time", location=None, dealer_id=rescuers["junda"].pk
            ),
        )
    assert "arrival_promised" not in clocks(hotline, complaint)
    # Business hours: Monday 8 March 10:30.
    assert clocks(hotline, complaint)["first_contact"].due_at == dt.datetime(
        2027, 3, 8, 10, 30, tzinfo=BEIJING
    )


def test_the_policy_page_shows_the_rescue_windows_of_an_older_policy(hotline, admin, rescuers):
    with tenant_context(hotline):
        policy_publish(actor=admin, windows=[w for w in DEFAULT_WINDOWS if w.work_order_type != "rescue"])
    connection.set_schema_to_public()
    page = client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN)).get(
        "/administration/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Rescue arrival time promised" in page.content.decode()


# --- the rescuing dealer promises its arrival ---------------------------------------------------


@time_machine.travel(SATURDAY_NIGHT, tick=False)
def test_the_promised_arrival_stops_its_window_portal_and_api(manufacturer, hotline, agent, rescuers):
    wo = create(manufacturer, agent, hotline, location=rescue_location(**NEAR_SHENZHEN))
    connection.set_schema_to_public()
    pengcheng = rescuers["pengcheng"]
    crm = client_for(pengcheng, person("pc.crm", pengcheng, Role.DEALER_CRM_MANAGER))
    url = f"/work-orders/HQ/{wo.number}/"
    page = crm.get(url).content.decode()
    assert 'data-testid="arrival-form"' in page
    assert "广深高速 K98" in page

    past = crm.post(url + "arrival/", {"arrival_promised_at": "2027-03-06T22:00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert past.status_code == 400
    assert "past" in past.context["arrival_form"].errors["arrival_promised_at"][0]
    assert clocks(hotline, wo)["arrival_promised"].stopped_at is None

    assert crm.post(url + "arrival/", {"arrival_promised_at": "2027-03-07T00:05"}).status_code == 302
    arrival = clocks(hotline, wo)["arrival_promised"]
    assert (arrival.state, arrival.met) == ("stopped", True)
    assert clocks(hotline, wo)["first_contact"].state == "running"  # the call is another window
    with tenant_context(hotline):
        wo.refresh_from_db()
    assert wo.arrival_promised_at == dt.datetime(2027, 3, 7, 0, 5, tzinfo=BEIJING)

    connection.set_schema_to_public()
    dms = api_client(pengcheng, api_key_create(tenant=pengcheng, name="DMS", scope="write").secret)
    later = dms.post(
        f"/api/v1/work-orders/HQ/{wo.number}/arrival-promise/",
        {"arrival_promised_at": "2027-03-07T00:20:00+08:00", "note": "拖车已出发"},
        format="json",
    )
    assert later.status_code == 200, later.json()
    assert later.json()["location"]["arrival_promised_at"] == "2027-03-07T00:20:00+08:00"
    assert later.json()["location"]["drivable"] is False


def test_only_a_rescue_has_an_arrival_time(hotline, network, parts_work_order):
    number = parts_work_order.number
    connection.set_schema_to_public()
    junda = network["junda"]
    dms = api_client(junda, api_key_create(tenant=junda, name="DMS", scope="write").secret)
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=40)).isoformat()
    refused = dms.post(
        f"/api/v1/work-orders/HQ/{number}/arrival-promise/",
        {"arrival_promised_at": when},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    assert "arrival_promised_at" in refused.json()["errors"]


def test_another_dealer_gets_404_on_the_arrival_action(
    manufacturer, hotline, agent, rescuers, foreign_dealer
):
    wo = create(manufacturer, agent, hotline, location=rescue_location(**NEAR_SHENZHEN))
    connection.set_schema_to_public()
    when = (dt.datetime.now(BEIJING) + dt.timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M")
    for stranger in (rescuers["junda"], foreign_dealer):
        crm = client_for(stranger, person(f"{stranger.slug}.crm", stranger, Role.DEALER_CRM_MANAGER))
        assert (
            crm.post(f"/work-orders/HQ/{wo.number}/arrival/", {"arrival_promised_at": when}).status_code
            == 404
        )
        key = api_key_create(tenant=stranger, name="DMS", scope="write").secret
        answer = api_client(stranger, key).post(
            f"/api/v1/work-orders/HQ/{wo.number}/arrival-promise/",
            {"arrival_promised_at": when},
            format="json",
        )
        assert answer.status_code == 404
    with tenant_context(hotline):
        wo.refresh_from_db()
    assert wo.arrival_promised_at is None
    assert clocks(hotline, wo)["arrival_promised"].state == "running"


# --- the owner's usual dealer is told ---------------------------------------------------------------


def test_the_servicing_dealer_is_told_when_another_dealer_rescues_its_customer(
    manufacturer, hotline, agent, rescuers
):
    junda, pengcheng = rescuers["junda"], rescuers["pengcheng"]
    junda_crm = person("junda.crm", junda, Role.DEALER_CRM_MANAGER)
    pengcheng_crm = person("pc.crm", pengcheng, Role.DEALER_CRM_MANAGER)
    servicing(hotline, junda)

    wo = create(manufacturer, agent, hotline, location=rescue_location(**NEAR_SHENZHEN))
    connection.set_schema_to_public()
    relay_everywhere()
    dispatch_relayed()

    with tenant_context(junda):
        told_junda = list(Notification.objects.values_list("user_id", "kind", "work_order_number"))
    with tenant_context(pengcheng):
        told_pengcheng = {kind for _u, kind in Notification.objects.values_list("user_id", "kind")}
    assert told_junda == [(junda_crm.pk, "rescue.servicing_dealer_informed", wo.number)]
    assert "work_order.dispatched" in told_pengcheng
    assert "rescue.servicing_dealer_informed" not in told_pengcheng
    # Told, not given the work order: it stays the rescuing dealer's.
    connection.set_schema_to_public()
    assert client_for(junda, junda_crm).get(f"/work-orders/HQ/{wo.number}/").status_code == 404
    # ... so the notification centre names the work order without a link to that 404.
    centre = client_for(junda, junda_crm).get("/notifications/").content.decode()
    assert wo.number in centre
    assert f"/work-orders/HQ/{wo.number}/" not in centre
    pengcheng_crm  # noqa: B018 (a member, so that 鹏城 has someone to tell)


def test_no_one_else_is_told_when_the_usual_dealer_rescues(manufacturer, hotline, agent, rescuers):
    servicing(hotline, rescuers["pengcheng"])
    wo = create(manufacturer, agent, hotline, location=rescue_location(**NEAR_SHENZHEN))
    with tenant_context(hotline):
        assert not WorkOrderEvent.objects.filter(
            work_order=wo, kind="rescue.servicing_dealer_informed"
        ).exists()


# --- bad input, named -----------------------------------------------------------------------------


def test_bad_rescue_input_is_named_and_nothing_is_written(hotline, rescuers):
    key = api_key_create(tenant=hotline, name="呼叫中心 CTI", scope="write").secret
    client = api_client(hotline, key)
    rescue = {"type": "rescue", "category": "rescue", "part_lines": []}

    missing = client.post(
        WORK_ORDERS_API, api_intake(**rescue, dealer="HQ-GD-002"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert missing.status_code == 400
    assert {
        "location.province",
        "location.city",
        "location.district",
        "location.address",
        "location.drivable",
    } <= set(missing.json()["errors"])

    one_coordinate = client.post(
        WORK_ORDERS_API,
        api_intake(**rescue, location=rescue_location(latitude="22.6")),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert one_coordinate.status_code == 400
    assert "both coordinates" in one_coordinate.json()["errors"]["location.longitude"][0]

    off_the_map = client.post(
        WORK_ORDERS_API,
        api_intake(**rescue, location=rescue_location(latitude="95", longitude="114.05")),
        format="json",
    )
    assert off_the_map.status_code == 400
    assert "location.latitude" in off_the_map.json()["errors"]

    not_a_rescue = client.post(
        WORK_ORDERS_API, api_intake(location=rescue_location()), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert not_a_rescue.status_code == 400
    assert "roadside-rescue" in not_a_rescue.json()["errors"]["location"][0]
    assert numbers(hotline) == []


def test_the_portal_takes_a_rescue_and_names_what_is_missing(hotline, rescuers):
    agent = client_for(hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT))
    rescue = intake_post(lines=[], type="rescue", category="rescue")

    page = agent.get("/work-orders/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="rescue-location"' in page  # there without script; script hides it for other types

    refused = agent.post("/work-orders/new/", {**rescue, "location_city": "深圳"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    errors = refused.context["form"].errors
    assert {"location_province", "location_district", "location_address", "location_drivable"} <= set(errors)
    assert "location_city" not in errors
    assert numbers(hotline) == []

    saved = agent.post(
        "/work-orders/new/",
        {
            **rescue,
            "token": "t2",
            "location_province": "广东",
            "location_city": "深圳",
            "location_district": "龙华区",
            "location_address": "广深高速 K98 处应急车道",
            "location_latitude": "22.600000",
            "location_longitude": "114.050000",
            "location_drivable": "no",
        },
    )
    assert saved.status_code == 302
    [number] = numbers(hotline)
    with tenant_context(hotline):
        wo = WorkOrder.objects.get(number=number)
    assert (wo.dealer_id, wo.drivable) == (rescuers["pengcheng"].pk, False)
    connection.set_schema_to_public()
    detail = agent.get(f"/work-orders/{number}/").content.decode()
    assert "广深高速 K98" in detail


def test_the_intake_hints_show_the_nearest_rescuers_with_distance_and_duty_phone(hotline, rescuers):
    agent = client_for(hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT))
    hints = agent.get(
        "/work-orders/new/hints/",
        {"type": "rescue", "location_latitude": "22.6", "location_longitude": "114.05"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = hints.content.decode()
    assert html.index("HQ-GD-002") < html.index("HQ-GD-001")  # 鹏城 first, the nearer
    assert "6.4 km" in html  # by haversine
    assert "0755-83330000" in html
    assert "HQ-GD-003" not in html  # inactive
    complaint = agent.get("/work-orders/new/hints/", {"type": "complaint"}).content.decode()
    assert "rescue-suggestions" not in complaint


# --- the dealer declares its rescue service ---------------------------------------------------------


def test_the_dealer_declares_its_rescue_service_and_another_dealer_cannot(manufacturer, hotline, network):
    junda, pengcheng = network["junda"], network["pengcheng"]
    place = NetworkMembership.objects.get(dealer=junda)
    admin = client_for(junda, person("junda.admin", junda, Role.DEALER_CRM_MANAGER))
    form = {
        "place": place.pk,
        "offers_rescue": "on",
        "district": "天河区",
        "latitude": "23.1291",
        "longitude": "",
    }

    no_phone = admin.post("/administration/networks/rescue/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert no_phone.status_code == 400
    html = no_phone.content.decode()
    assert "day and night" in html
    assert "both coordinates" in html
    place.refresh_from_db()
    assert place.offers_rescue is False

    saved = admin.post(
        "/administration/networks/rescue/",
        {**form, "rescue_duty_phone": "020-38880000", "longitude": "113.2644"},
    )
    assert saved.status_code == 302
    place.refresh_from_db()
    assert (place.offers_rescue, place.rescue_duty_phone, place.district) == (True, "020-38880000", "天河区")
    assert place.latitude == Decimal("23.129100")

    connection.set_schema_to_public()
    other = client_for(pengcheng, person("pc.admin", pengcheng, Role.DEALER_CRM_MANAGER))
    stolen = other.post(
        "/administration/networks/rescue/", {"place": place.pk, "rescue_duty_phone": "0755-1234567"}
    )
    assert stolen.status_code == 404
    place.refresh_from_db()
    assert place.rescue_duty_phone == "020-38880000"

    connection.set_schema_to_public()
    network_page = client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN)).get(
        "/administration/network/"
    )
    assert "020-38880000" in network_page.content.decode()


def test_a_station_that_cannot_go_asks_for_a_transfer_with_its_reason(manufacturer, hotline, agent, rescuers):
    wo = create(manufacturer, agent, hotline, location=rescue_location(**NEAR_SHENZHEN))
    connection.set_schema_to_public()
    pengcheng = rescuers["pengcheng"]
    crm = client_for(pengcheng, person("pc.crm", pengcheng, Role.DEALER_CRM_MANAGER))

    asked = crm.post(
        f"/work-orders/HQ/{wo.number}/transfer/",
        {"reason": "救援车正在惠州出车，两小时内无法到达"},
    )

    assert asked.status_code == 302
    with tenant_context(hotline):
        requested = WorkOrderEvent.objects.get(work_order=wo, kind="transfer.requested")
    assert requested.data["reason"] == "救援车正在惠州出车，两小时内无法到达"
    connection.set_schema_to_public()
    supervisor = client_for(hotline, person("hq.supervisor", hotline, Role.HOTLINE_SUPERVISOR))
    assert "救援车正在惠州出车" in supervisor.get(f"/work-orders/{wo.number}/").content.decode()


def test_the_api_records_a_rescue_and_both_apis_show_where_the_car_stands(hotline, rescuers):
    client = api_client(hotline, api_key_create(tenant=hotline, name="呼叫中心 CTI", scope="write").secret)
    body = api_intake(
        type="rescue",
        category="rescue",
        part_lines=[],
        location=rescue_location(latitude="22.600000", longitude="114.050000", drivable=True),
    )
    body.pop("dealer")

    created = client.post(WORK_ORDERS_API, body, format="json")

    assert created.status_code == 201, created.json()
    out = created.json()
    assert out["dealer"]["code"] == "HQ-GD-002"
    assert out["location"] == {
        "province": "广东",
        "city": "深圳",
        "district": "龙华区",
        "address": "广深高速 K98 处应急车道",
        "latitude": 22.6,
        "longitude": 114.05,
        "drivable": True,
        "arrival_promised_at": None,
    }
    assert client.get(created["Location"]).json() == out  # the answer is the document a read gives
    pengcheng = rescuers["pengcheng"]
    dms = api_client(pengcheng, api_key_create(tenant=pengcheng, name="DMS", scope="read").secret)
    seen = dms.get(f"/api/v1/work-orders/HQ/{out['number']}/").json()
    assert seen["location"]["address"] == "广深高速 K98 处应急车道"
    assert {c["kind"] for c in seen["clocks"]} >= {"first_contact", "arrival_promised"}
    parts = client.get(WORK_ORDERS_API).json()
    assert parts["results"][0]["location"]["city"] == "深圳"


def test_windows_added_later_apply_to_older_policies_by_kind_and_type(hotline, admin):
    without = [w for w in DEFAULT_WINDOWS if w.kind != "dealer_callback" and w.work_order_type != "rescue"]
    with tenant_context(hotline):
        older = policy_publish(actor=admin, windows=without)
        assert default_window(older, "dealer_callback").minutes == 3 * 24 * 60
        assert default_window(older, "dealer_callback", "rescue").minutes == 3 * 24 * 60
        assert default_window(older, "first_contact", "rescue").minutes == 15
        assert default_window(older, "first_contact", "complaint") is None  # its own 2 hours stand
        assert default_window(older, "arrival_promised", "complaint") is None
        current = policy_publish(actor=admin, windows=list(DEFAULT_WINDOWS))
        assert [default_window(current, k, "rescue") for k in ("dealer_callback", "first_contact")] == [
            None,
            None,
        ]
