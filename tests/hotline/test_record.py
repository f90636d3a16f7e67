"""The complaint's whole record: who complained when not the owner, when to call, when it
happened, the sale; the owner's postcode; the dealer's repair record. Recorded at intake through
the portal and the API, seen by the hotline and the dealer, refused field by field when wrong."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.models import WorkOrder
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import (
    WORK_ORDERS_API,
    api_client,
    api_intake,
    client_for,
    intake_post,
    numbers,
    owner,
    person,
)

pytestmark = pytest.mark.django_db

# Tuesday 2 March 2027, 10:00 in Shanghai.
NOW = dt.datetime(2027, 3, 2, 2, 0, tzinfo=dt.UTC)

RECORD = {
    "complainant_name": "王小明",
    "complainant_phone": "020-87654321",
    "complainant_relation": "车主之子",
    "preferred_contact_time": "工作日 9:00–12:00",
    "incident_at": "2027-02-27T15:30",
    "sales_contract_number": "HT-2024-0518",
    "sales_consultant": "陈静",
    "owner_postcode": "510620",
    "owner_landline": "020-38881234",
    "owner_email": "wang.jh@example.cn",
}


def work_order(hotline, number: str) -> WorkOrder:
    with tenant_context(hotline):
        return WorkOrder.objects.select_related("owner").get(number=number)


@time_machine.travel(NOW, tick=False)
def test_the_portal_records_the_whole_complaint_and_the_dealer_sees_it(hotline, network):
    agent = client_for(hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT))
    posted = agent.post(
        "/work-orders/new/",
        intake_post(type="complaint", category="sales", lines=[], dealer="HQ-GD-001", **RECORD),
    )
    assert posted.status_code == 302
    (number,) = numbers(hotline)
    wo = work_order(hotline, number)
    assert (wo.complainant_name, wo.complainant_phone, wo.complainant_relation) == (
        "王小明",
        "020-87654321",
        "车主之子",
    )
    assert wo.incident_at == dt.datetime(2027, 2, 27, 7, 30, tzinfo=dt.UTC)  # 15:30 in Shanghai
    assert (wo.sales_contract_number, wo.sales_consultant) == ("HT-2024-0518", "陈静")
    assert wo.owner.postcode == "510620"

    page = agent.get(f"/work-orders/{number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "王小明（车主之子）" in page or "王小明 (车主之子)" in page
    assert "2027-02-27 15:30" in page
    assert "510620" in page

    connection.set_schema_to_public()
    crm = client_for(network["junda"], person("junda.crm", network["junda"], Role.DEALER_CRM_MANAGER))
    dealer_page = crm.get(f"/work-orders/HQ/{number}/").content.decode()
    for shown in (
        "020-38881234",
        "wang.jh@example.cn",
        "天河区体育西路 103 号",
        "510620",
        "王小明",
        "工作日 9:00–12:00",
    ):
        assert shown in dealer_page, shown


@time_machine.travel(NOW, tick=False)
def test_bad_record_fields_are_named_and_nothing_is_written(hotline, network):
    agent = client_for(hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT))
    refused = agent.post(
        "/work-orders/new/",
        intake_post(
            complainant_name="王小明",
            complainant_phone="12345",
            incident_at="2027-03-05T09:00",  # after the call
            owner_postcode="51062",
        ),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    errors = refused.context["form"].errors
    assert "landline" in errors["complainant_phone"][0]
    assert "after the complaint was received" in errors["incident_at"][0]
    assert "6 digits" in errors["owner_postcode"][0]
    no_phone = agent.post(
        "/work-orders/new/",
        intake_post(token="t2", complainant_relation="司机"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert no_phone.status_code == 400
    assert no_phone.context["form"].errors["complainant_name"]
    assert no_phone.context["form"].errors["complainant_phone"]
    assert numbers(hotline) == []


@time_machine.travel(NOW, tick=False)
def test_the_api_takes_and_gives_the_record(hotline, network):
    key = api_key_create(tenant=hotline, name="呼叫中心 CTI", scope="write").secret
    client = api_client(hotline, key)
    body = api_intake(
        owner=owner(postcode="510620", landline="020-38881234"),
        complainant={"name": "王小明", "phone": "13912345678", "relation": "家属"},
        preferred_contact_time="晚上 7 点后",
        incident_at="2027-03-01T20:15:00+08:00",
        sales_contract_number="HT-2024-0518",
        sales_consultant="陈静",
    )
    created = client.post(WORK_ORDERS_API, body, format="json")
    assert created.status_code == 201, created.json()
    out = created.json()
    assert out["complainant"] == {"name": "王小明", "phone": "13912345678", "relation": "家属"}
    assert out["incident_at"] == "2027-03-01T20:15:00+08:00"
    assert out["preferred_contact_time"] == "晚上 7 点后"
    assert out["repair"] == {"order_number": "", "service_advisor": "", "team": "", "labour_description": ""}

    bad = client.post(
        WORK_ORDERS_API,
        api_intake(complainant={"name": "", "phone": "13912345678"}, owner=owner(postcode="5106")),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400
    assert {"complainant.name", "owner.postcode"} <= set(bad.json()["errors"])

    dms = api_client(
        network["junda"], api_key_create(tenant=network["junda"], name="DMS", scope="read").secret
    )
    seen = dms.get(f"/api/v1/work-orders/HQ/{out['number']}/").json()
    assert seen["owner"]["landline"] == "020-38881234"
    assert seen["owner"]["postcode"] == "510620"
    assert seen["complainant"]["name"] == "王小明"


def test_the_dealer_records_the_repair_order_and_the_hotline_sees_it(hotline, network, parts_work_order):
    number = parts_work_order.number
    connection.set_schema_to_public()
    crm = client_for(network["junda"], person("junda.crm", network["junda"], Role.DEALER_CRM_MANAGER))
    url = f"/work-orders/HQ/{number}/"
    repair = {
        "repair_order_number": "RO-20270302-017",
        "service_advisor": "刘洋",
        "repair_team": "机电一组",
        "labour_description": "检查前大灯线束，更换前大灯总成",
    }
    # Before the first contact there is nothing to repair yet: refused, nothing written.
    early = crm.post(url + "repair/", repair)
    assert early.status_code in (400, 409)
    assert work_order(hotline, number).repair_order_number == ""

    crm.post(url + "contact/", {"whom": "王建华", "method": "phone", "reached": "yes", "agreed": "明天到店"})
    missing = crm.post(url + "repair/", {**repair, "repair_order_number": ""})
    assert missing.status_code == 400
    assert "repair_order_number" in missing.context["repair_form"].errors
    assert crm.post(url + "repair/", repair).status_code == 302
    wo = work_order(hotline, number)
    assert (wo.repair_order_number, wo.service_advisor, wo.repair_team) == (
        "RO-20270302-017",
        "刘洋",
        "机电一组",
    )
    # The form shows what is recorded, to correct it.
    assert 'value="RO-20270302-017"' in crm.get(url).content.decode()

    connection.set_schema_to_public()
    agent = client_for(hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT))
    page = agent.get(f"/work-orders/{number}/").content.decode()
    assert "RO-20270302-017" in page
    assert "机电一组" in page

    dms = api_client(
        network["junda"], api_key_create(tenant=network["junda"], name="DMS", scope="write").secret
    )
    answer = dms.post(
        f"/api/v1/work-orders/HQ/{number}/repair-order/",
        {**repair, "repair_team": "机电二组"},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["repair"]["team"] == "机电二组"


def test_another_dealer_cannot_read_or_write_the_repair_record(
    hotline, network, foreign_dealer, parts_work_order
):
    number = parts_work_order.number
    connection.set_schema_to_public()
    for stranger in (network["pengcheng"], foreign_dealer):
        crm = client_for(stranger, person(f"{stranger.slug}.crm", stranger, Role.DEALER_CRM_MANAGER))
        assert crm.post(f"/work-orders/HQ/{number}/repair/", {"repair_order_number": "X"}).status_code == 404
    assert work_order(hotline, number).repair_order_number == ""
