"""Satisfaction figures from callbacks on both KPI pages and in the API, from a known data set
whose rates the test works out by itself."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from hotline.models import CallbackAnswer, CallbackAttempt, WorkOrder
from hotline.services.questionnaires import questionnaire_for
from hotline.services.work_orders import work_order_create
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, api_session, client_for, host_of, parts_intake, person

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2027, 3, 10, 4, 0, tzinfo=dt.UTC)

# Per work order: its callbacks as (party, outcome, overall score), and closed — not verified.
DATA = [
    ([("hotline", "busy", None), ("hotline", "reached", 9)], False),
    ([("dealer", "reached", 7), ("hotline", "reached", 4)], False),
    ([("dealer", "no_answer", None), ("dealer", "switched_off", None)], False),
    ([("owner_sms", "reached", 10)], True),  # the owner's text: no callback
    ([("dealer", "call_later", None)], False),  # attempted, not reached, not failed
    ([("hotline", "reached", 8), ("dealer", "reached", 6)], False),
    ([], False),
]
# One answer per reached callback by a person to each non-overall item, as goodness 0..1.
GOODNESS = [1.0, 0.5, 0.0]


def answer_values(item, goodness: float) -> dict:
    if item.kind == "score":
        return {"score": round(1 + 9 * goodness)}
    if item.kind == "yes_no":
        return {"yes": goodness >= 0.5}
    return {"detail": {1.0: "detailed", 0.5: "partly", 0.0: "not_explained"}[goodness]}


def goodness_of(item, goodness: float) -> float:
    if item.kind == "score":
        return (round(1 + 9 * goodness) - 1) / 9
    if item.kind == "yes_no":
        return 1.0 if goodness >= 0.5 else 0.0
    return goodness


@pytest.fixture
def data_set(manufacturer, network, agent, hotline):
    """The work orders of DATA at the dealer 君达, and what the figures must be."""
    numbers = []
    with time_machine.travel(NOON, tick=False), tenant_context(hotline):
        items = None
        for i, (attempts, unverified) in enumerate(DATA):
            wo = work_order_create(
                manufacturer=manufacturer,
                actor=agent,
                intake=parts_intake(
                    dealer_id=network["junda"].pk, owner={**parts_intake().owner, "mobile": f"1380013{i:04d}"}
                ),
            )
            numbers.append(wo.number)
            WorkOrder.objects.filter(pk=wo.pk).update(closed_unverified=unverified)
            questionnaire = questionnaire_for(wo)
            items = [it for it in questionnaire.items.all() if not it.overall]
            for n, (party, outcome, score) in enumerate(attempts):
                attempt = CallbackAttempt.objects.create(
                    work_order=wo,
                    at=NOON + dt.timedelta(minutes=10 * (n + 1)),
                    agent_id=1,
                    party=party,
                    outcome=outcome,
                    score=score,
                    questionnaire=questionnaire if outcome == "reached" else None,
                )
                if outcome == "reached" and party in ("hotline", "dealer"):
                    for k, item in enumerate(items[:3]):
                        CallbackAnswer.objects.create(
                            attempt=attempt, item=item, **answer_values(item, GOODNESS[k])
                        )
    people = [
        (party, outcome, score)
        for attempts, _u in DATA
        for party, outcome, score in attempts
        if party in ("hotline", "dealer")
    ]
    attempted = sum(1 for attempts, _u in DATA if any(p in ("hotline", "dealer") for p, _o, _s in attempts))
    reached = sum(
        1
        for attempts, _u in DATA
        if any(p in ("hotline", "dealer") and o == "reached" for p, o, _s in attempts)
    )
    scores = [s for _p, o, s in people if o == "reached" and s is not None]
    expected = {
        "attempted": attempted,  # 5
        "reached": reached,  # 3
        "success_rate": round(100 * reached / attempted, 1),  # 60.0
        "scored": len(scores),  # 5: 9, 7, 4, 8, 6
        "high_rate": round(100 * len([s for s in scores if s >= 8]) / len(scores), 1),  # 40.0
        "mid_rate": round(100 * len([s for s in scores if 6 <= s <= 7]) / len(scores), 1),  # 40.0
        "low_rate": round(100 * len([s for s in scores if s <= 5]) / len(scores), 1),  # 20.0
        "closed_unverified": 1,
        "failed": 1,
    }
    weakest_first = sorted(range(3), key=lambda k: goodness_of(items[k], GOODNESS[k]))
    return numbers, expected, [items[k].code for k in weakest_first]


@time_machine.travel(NOON + dt.timedelta(hours=2), tick=False)
def test_both_kpi_pages_and_the_api_show_the_rates_of_a_known_data_set(
    hotline, dealer_factory_users, data_set
):
    numbers, expected, weakest = data_set
    hotline_user, dealer_user = dealer_factory_users

    page = client_for(hotline, hotline_user).get("/kpis/", HTTP_ACCEPT_LANGUAGE="en")
    api = api_session(hotline, hotline_user).get("/api/v1/kpis/satisfaction/", {"group": "dealer"}).json()
    dealer_page = client_for(dealer_factory_users.dealer, dealer_user).get(
        "/kpis/", HTTP_ACCEPT_LANGUAGE="en"
    )

    for figures in (page.context["satisfaction"], api["totals"], dealer_page.context["satisfaction"]):
        assert {k: figures[k] for k in expected} == expected
    assert [w["code"] for w in page.context["weakest"]] == weakest
    assert [w["code"] for w in api["weakest"]] == weakest
    assert [f["number"] for f in api["failed"]] == [numbers[2]]
    assert [f["number"] for f in page.context["failed"]] == [numbers[2]]
    assert [f["number"] for f in dealer_page.context["failed"]] == [numbers[2]]
    body = page.content.decode()
    assert "overall score 8–10" in body
    assert "overall score 6–7" in body
    assert "overall score 1–5" in body

    export = client_for(hotline, hotline_user).get("/kpis/", {"export": "failed", "format": "csv"})
    assert numbers[2] in export.content.decode("utf-8-sig")
    assert "Switched off" in export.content.decode("utf-8-sig") or "关机" in export.content.decode(
        "utf-8-sig"
    )


@pytest.fixture
def dealer_factory_users(hotline, network):
    class Users(tuple):
        dealer = network["junda"]

    return Users(
        (
            person("sat.supervisor", hotline, Role.HOTLINE_SUPERVISOR),
            person("sat.crm", network["junda"], Role.DEALER_CRM_MANAGER),
        )
    )


def test_a_bad_period_names_the_field(hotline, network):
    client = api_session(hotline, person("sat.agent", hotline, Role.HOTLINE_AGENT))
    response = client.get(
        "/api/v1/kpis/satisfaction/", {"since": "2027-03-10T00:00:00Z", "until": "2027-03-01T00:00:00Z"}
    )
    assert response.status_code == 400
    assert "until" in str(response.json())
    response = client.get("/api/v1/kpis/satisfaction/", {"group": "nonsense"})
    assert response.status_code == 400
    assert "group" in str(response.json())


@time_machine.travel(NOON + dt.timedelta(hours=2), tick=False)
def test_strangers_learn_nothing_of_the_figures(hotline, network, other_manufacturer, data_set):
    """Another manufacturer's people get the plain 404 on this hotline's figures (its keys a 401)
    and see only their own on theirs; another dealer of the network sees none of 君达's."""
    numbers, _expected, _weakest = data_set
    foreigner = person("dy.supervisor", other_manufacturer.hotline, Role.HOTLINE_SUPERVISOR)
    stranger = APIClient(HTTP_HOST=host_of(hotline))
    stranger.cookies = client_for(other_manufacturer.hotline, foreigner).cookies
    response = stranger.get("/api/v1/kpis/satisfaction/")
    assert response.status_code == 404
    assert numbers[2] not in response.content.decode()
    foreign_key = api_key_create(tenant=other_manufacturer.hotline, name="DY CRM", scope="read").secret
    assert api_client(hotline, foreign_key).get("/api/v1/kpis/satisfaction/").status_code == 401

    own = api_session(other_manufacturer.hotline, foreigner).get("/api/v1/kpis/satisfaction/").json()
    assert own["totals"]["attempted"] == 0
    assert own["failed"] == []
    assert numbers[2] not in str(own)

    neighbour = client_for(
        network["pengcheng"], person("pc.crm", network["pengcheng"], Role.DEALER_CRM_MANAGER)
    )
    page = neighbour.get("/kpis/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["satisfaction"]["attempted"] == 0
    assert list(page.context["failed"]) == []
    assert numbers[2] not in page.content.decode()
