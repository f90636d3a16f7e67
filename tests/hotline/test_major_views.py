"""Major complaints on the hotline's portal and API: supervisors reclassify and decide a dealer's
upgrade request; the queues show the open major complaints; strangers get 404."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from config.actor import Actor
from dealers.gateway import DealerGateway
from hotline.models import Clock, UpgradeRequest, WorkOrder, WorkOrderEvent
from hotline.services.work_orders import work_order_create
from tenants.models import Role

from ..conftest import api_session, client_for, host_of, parts_intake, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(manufacturer, network, agent, hotline):
    """Two normal parts work orders routed to 广州骏达."""
    with tenant_context(hotline):
        return [
            work_order_create(
                manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
            )
            for _ in range(2)
        ]


@pytest.fixture
def supervisor_client(hotline):
    return client_for(hotline, person("hq.sup", hotline, Role.HOTLINE_SUPERVISOR))


def _upgrade_asked(network, work_order, reason: str = "车主要求总经理出面") -> UpgradeRequest:
    junda = network["junda"]
    crm = Actor(user_id=201, name="黄丽", tenant_id=junda.pk, role="dealer_crm_manager")
    with tenant_context(junda):
        return DealerGateway(junda).act("upgrade", "HQ", work_order.number, actor=crm, reason=reason)


def _state(hotline, work_order) -> tuple[str, str, int]:
    with tenant_context(hotline):
        wo = WorkOrder.objects.get(pk=work_order.pk)
        return wo.severity, wo.category, Clock.objects.filter(work_order=wo, kind="senior_answer").count()


_count = itertools.count()


def _stranger(hotline, other_manufacturer) -> Client:
    """A supervisor of another manufacturer, with their own session, on this hotline's host."""
    foreigner = person(f"dy.sup{next(_count)}", other_manufacturer.hotline, Role.HOTLINE_SUPERVISOR)
    stranger = Client(HTTP_HOST=host_of(hotline))
    stranger.cookies = client_for(other_manufacturer.hotline, foreigner).cookies
    return stranger


def test_a_supervisor_makes_it_major_on_the_page_and_the_queue_shows_it(hotline, routed, supervisor_client):
    work_order = routed[0]
    url = f"/work-orders/{work_order.number}/"
    assert 'data-testid="reclassify-form"' in supervisor_client.get(url).content.decode()

    response = supervisor_client.post(
        url + "reclassify/",
        {
            "reclassify-severity": "major",
            "reclassify-category": "repair_quality",
            "reclassify-reason": "车主投诉媒体",
        },
    )
    assert response.status_code == 302
    assert _state(hotline, work_order) == ("major", "repair_quality", 1)
    page = supervisor_client.get(url).content.decode()
    assert "车主投诉媒体" in page  # the reason on the timeline

    queues = supervisor_client.get("/queues/").content.decode()
    section = queues.split('data-testid="queue-major"')[1]
    assert work_order.number in section
    assert routed[1].number not in section
    board = supervisor_client.get("/work-orders/?severity=major").content.decode()
    assert work_order.number in board
    assert routed[1].number not in board


def test_a_bad_reclassification_shows_the_error_by_the_field_and_changes_nothing(
    hotline, routed, supervisor_client
):
    work_order = routed[0]
    response = supervisor_client.post(
        f"/work-orders/{work_order.number}/reclassify/",
        {"reclassify-severity": "major", "reclassify-category": "parts_shortage", "reclassify-reason": ""},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert 'id="id_reclassify-reason_error"' in response.content.decode()  # the error by its field
    assert _state(hotline, work_order) == ("normal", "parts_shortage", 0)


def test_an_agent_is_offered_no_reclassification_and_is_refused(hotline, routed):
    agent_client = client_for(hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT))
    work_order = routed[0]
    assert (
        'data-testid="reclassify-form"'
        not in agent_client.get(f"/work-orders/{work_order.number}/").content.decode()
    )
    response = agent_client.post(
        f"/work-orders/{work_order.number}/reclassify/",
        {"reclassify-severity": "major", "reclassify-category": "parts_shortage", "reclassify-reason": "x"},
    )
    assert response.status_code == 403
    assert _state(hotline, work_order) == ("normal", "parts_shortage", 0)


def test_a_supervisor_grants_a_dealers_request_on_the_page(hotline, network, routed, supervisor_client):
    first, second = routed
    request = _upgrade_asked(network, first)
    url = f"/work-orders/{first.number}/"
    assert 'data-testid="upgrade-request"' in supervisor_client.get(url).content.decode()
    assert (
        first.number
        in supervisor_client.get("/queues/").content.decode().split('data-testid="queue-decision"')[1]
    )

    # Another work order's request is not decided through this one.
    wrong = supervisor_client.post(
        f"/work-orders/{second.number}/upgrade/",
        {"upgrade-request": request.pk, "upgrade-grant": "yes", "upgrade-reason": "影响恶劣"},
    )
    assert wrong.status_code == 404
    granted = supervisor_client.post(
        url + "upgrade/",
        {"upgrade-request": request.pk, "upgrade-grant": "yes", "upgrade-reason": "影响恶劣"},
    )
    assert granted.status_code == 302
    assert _state(hotline, first) == ("major", "parts_shortage", 1)
    with tenant_context(hotline):
        assert UpgradeRequest.objects.get(pk=request.pk).state == "approved"


def test_another_manufacturers_people_get_404(hotline, other_manufacturer, network, routed):
    work_order = routed[0]
    request = _upgrade_asked(network, work_order)
    url = f"/work-orders/{work_order.number}/"
    # A refused attempt ends the session: a fresh one each time.
    reclassify = {
        "reclassify-severity": "major",
        "reclassify-category": "parts_shortage",
        "reclassify-reason": "x",
    }
    assert _stranger(hotline, other_manufacturer).post(url + "reclassify/", reclassify).status_code == 404
    decide = {"upgrade-request": request.pk, "upgrade-grant": "yes", "upgrade-reason": "x"}
    assert _stranger(hotline, other_manufacturer).post(url + "upgrade/", decide).status_code == 404
    assert _state(hotline, work_order) == ("normal", "parts_shortage", 0)


# --- the API -----------------------------------------------------------------------------------


def _api_url(work_order, tail: str) -> str:
    return f"/api/v1/work-orders/{work_order.number}/{tail}"


def test_the_api_reclassifies_and_refuses_bad_input_naming_the_field(hotline, routed):
    work_order = routed[0]
    supervisor = api_session(
        hotline, person("api.sup", hotline, Role.HOTLINE_SUPERVISOR), HTTP_ACCEPT_LANGUAGE="en"
    )
    bad = supervisor.post(
        _api_url(work_order, "reclassify/"),
        {"severity": "critical", "category": "parts_shortage", "reason": " "},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"severity"}
    blank = supervisor.post(
        _api_url(work_order, "reclassify/"),
        {"severity": "major", "category": "parts_shortage", "reason": " "},
        format="json",
    )
    assert blank.status_code == 400
    assert set(blank.json()["errors"]) == {"reason"}
    unchanged = supervisor.post(
        _api_url(work_order, "reclassify/"),
        {"severity": "normal", "category": "parts_shortage", "reason": "核实"},
        format="json",
    )
    assert unchanged.status_code == 400
    assert "severity" in unchanged.json()["errors"]
    assert _state(hotline, work_order) == ("normal", "parts_shortage", 0)

    done = supervisor.post(
        _api_url(work_order, "reclassify/"),
        {
            "severity": "major",
            "category": "service_attitude",
            "reason": "服务顾问态度恶劣，车主要求总经理道歉",
        },
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert (done.json()["severity"], done.json()["category"]) == ("major", "service_attitude")
    assert _state(hotline, work_order) == ("major", "service_attitude", 1)

    agent = api_session(hotline, person("api.agent", hotline, Role.HOTLINE_AGENT))
    refused = agent.post(
        _api_url(work_order, "reclassify/"),
        {"severity": "normal", "category": "service_attitude", "reason": "x"},
        format="json",
    )
    assert refused.status_code == 403
    assert _state(hotline, work_order) == ("major", "service_attitude", 1)


def test_the_api_decides_an_upgrade_request_of_this_work_order_only(hotline, network, routed):
    first, second = routed
    request = _upgrade_asked(network, first)
    supervisor = api_session(hotline, person("api.sup", hotline, Role.HOTLINE_SUPERVISOR))
    elsewhere = supervisor.post(
        _api_url(second, "upgrade-decision/"),
        {"request": request.pk, "grant": True, "reason": "影响恶劣"},
        format="json",
    )
    assert elsewhere.status_code == 404
    missing = supervisor.post(_api_url(first, "upgrade-decision/"), {"grant": "perhaps"}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"request", "grant", "reason"}
    refused = supervisor.post(
        _api_url(first, "upgrade-decision/"),
        {"request": request.pk, "grant": False, "reason": "属一般投诉"},
        format="json",
    )
    assert refused.status_code == 200
    assert refused.json()["severity"] == "normal"
    with tenant_context(hotline):
        assert WorkOrderEvent.objects.filter(work_order=first, kind="upgrade.refused").count() == 1
    again = supervisor.post(
        _api_url(first, "upgrade-decision/"),
        {"request": request.pk, "grant": True, "reason": "再议"},
        format="json",
    )
    assert again.status_code == 400
    assert _state(hotline, first) == ("normal", "parts_shortage", 0)


def test_the_api_of_another_manufacturer_gets_404(hotline, other_manufacturer, routed):
    work_order = routed[0]
    foreigner = person("dy.api.sup", other_manufacturer.hotline, Role.HOTLINE_SUPERVISOR)
    stranger = api_session(other_manufacturer.hotline, foreigner)
    stranger.defaults["HTTP_HOST"] = host_of(hotline)
    response = stranger.post(
        _api_url(work_order, "reclassify/"),
        {"severity": "major", "category": "parts_shortage", "reason": "x"},
        format="json",
    )
    assert response.status_code == 404
    assert _state(hotline, work_order) == ("normal", "parts_shortage", 0)


def test_the_hotline_sees_an_answer_awaiting_the_senior_managers_confirmation(
    hotline, network, manufacturer, agent, supervisor_client
):
    junda = network["junda"]
    director = person("junda.sd", junda, Role.SERVICE_DIRECTOR)
    with tenant_context(hotline):
        work_order = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=junda.pk, severity="major")
        )
    url = f"/work-orders/{work_order.number}/"
    assert 'data-testid="senior-awaiting"' not in supervisor_client.get(url).content.decode()
    crm = Actor(user_id=201, name="黄丽", tenant_id=junda.pk, role="dealer_crm_manager")
    with tenant_context(junda):
        DealerGateway(junda).act(
            "contact", "HQ", work_order.number, actor=crm, at=None, whom="王建华", method="phone",
            reached=True, agreed="服务总监致歉", solution_offered=True, on_behalf_of_id=director.pk,
        )  # fmt: skip
    page = supervisor_client.get(url).content.decode()
    section = page.split('data-testid="senior-awaiting"')[1].split("</section>")[0]
    assert "junda.sd" in section
    assert "服务总监致歉" in section
