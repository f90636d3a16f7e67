"""Every endpoint × every kind of caller from elsewhere: 401, 403 or 404, no data, nothing changed.

The endpoints come from each host's OpenAPI schema, so a new endpoint is in
the matrix without anyone adding it here.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from dealers.models import Assignment, ContactAttempt, InternalNote
from hotline.models import WorkOrder, WorkOrderEvent
from parts_tickets.models import PartsRequest
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, centre, conclusion_posted, in_schema, person

SCHEMA = "/api/v1/schema/?format=json"
LATER = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
BODIES = {
    "back-order/": {"expected_date": LATER},
    "reject/": {"reason": "停产"},
    "shipments/": {"carrier": "顺丰", "tracking_number": "SF9", "lines": [{"line_no": 1}]},
    "callbacks/": {"outcome": "no_answer", "method": "phone"},
    "withdraw-resolution/": {"reason": "原因"},
    "verify/": {"reason": "原因"},
    "reopen/": {"reason": "原因"},
    "cancel/": {"reason": "原因"},
    "contacts/": {"whom": "王建华", "method": "phone", "reached": False},
    "assignment/": {"assignee_id": 1},
    "notes/": {"text": "备注"},
    "messages/": {"text": "消息"},
    "stock-check/": {"result": "parts_centre"},
    "resolve/": {"result_summary": "已解决", "owner_acceptance": "accepted", **conclusion_posted()},
    "extension-requests/": {"clock_kind": "answer", "minutes": 60, "reason": "原因"},
    "transfer-requests/": {"reason": "原因"},
    "upgrade-requests/": {"reason": "原因"},
    "reclassify/": {"severity": "major", "category": "service_attitude", "reason": "原因"},
    "upgrade-decision/": {"request": 1, "grant": True, "reason": "原因"},
    "repair-order/": {"repair_order_number": "RO-1"},
    "department/": {"department": "service", "head_id": 1},
    "department-answer/": {"result": "已处理"},
    "progress-reports/": {"text": "进展"},
    "tech-support-requests/": {"diss_reference": "DISS-1", "question": "是否需刷写？"},
    "answer/": {"answer": "答复"},
    "close/": {"reason": "原因"},
    "arrival-promise/": {"arrival_promised_at": (timezone.now() + dt.timedelta(minutes=40)).isoformat()},
}


def _operations(tenant) -> list[tuple[str, str]]:
    schema = api_client(tenant).get(SCHEMA).json()
    return [(method, path) for path, methods in schema["paths"].items() for method in methods]


def _body(path: str, work_order_create: dict) -> dict:
    if path.endswith("/work-orders/"):
        return work_order_create
    return next((body for tail, body in BODIES.items() if path.endswith(tail)), {})


def _secrets(body: str, *needles: str) -> list[str]:
    return [needle for needle in needles if needle in body]


def _snapshot(hotline, dealer) -> tuple:
    with in_schema(hotline):
        hotline_state = (
            WorkOrderEvent.objects.count(),
            WorkOrder.objects.count(),
            list(WorkOrder.objects.values_list("version", flat=True)),
            list(PartsRequest.objects.values_list("version", flat=True)),
        )
    with in_schema(dealer):
        dealer_state = (
            InternalNote.objects.count(),
            Assignment.objects.count(),
            ContactAttempt.objects.count(),
        )
    return hotline_state, dealer_state


def _signed_in(tenant, user) -> Client:
    client = api_client(tenant)
    client.force_login(user)
    return client


@pytest.fixture
def outsiders(manufacturer, hotline, network, other_manufacturer, foreign_dealer, parts_request) -> dict:
    """Callers who must learn nothing about 广州骏达's work order and its parts request."""
    dy_hotline = other_manufacturer.hotline
    pengcheng = network["pengcheng"]
    foreign_hotline_agent = person("dy.agent", dy_hotline, Role.HOTLINE_AGENT)
    pengcheng_user = person("pc.crm", pengcheng, Role.DEALER_CRM_MANAGER)
    foreign_dealer_user = person("xs.crm", foreign_dealer, Role.DEALER_CRM_MANAGER)
    junda_user = person("jd.crm", network["junda"], Role.DEALER_CRM_MANAGER)
    hotline_agent = person("hq.agent", hotline, Role.HOTLINE_AGENT)

    def key(tenant, **kwargs) -> str:
        return api_key_create(
            tenant=tenant, name="outsider", scope=kwargs.pop("scope", "write"), **kwargs
        ).secret

    east = key(hotline, parts_centre=centre(manufacturer, "PC-SH"))
    south_read = key(hotline, scope="read", parts_centre=centre(manufacturer, "PC-GZ"))
    return {
        "hotline": [
            ("another parts centre's key", api_client(hotline, east)),
            ("the centre's read key", api_client(hotline, south_read)),
            ("another maker's hotline key", api_client(hotline, key(dy_hotline))),
            ("another maker's agent", _signed_in(hotline, foreign_hotline_agent)),
            ("the dealer's own staff", _signed_in(hotline, junda_user)),
            ("the dealer's own key", api_client(hotline, key(network["junda"]))),
            ("a read-only integration key", api_client(hotline, key(hotline, scope="read"))),
            ("the hotline's integration key on centre paths", api_client(hotline, key(hotline))),
            ("no credentials", api_client(hotline)),
        ],
        "dealer": [
            ("a sibling dealer's key", api_client(pengcheng, key(pengcheng))),
            ("a sibling dealer's staff", _signed_in(pengcheng, pengcheng_user)),
            ("another network's dealer key", api_client(foreign_dealer, key(foreign_dealer))),
            ("another network's dealer staff", _signed_in(foreign_dealer, foreign_dealer_user)),
            ("junda's key on a sibling's host", api_client(pengcheng, key(network["junda"]))),
            ("the hotline's agent on the dealer's host", _signed_in(network["junda"], hotline_agent)),
            ("the hotline's key on the dealer's host", api_client(network["junda"], key(hotline))),
            (
                "junda's read-only key writing",
                api_client(network["junda"], key(network["junda"], scope="read")),
            ),
            ("no credentials", api_client(network["junda"])),
        ],
    }


def _allowed(caller: str, method: str, path: str) -> bool:
    """The few calls an outsider may make: reading with a read key, reading an empty list of one's own."""
    reading = method == "get"
    if caller == "the centre's read key":
        return reading and path.startswith("/api/v1/parts-centre/")
    if caller == "a read-only integration key":
        return reading and not path.startswith("/api/v1/parts-centre/")
    if caller == "the hotline's integration key on centre paths":
        return not path.startswith("/api/v1/parts-centre/")
    if caller == "junda's read-only key writing":
        return reading
    if caller.startswith("a sibling dealer's") and path.startswith("/api/v1/root-causes/"):
        return reading  # the manufacturer's list is the same for every dealer of its network
    return False


def test_every_endpoint_refuses_every_outsider(hotline, network, parts_request, outsiders):
    junda = network["junda"]
    with in_schema(hotline):
        work_order = WorkOrder.objects.get(pk=parts_request.work_order_id)
    secrets = (work_order.number, parts_request.number, "王建华", "13802561234")
    create = {
        "type": "complaint",
        "category": "service_attitude",
        "channel": "phone",
        "complaint": "服务态度差",
        "owner": {"name": "李四", "mobile": "13900001111"},
    }
    before = _snapshot(hotline, junda)
    checked = 0
    for host, tenant in (("hotline", hotline), ("dealer", junda)):
        for method, template in _operations(tenant):
            if template.startswith("/api/v1/schema") or template.startswith("/api/v1/docs"):
                continue
            number = parts_request.number if "parts-centre" in template else work_order.number
            path = (
                template.replace("{number}", number)
                .replace("{line_no}", "1")
                .replace("{manufacturer}", "HQ")
                .replace("{ticket}", f"{number}-T1")
            )
            for caller, client in outsiders[host]:
                if _allowed(caller, method, template):
                    continue
                if method == "get":
                    response = client.get(path)
                else:
                    response = client.post(path, _body(path, create), format="json")
                body = response.content.decode()
                if response.get("Content-Type") == "application/problem+json":
                    body = json.dumps(
                        {k: v for k, v in response.json().items() if k != "instance"}, ensure_ascii=False
                    )  # the path the caller sent, echoed
                if response.status_code == 200 and '"results"' in body:
                    assert response.json()["results"] == [], (caller, method, path)
                else:
                    assert response.status_code in (401, 403, 404), (
                        caller,
                        method,
                        path,
                        response.status_code,
                        body[:300],
                    )
                assert not _secrets(body, *secrets), (caller, method, path)
                checked += 1
    assert checked > 150
    assert _snapshot(hotline, junda) == before
