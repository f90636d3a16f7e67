"""The dealer's callback through its portal and its API; the hotline sees it; strangers get 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.models import CallbackAttempt, WorkOrder
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, api_session, client_for, conclusion_posted, intake_post, numbers, person

pytestmark = pytest.mark.django_db


def state(hotline, number: str) -> str:
    with tenant_context(hotline):
        return WorkOrder.objects.get(number=number).state


def test_the_whole_callback_path_through_both_portals(agent_client, hotline, dealer, dealer_user):
    agent_client.post("/work-orders/new/", intake_post(type="complaint", category="repair_quality", lines=[]))
    number = numbers(hotline)[0]
    connection.set_schema_to_public()
    crm = client_for(dealer, dealer_user)
    specialist = client_for(dealer, person("hfy", dealer, Role.CALLBACK_SPECIALIST))
    url = f"/work-orders/HQ/{number}/"
    crm.post(url + "contact/", {"whom": "王建华", "method": "phone", "reached": "yes", "agreed": "到店检查"})
    crm.post(
        url + "resolve/",
        {"result_summary": "更换大灯", "owner_acceptance": "accepted", **conclusion_posted()},
    )

    page = specialist.get(url).content.decode()
    assert 'data-testid="dealer-callback-form"' in page
    assert 'data-testid="callback-script"' in page
    assert "王先生" in page or "Mr 王" in page

    # A "call later" without the agreed time is shown again with the field's error.
    refused = specialist.post(url + "callback/", {"method": "phone", "outcome": "call_later"})
    assert refused.status_code == 400
    assert "next_attempt_at" in refused.content.decode()

    reached = {"method": "phone", "outcome": "reached", "score": "4", "solved": "no", "note": "仍闪烁"}
    assert specialist.post(url + "callback/", reached).status_code == 302
    assert state(hotline, number) == "resolved"
    assert 'data-testid="withdraw-form"' in crm.get(url).content.decode()
    assert crm.post(url + "withdraw/", {"reason": "再次检查线束"}).status_code == 302
    assert state(hotline, number) == "processing"

    crm.post(
        url + "resolve/",
        {"result_summary": "更换线束", "owner_acceptance": "accepted", **conclusion_posted()},
    )
    fixed = {"method": "visit", "outcome": "reached", "score": "9", "solved": "yes", "reminder_given": "on"}
    assert specialist.post(url + "callback/", fixed).status_code == 302
    assert state(hotline, number) == "resolved"  # the default policy: the hotline verifies

    connection.set_schema_to_public()
    detail = agent_client.get(f"/work-orders/{number}/").content.decode()
    assert detail.count('data-party="dealer"') == 2
    assert 'data-testid="callback-script"' in detail
    response = agent_client.post(
        f"/work-orders/{number}/callback/", {"outcome": "reached", "score": "9", "solved": "yes"}
    )
    assert response.status_code == 302
    assert state(hotline, number) == "closed"


def test_the_whole_callback_path_through_the_api(hotline, network, parts_work_order, agent):
    key = api_key_create(tenant=network["junda"], name="骏达 DMS", scope="write").secret
    dms = api_client(network["junda"], key, HTTP_ACCEPT_LANGUAGE="en")
    base = f"/api/v1/work-orders/HQ/{parts_work_order.number}/"
    dms.post(
        base + "contacts/",
        {"whom": "王建华", "method": "phone", "reached": True, "agreed": "到店"},
        format="json",
    )
    dms.post(
        base + "resolve/",
        {"result_summary": "已更换", "owner_acceptance": "accepted", **conclusion_posted()},
        format="json",
    )

    bad = dms.post(base + "callbacks/", {"method": "phone", "outcome": "reached", "score": 0}, format="json")
    assert bad.status_code == 400
    assert {"score", "solved"} <= set(bad.json()["errors"])

    not_fixed = {"method": "phone", "outcome": "reached", "score": 3, "solved": False}
    assert dms.post(base + "callbacks/", not_fixed, format="json").status_code == 200
    withdrawn = dms.post(base + "withdraw-resolution/", {"reason": "再修"}, format="json")
    assert (withdrawn.status_code, withdrawn.json()["state"]) == (200, "processing")
    dms.post(
        base + "resolve/",
        {"result_summary": "再次更换", "owner_acceptance": "accepted", **conclusion_posted()},
        format="json",
    )
    fixed = {"method": "wechat", "outcome": "reached", "score": 9, "solved": True, "reminder_given": True}
    answer = dms.post(base + "callbacks/", fixed, format="json")
    assert answer.status_code == 200
    assert answer.json()["state"] == "resolved"
    # Refused in a state that does not allow it: the problem says so, nothing changes.
    again = dms.post(base + "withdraw-resolution/", {"reason": "x"}, format="json")
    assert again.status_code == 409

    connection.set_schema_to_public()
    hotline_key = api_key_create(tenant=hotline, name="CRM", scope="write").secret
    verified = api_client(hotline, hotline_key).post(
        f"/api/v1/work-orders/{parts_work_order.number}/callbacks/",
        {"outcome": "reached", "score": 9, "solved": True},
        format="json",
    )
    assert verified.status_code == 201
    assert verified.json()["work_order"]["state"] == "closed"


def test_another_dealer_cannot_call_back_or_withdraw(hotline, network, foreign_dealer, parts_work_order):
    base = f"/api/v1/work-orders/HQ/{parts_work_order.number}/"
    for tenant in (network["pengcheng"], foreign_dealer):
        key = api_key_create(tenant=tenant, name="DMS", scope="write").secret
        client = api_client(tenant, key)
        body = {"method": "phone", "outcome": "reached", "score": 9, "solved": True}
        assert client.post(base + "callbacks/", body, format="json").status_code == 404
        assert client.post(base + "withdraw-resolution/", {"reason": "x"}, format="json").status_code == 404
        user = person(f"cb.{tenant.slug}", tenant, Role.CALLBACK_SPECIALIST)
        portal = client_for(tenant, user)
        url = f"/work-orders/HQ/{parts_work_order.number}/callback/"
        assert portal.post(url, {"method": "phone", "outcome": "busy"}).status_code == 404
        assert api_session(tenant, user).get(base).status_code == 404
    with tenant_context(hotline):
        assert not CallbackAttempt.objects.exists()


def test_only_callback_staff_and_handlers_may_call_back(dealer, agent_client, hotline):
    agent_client.post("/work-orders/new/", intake_post())
    number = numbers(hotline)[0]
    connection.set_schema_to_public()
    clerk = client_for(dealer, person("clerk", dealer, Role.PARTS_CLERK))
    response = clerk.post(f"/work-orders/HQ/{number}/callback/", {"method": "phone", "outcome": "busy"})
    assert response.status_code == 403
