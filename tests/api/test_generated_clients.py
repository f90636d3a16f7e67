"""The documented flows through clients generated from the published schemas (openapi-python-client).

A call centre records a parts-shortage work order; the dealer's DMS contacts the
owner, checks stock, asks the parts centre and writes a note; the parts centre's
WMS acknowledges, allocates, back-orders and ships; the call centre follows the
parts progress. Every answer is checked against the published schema with
additional properties forbidden (``contract.Recorder``).
"""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.core import signals
from django.db import close_old_connections
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from config.api.contract import _plain
from tenants.models import PartsCentre
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, api_intake, host_of
from .contract import Recorder, client_on, generated_client

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def offline_schema(urlconf: str) -> dict:
    with translation.override("en"):
        return _plain(SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True))


HOTLINE_SCHEMA = offline_schema("config.urls_hotline")
DEALER_SCHEMA = offline_schema("config.urls_dealer")


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("clients")
    return {
        "hotline": generated_client(HOTLINE_SCHEMA, "hotline_api_client", folder),
        "dealer": generated_client(DEALER_SCHEMA, "dealer_api_client", folder),
    }


@pytest.fixture(autouse=True)
def _in_process():
    """As Django's test client does: the in-process app must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with time_machine.travel(NOW, tick=True):
        yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_clients_are_generated_from_what_is_served(hotline, network):
    served_hotline = api_client(hotline).get("/api/v1/schema/?format=json").json()
    served_dealer = api_client(network["junda"]).get("/api/v1/schema/?format=json").json()
    assert served_hotline == HOTLINE_SCHEMA
    assert served_dealer == DEALER_SCHEMA


@pytest.fixture
def keys(manufacturer, hotline, network) -> dict[str, str]:
    centre = PartsCentre.objects.get(manufacturer=manufacturer, code="PC-GZ")
    return {
        "cti": api_key_create(tenant=hotline, name="呼叫中心 CTI", scope="write").secret,
        "wms": api_key_create(tenant=hotline, name="华南 WMS", scope="write", parts_centre=centre).secret,
        "dms": api_key_create(tenant=network["junda"], name="骏达 DMS", scope="write").secret,
    }


def test_intake_dealer_and_parts_centre_through_generated_clients(packages, hotline, network, keys):
    hc, dc = packages["hotline"], packages["dealer"]
    from dealer_api_client.api.dealer import (
        dealer_work_orders_add_note,
        dealer_work_orders_read,
        dealer_work_orders_record_contact,
        dealer_work_orders_record_stock_check,
        dealer_work_orders_request_parts,
        inbox_list,
    )
    from hotline_api_client.api.hotline import (
        work_orders_create,
        work_orders_list,
        work_orders_parts_requests_list,
        work_orders_read,
        work_orders_reopen,
    )
    from hotline_api_client.api.parts_centre import (
        parts_requests_acknowledge,
        parts_requests_allocate_line,
        parts_requests_back_order_line,
        parts_requests_list,
        parts_requests_read,
        parts_requests_ship,
    )

    hotline_checks, dealer_checks = Recorder(HOTLINE_SCHEMA), Recorder(DEALER_SCHEMA)
    cti = client_on(hc, host_of(hotline), keys["cti"], hotline_checks)
    wms = client_on(hc, host_of(hotline), keys["wms"], hotline_checks)
    dms = client_on(dc, host_of(network["junda"]), keys["dms"], dealer_checks)

    # The call centre records two work orders (a retry of the first acts once) and pages through them.
    intake = hc.models.WorkOrderInRequest.from_dict(api_intake())
    created = work_orders_create.sync_detailed(client=cti, body=intake, idempotency_key="call-8812")
    assert created.status_code == HTTPStatus.CREATED
    retried = work_orders_create.sync_detailed(client=cti, body=intake, idempotency_key="call-8812")
    assert retried.headers["Idempotent-Replayed"] == "true"
    work_order = created.parsed
    assert retried.parsed.number == work_order.number
    assert created.headers["ETag"] == f'"{work_order.version}"'
    assert work_order.vehicle.model == "华骐 S5"
    assert work_order.owner.mobile == "13802561234"
    without_vehicle = api_intake(type="complaint", category="service_attitude", vehicle=None, part_lines=[])
    second = work_orders_create.sync(client=cti, body=hc.models.WorkOrderInRequest.from_dict(without_vehicle))
    assert second.vehicle is None
    first_page = work_orders_list.sync(client=cti, page_size=1)
    assert [row.number for row in first_page.results] == [second.number]
    second_page = work_orders_list.sync(client=cti, page_size=1, cursor=first_page.next_cursor)
    assert [row.number for row in second_page.results] == [work_order.number]
    assert second_page.next_cursor is None
    assert work_orders_parts_requests_list.sync(client=cti, number=work_order.number).results == []

    # The dealer's DMS: the inbox, paged, then the work order handled up to a parts request.
    inbox = inbox_list.sync(client=dms, page_size=1)
    assert inbox.count == 2
    assert len(inbox.results) == 1
    rest = inbox_list.sync(client=dms, page_size=1, cursor=inbox.next_cursor)
    assert {inbox.results[0].number, rest.results[0].number} == {work_order.number, second.number}
    read = dealer_work_orders_read.sync_detailed(client=dms, manufacturer="HQ", number=work_order.number)
    contact = dc.models.ContactInRequest.from_dict(
        {"whom": "王建华", "method": "phone", "reached": True, "agreed": "配件到货后通知车主进店"}
    )
    contacted = dealer_work_orders_record_contact.sync(
        client=dms,
        manufacturer="HQ",
        number=work_order.number,
        body=contact,
        if_match=str(read.parsed.version),  # the version as the body gave it
    )
    assert contacted.state.value == "processing"
    stale = dealer_work_orders_record_stock_check.sync_detailed(
        client=dms,
        manufacturer="HQ",
        number=work_order.number,
        body=dc.models.StockCheckInRequest.from_dict({"result": "parts_centre"}),
        if_match=read.headers["ETag"],
    )
    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED
    assert stale.parsed.status == 412
    dealer_work_orders_record_stock_check.sync(
        client=dms,
        manufacturer="HQ",
        number=work_order.number,
        body=dc.models.StockCheckInRequest.from_dict({"result": "parts_centre"}),
        if_match=f'"{contacted.version}"',
    )
    raised = dealer_work_orders_request_parts.sync(
        client=dms,
        manufacturer="HQ",
        number=work_order.number,
        body=dc.models.PartsRequestInRequest.from_dict({}),
        idempotency_key="dms-77",
    )
    assert raised.state.value == "awaiting_parts"
    noted = dealer_work_orders_add_note.sync(
        client=dms,
        manufacturer="HQ",
        number=work_order.number,
        body=dc.models.NoteInRequest.from_dict({"text": "车主脾气急"}),
    )
    assert (noted.notes[-1].author_id, noted.notes[-1].author_name) == (None, "骏达 DMS")

    # The parts centre's WMS works the request.
    [request] = parts_requests_list.sync(client=wms, state=hc.models.PartsRequestStateEnum.SUBMITTED).results
    parts_requests_acknowledge.sync(client=wms, number=request.number)
    parts_requests_allocate_line.sync(client=wms, number=request.number, line_no=1)
    back_order = hc.models.BackOrderInRequest(expected_date=NOW.date() + dt.timedelta(days=3))
    parts_requests_back_order_line.sync(client=wms, number=request.number, line_no=2, body=back_order)
    parcel = hc.models.ShipmentInRequest.from_dict(
        {"carrier": "顺丰", "tracking_number": "SF1234567890", "lines": [{"line_no": 1}]}
    )
    shipped = parts_requests_ship.sync_detailed(client=wms, number=request.number, body=parcel)
    assert shipped.status_code == HTTPStatus.CREATED
    assert parts_requests_read.sync(client=wms, number=request.number).lines[0].shipped_quantity == 1

    # The call centre follows the parts progress on its work order.
    [progress] = work_orders_parts_requests_list.sync(client=cti, number=work_order.number).results
    assert progress.parts_centre.code == "PC-GZ"
    first, second_line = progress.lines
    assert (first.state.value, first.carrier, first.tracking_number) == ("shipped", "顺丰", "SF1234567890")
    assert (second_line.state.value, second_line.expected_date) == (
        "back_ordered",
        NOW.date() + dt.timedelta(days=3),
    )

    # A refusal parses as the published problem document.
    current = work_orders_read.sync_detailed(client=cti, number=work_order.number)
    refused = work_orders_reopen.sync_detailed(
        client=cti,
        number=work_order.number,
        body=hc.models.ReasonInRequest(reason="车主再次来电"),
        if_match=current.headers["ETag"],
    )
    assert refused.status_code == HTTPStatus.CONFLICT
    assert refused.parsed.status == 409

    answered = {operation for operation, _status in hotline_checks.seen + dealer_checks.seen}
    assert len(answered) >= 17
