"""Junk in, never a server error out: generated input at every portal form, query and path, and at
the live socket's subscribe frame. A refused request writes nothing.

Each property runs twice in CI: with a fixed seed, and with a fresh random one whose value is in
the test's id (rerun a failure with ``-k <seed>``). Under pytest-xdist every worker collects the
same ids, so the fresh seed comes from the run's id there.
"""

from __future__ import annotations

import json
import os
import random
import zlib
from collections.abc import Callable

import pytest
from asgiref.sync import async_to_sync
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from dealers.models import Assignment, ContactAttempt, InternalNote
from hotline.models import Owner, WorkOrder, WorkOrderEvent
from parts_tickets.models import PartsRequest

from ..conftest import client_for, host_of, intake_post
from ..live.test_consumers import Client, live  # noqa: F401  (the live fixture)

RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID")
SEEDS = [20261201, zlib.crc32(RUN.encode()) if RUN else random.randrange(2**32)]
EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What people and programs have typed where they should not.
NASTY = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "HQ\x0020261201-00001",
            "0001-01-01",
            "9999-12-31",
            "0001-01-01T00:00:00+08:00",
            "9999-12-31T23:59:59+08:00",
            "2147483648",
            "9223372036854775808",
            "-1",
            "1e309",
            "NaN",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "ｈｑ",
            "𠮷" * 300,
            "x" * 5000,
            "[[[[[[[[[[",
        ]
    ),
    st.text(max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def fuzz(test: Callable[..., None], data_seed: int, **strategies: st.SearchStrategy) -> None:
    """Run ``test`` on generated values, reproducibly from ``data_seed``."""
    seed(data_seed)(EXAMPLES(given(**strategies)(test)))()


def written(hotline, dealer) -> tuple[int, ...]:
    """Everything a form could write, counted."""
    with tenant_context(hotline):
        counts = (
            WorkOrderEvent.objects.count(),
            WorkOrder.objects.count(),
            Owner.objects.count(),
            PartsRequest.objects.count(),
        )
    with tenant_context(dealer):
        counts += (Assignment.objects.count(), InternalNote.objects.count(), ContactAttempt.objects.count())
    return counts


@pytest.fixture
def agent_browser(hotline, network, parts_work_order, junda_gateway, dealer_actor):
    from tenants.models import Role

    from ..conftest import person

    return client_for(hotline, person("agent.fuzz", hotline, Role.HOTLINE_SUPERVISOR))


HOTLINE_FORMS = {
    "callback": ["outcome", "score", "solved", "note"],
    "reopen": ["reopen-reason"],
    "close": ["close-reason"],
    "cancel": ["cancel-reason"],
    "transfer": ["transfer-request", "transfer-approve", "transfer-to_dealer", "transfer-reason"],
    "extension": ["extension-request", "extension-grant", "extension-reason"],
    "reassign": ["reassign-to_dealer", "reassign-reason"],
    "reclassify": ["reclassify-severity", "reclassify-category", "reclassify-reason"],
    "upgrade": ["upgrade-request", "upgrade-grant", "upgrade-reason"],
}


@pytest.mark.parametrize("data_seed", SEEDS, ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("action", list(HOTLINE_FORMS))
@pytest.mark.django_db
def test_hotline_work_order_forms(agent_browser, parts_work_order, hotline, network, action, data_seed):
    url = f"/work-orders/{parts_work_order.number}/{action}/"
    fields = HOTLINE_FORMS[action]

    def send(values: list[str]) -> None:
        before = written(hotline, network["junda"])
        response = agent_browser.post(url, dict(zip(fields, values, strict=True)))
        assert response.status_code < 500
        if response.status_code != 302:
            assert written(hotline, network["junda"]) == before

    fuzz(send, data_seed, values=st.lists(NASTY, min_size=len(fields), max_size=len(fields)))


DEALER_FORMS = {
    "contact": ["at", "whom", "method", "reached", "agreed", "solution_offered", "on_behalf_of_id"],
    "assign": ["assignee_id"],
    "note": ["text"],
    "stock": ["result", "note"],
    "parts": ["note", "part_code", "part_name", "quantity"],
    "received": ["note"],
    "resolve": [
        "result_summary",
        "owner_acceptance",
        "validity",
        "invalid_reason",
        "responsibility",
        "root_cause",
        "remedy_types",
        "remedy_amount",
        "apologised_by",
        "corrective_action",
        "corrective_owner",
        "corrective_due",
        "person_at_fault",
    ],
    "extension": ["clock_kind", "minutes", "reason"],
    "transfer": ["reason"],
    "upgrade": ["reason"],
}


@pytest.mark.parametrize("data_seed", SEEDS, ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("action", list(DEALER_FORMS))
@pytest.mark.django_db
def test_dealer_work_order_forms(parts_work_order, hotline, network, action, data_seed):
    from tenants.models import Role

    from ..conftest import person

    browser = client_for(network["junda"], person("crm.fuzz", network["junda"], Role.DEALER_CRM_MANAGER))
    url = f"/work-orders/HQ/{parts_work_order.number}/{action}/"
    fields = DEALER_FORMS[action]

    def send(values: list[str]) -> None:
        before = written(hotline, network["junda"])
        response = browser.post(url, dict(zip(fields, values, strict=True)))
        assert response.status_code < 500
        if response.status_code != 302:
            assert written(hotline, network["junda"]) == before

    fuzz(send, data_seed, values=st.lists(NASTY, min_size=len(fields), max_size=len(fields)))


INTAKE_FIELDS = [k for k in intake_post() if k not in ("part_code", "part_name", "quantity", "token")]


@pytest.mark.parametrize("data_seed", SEEDS, ids=lambda s: f"seed{s}")
@pytest.mark.django_db
def test_the_intake_form(agent_browser, hotline, network, data_seed):
    def send(field: str, value: str, quantity: str) -> None:
        before = written(hotline, network["junda"])
        body = intake_post(token=f"fuzz-{random.random()}", **{field: value})
        body["quantity"] = [quantity, "1"]
        response = agent_browser.post("/work-orders/new/", body)
        assert response.status_code < 500
        if response.status_code != 302:
            assert written(hotline, network["junda"]) == before

    fuzz(send, data_seed, field=st.sampled_from(INTAKE_FIELDS), value=NASTY, quantity=NASTY)


PAGES = [
    ("hotline", "/work-orders/", ["q", "state", "dealer", "region", "category", "severity"]),
    ("hotline", "/work-orders/new/", ["owner", "vehicle", "lookup"]),
    ("hotline", "/work-orders/new/hints/", ["owner_mobile", "vehicle_vin", "owner_city"]),
    ("hotline", "/kpis/", ["since", "until", "group", "export", "format"]),
    ("hotline", "/kpis/parts-centres/", ["since", "until", "format"]),
    ("hotline", "/queues/", ["x"]),
    ("junda", "/", ["q", "state", "severity", "mine", "overdue", "closed"]),
    ("junda", "/kpis/", ["since", "until", "export", "format"]),
]


@pytest.mark.parametrize("data_seed", SEEDS, ids=lambda s: f"seed{s}")
@pytest.mark.django_db
def test_queries_and_paths(agent_browser, hotline, network, data_seed):
    from tenants.models import Role

    from ..conftest import person

    browsers = {
        "hotline": agent_browser,
        "junda": client_for(network["junda"], person("sa.fuzz", network["junda"], Role.SERVICE_ADVISOR)),
    }

    def send(page: int, values: list[str], number: str) -> None:
        host, path, names = PAGES[page]
        assert browsers[host].get(path, dict(zip(names, values, strict=False))).status_code < 500
        assert agent_browser.get(f"/work-orders/{number}/").status_code < 500
        assert browsers["junda"].get(f"/work-orders/HQ/{number}/").status_code < 500

    fuzz(
        send,
        data_seed,
        page=st.integers(min_value=0, max_value=len(PAGES) - 1),
        values=st.lists(NASTY, min_size=6, max_size=6),
        number=NASTY.map(lambda s: s.replace("/", "").replace("?", "").replace("#", "") or "x"),
    )


@pytest.mark.parametrize("data_seed", SEEDS, ids=lambda s: f"seed{s}")
@pytest.mark.django_db
def test_sms_reply_pushes(hotline, data_seed):
    from django.test import Client as Browser

    from notifications.sms import sms_reply_token

    browser = Browser(HTTP_HOST=host_of(hotline))
    token = sms_reply_token(hotline.schema_name)
    deep = "[" * 5000 + "]" * 5000

    def send(body: str, provider: str) -> None:
        response = browser.post(f"/sms/replies/{provider}/{token}/", body, content_type="application/json")
        assert response.status_code < 500

    send(deep, "aliyun")
    send(deep, "tencent")
    bodies = st.one_of(NASTY, st.recursive(st.none() | st.text(), st.lists).map(json.dumps))
    fuzz(send, data_seed, body=bodies, provider=st.sampled_from(["aliyun", "tencent", "x"]))


@pytest.mark.parametrize("data_seed", SEEDS, ids=lambda s: f"seed{s}")
def test_the_live_subscribe_frame(live, data_seed):  # noqa: F811
    frames = st.recursive(
        st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | NASTY,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NASTY, inner, max_size=3),
        max_leaves=8,
    )
    subscribe = st.fixed_dictionaries(
        {
            "action": st.just("subscribe"),
            "topic": st.sampled_from(["board", "inbox", "work_order", "notifications"]),
        },
        optional={"since": frames, "number": NASTY, "manufacturer": NASTY},
    )

    def send(frame: object) -> None:
        async def exchange() -> dict:
            client = Client(live, "junda")
            await client.open()
            await client.communicator.send_to(text_data=json.dumps(frame)[:4096])
            answer = await client.communicator.receive_json_from(timeout=5)
            await client.send({"action": "subscribe", "topic": "notifications"})
            still_open = await client.frames_until("subscribed")
            await client.communicator.disconnect()
            return {"answer": answer, "still_open": bool(still_open)}

        result = async_to_sync(exchange)()
        assert result["answer"]["type"] in {"error", "subscribed", "resync", "notification", "event"}
        assert result["still_open"]

    fuzz(send, data_seed, frame=st.one_of(frames, subscribe))
