"""Technical support: the dealer asks (DISS case, question), the hotline answers or closes within
its 2-working-day window, and the SLA policy decides whether the completion window waits."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.events import CATALOGUE, EventKind
from hotline.models import Clock, TechSupportRequest, WorkOrder
from hotline.services.clocks import clocks_fire_due
from hotline.services.policy import DEFAULT_WINDOWS, policy_publish
from hotline.services.techsupport import tech_support_answer, tech_support_close
from hotline.services.work_orders import work_order_create
from hotline.state import IllegalTransition
from notifications.rules import Audience
from tenants.models import Role

from ..conftest import api_session, client_for, parts_intake, person

pytestmark = pytest.mark.django_db

BJ = zoneinfo.ZoneInfo("Asia/Shanghai")
TUESDAY = dt.datetime(2025, 11, 4, 10, 0, tzinfo=BJ)  # an ordinary working week


@pytest.fixture
def parts_work_order(manufacturer, network, agent, in_hotline):
    """A parts work order routed to 广州骏达 on Tuesday at 09:00 (the tests move on from there)."""
    with time_machine.travel(TUESDAY - dt.timedelta(hours=1), tick=False):
        return work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )


def contacted(gateway, actor, number: str) -> None:
    gateway.act(
        "contact",
        "HQ",
        number,
        actor=actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="先向厂家技术支持咨询",
    )


def ask(gateway, actor, number: str, **changes: str) -> TechSupportRequest:
    values = {
        "diss_reference": "DISS-2025-118733",
        "question": "更换大灯总成后仍闪烁，是否需刷写车身控制模块？",
    }
    values.update(changes)
    request = gateway.act("tech_support", "HQ", number, actor=actor, **values)
    connection.set_schema_to_public()
    return request


def clocks(hotline, work_order, kind: str) -> list[Clock]:
    with tenant_context(hotline):
        return list(Clock.objects.filter(work_order=work_order, kind=kind).order_by("id"))


def test_a_question_runs_the_hotlines_window_and_pauses_completion_until_answered(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent
):
    n = parts_work_order.number
    with time_machine.travel(TUESDAY, tick=False):
        contacted(junda_gateway, dealer_actor, n)
        request = ask(junda_gateway, dealer_actor, n)
    assert (request.number, request.state) == (f"{n}-T1", "open")
    [window] = clocks(hotline, parts_work_order, "tech_support")
    # 2 working days from Tuesday 10:00: Thursday 10:00.
    assert (window.state, window.due_at) == ("running", dt.datetime(2025, 11, 6, 10, 0, tzinfo=BJ))
    [completion] = clocks(hotline, parts_work_order, "completion")
    assert completion.state == "paused"

    with time_machine.travel(TUESDAY + dt.timedelta(days=1), tick=False), tenant_context(hotline):
        tech_support_answer(
            work_order_id=parts_work_order.pk,
            request=request.number,
            actor=agent,
            answer="需刷写 BCM 至 V2.3。",
        )
        events = list(
            WorkOrder.objects.get(pk=parts_work_order.pk)
            .events.filter(kind__startswith="tech_support.")
            .values_list("kind", flat=True)
        )
    [window] = clocks(hotline, parts_work_order, "tech_support")
    [completion] = clocks(hotline, parts_work_order, "completion")
    assert (window.state, window.met) == ("stopped", True)
    assert completion.state == "running"
    assert events == ["tech_support.requested", "tech_support.answered"]
    with tenant_context(hotline), pytest.raises(ValidationError) as again:
        tech_support_close(work_order_id=parts_work_order.pk, request=request.number, actor=agent, reason="x")
    assert "request" in again.value.message_dict


def test_a_policy_not_pausing_completion_leaves_clocks_started_under_the_earlier_version_paused(
    parts_work_order, hotline, junda_gateway, dealer_actor, admin
):
    with tenant_context(hotline):
        policy_publish(actor=admin, windows=list(DEFAULT_WINDOWS), tech_support_pauses_completion=False)
    contacted(junda_gateway, dealer_actor, parts_work_order.number)
    ask(junda_gateway, dealer_actor, parts_work_order.number)
    # The completion window started at dispatch under version 1, which pauses; a work order
    # recorded under version 2 keeps running.
    [completion] = clocks(hotline, parts_work_order, "completion")
    assert completion.state == "paused"
    with tenant_context(hotline):
        assert not policy_publish(actor=admin, windows=list(DEFAULT_WINDOWS)).tech_support_pauses_completion


def test_the_policy_choice_applies_to_clocks_started_under_it(
    manufacturer, network, agent, admin, hotline, junda_gateway, dealer_actor
):
    with tenant_context(hotline):
        policy_publish(actor=admin, windows=list(DEFAULT_WINDOWS), tech_support_pauses_completion=False)
        work_order = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    connection.set_schema_to_public()
    with tenant_context(network["junda"]):
        contacted(junda_gateway, dealer_actor, work_order.number)
        ask(junda_gateway, dealer_actor, work_order.number)
    [completion] = clocks(hotline, work_order, "completion")
    assert completion.state == "running"


def test_bad_questions_are_refused_naming_the_field_and_change_nothing(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    n = parts_work_order.number
    with pytest.raises(IllegalTransition):  # not before the owner was contacted
        ask(junda_gateway, dealer_actor, n)
    contacted(junda_gateway, dealer_actor, n)
    for changes, field in (
        ({"diss_reference": ""}, "diss_reference"),
        ({"diss_reference": "案例 12"}, "diss_reference"),
        ({"diss_reference": "D" * 41}, "diss_reference"),
        ({"question": "   "}, "question"),
        ({"question": "问" * 2001}, "question"),
    ):
        with pytest.raises(ValidationError) as caught:
            ask(junda_gateway, dealer_actor, n, **changes)
        assert field in caught.value.message_dict, changes
    with tenant_context(hotline):
        assert not TechSupportRequest.objects.exists()
    assert clocks(hotline, parts_work_order, "tech_support") == []

    ask(junda_gateway, dealer_actor, n)
    with pytest.raises(ValidationError) as second:
        ask(junda_gateway, dealer_actor, n, diss_reference="DISS-2")
    assert "question" in second.value.message_dict
    with tenant_context(hotline):
        assert TechSupportRequest.objects.count() == 1


def test_closing_needs_a_reason_and_a_request_of_another_work_order_is_not_found(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent
):
    n = parts_work_order.number
    contacted(junda_gateway, dealer_actor, n)
    request = ask(junda_gateway, dealer_actor, n)
    with tenant_context(hotline):
        with pytest.raises(ValidationError) as empty:
            tech_support_close(
                work_order_id=parts_work_order.pk, request=request.number, actor=agent, reason=" "
            )
        assert "reason" in empty.value.message_dict
        with pytest.raises(TechSupportRequest.DoesNotExist):
            tech_support_answer(
                work_order_id=parts_work_order.pk, request=f"{n}-T9", actor=agent, answer="好"
            )
        tech_support_close(
            work_order_id=parts_work_order.pk, request=request.number, actor=agent, reason="已电话答复"
        )
        request.refresh_from_db()
    assert (request.state, request.close_reason) == ("closed", "已电话答复")


def test_the_hotlines_window_warns_and_escalates_to_its_supervisors():
    warning = CATALOGUE[EventKind.CLOCK_WARNING].audience_for({"clock_kind": "tech_support"})
    breach = CATALOGUE[EventKind.CLOCK_BREACHED].audience_for(
        {"clock_kind": "tech_support", "escalate_to": ["hotline_supervisor"]}
    )
    assert warning == Audience(hotline_roles=frozenset({"hotline_supervisor"}))
    assert breach == Audience(hotline_roles=frozenset({"hotline_supervisor"}))


def test_a_missed_answer_window_is_the_hotlines_breach(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    with time_machine.travel(TUESDAY, tick=False):
        contacted(junda_gateway, dealer_actor, parts_work_order.number)
        ask(junda_gateway, dealer_actor, parts_work_order.number)
    [window] = clocks(hotline, parts_work_order, "tech_support")
    with tenant_context(hotline):
        clocks_fire_due(window.due_at)
        breach = WorkOrder.objects.get(pk=parts_work_order.pk).events.get(
            kind=EventKind.CLOCK_BREACHED, data__clock=window.pk
        )
    assert breach.data["escalate_to"] == ["hotline_supervisor"]


# --- the portals and the API ------------------------------------------------------------------


def test_the_dealer_asks_in_its_portal_and_the_hotline_answers_in_its_own(
    parts_work_order, hotline, network, junda_gateway, dealer_actor
):
    n = parts_work_order.number
    contacted(junda_gateway, dealer_actor, n)
    junda = network["junda"]
    crm = client_for(junda, person("junda.crm", junda, Role.DEALER_CRM_MANAGER))

    bad = crm.post(f"/work-orders/HQ/{n}/tech_support/", {"diss_reference": "DISS 1", "question": "?"})
    assert bad.status_code == 400
    assert "diss_reference" in bad.context["tech_support_form"].errors
    page = crm.post(
        f"/work-orders/HQ/{n}/tech_support/",
        {"diss_reference": "DISS-1", "question": "是否需刷写？"},
        follow=True,
    )
    assert page.status_code == 200
    assert "DISS-1" in page.content.decode()
    assert 'data-testid="tech-support-form"' not in page.content.decode()  # one open at a time

    agent = client_for(hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT))
    shown = agent.get(f"/work-orders/{n}/").content.decode()
    assert 'data-testid="tech-support-answer"' in shown
    assert "是否需刷写？" in shown
    empty = agent.post(f"/work-orders/{n}/tech_support/", {"tech_support-request": f"{n}-T1"})
    assert empty.status_code == 400
    elsewhere = agent.post(
        f"/work-orders/{n}/tech_support/",
        {"tech_support-request": f"{n}-T9", "tech_support-answer": "答复"},
    )
    assert elsewhere.status_code == 404  # not a request of this work order
    answered = agent.post(
        f"/work-orders/{n}/tech_support/",
        {"tech_support-request": f"{n}-T1", "tech_support-answer": "需刷写 BCM。"},
        follow=True,
    )
    assert answered.status_code == 200
    assert "需刷写 BCM。" in crm.get(f"/work-orders/HQ/{n}/").content.decode()


def test_another_dealer_and_another_manufacturer_find_nothing(
    parts_work_order, hotline, network, junda_gateway, dealer_actor, other_manufacturer, foreign_dealer
):
    n = parts_work_order.number
    contacted(junda_gateway, dealer_actor, n)
    ask(junda_gateway, dealer_actor, n)
    pengcheng = network["pengcheng"]
    neighbour = client_for(pengcheng, person("pc.crm", pengcheng, Role.DEALER_CRM_MANAGER))
    body = {"diss_reference": "DISS-9", "question": "?"}
    assert neighbour.post(f"/work-orders/HQ/{n}/tech_support/", body).status_code == 404
    neighbour_api = api_session(pengcheng, person("pc.api", pengcheng, Role.DEALER_CRM_MANAGER))
    assert (
        neighbour_api.post(
            f"/api/v1/work-orders/HQ/{n}/tech-support-requests/", body, format="json"
        ).status_code
        == 404
    )
    stranger = client_for(
        other_manufacturer.hotline, person("dy.agent", other_manufacturer.hotline, Role.HOTLINE_AGENT)
    )
    assert stranger.get(f"/work-orders/{n}/").status_code == 404
    foreign_api = api_session(
        other_manufacturer.hotline, person("dy.api", other_manufacturer.hotline, Role.HOTLINE_AGENT)
    )
    answer = {"answer": "好"}
    assert (
        foreign_api.post(
            f"/api/v1/work-orders/{n}/tech-support/{n}-T1/answer/", answer, format="json"
        ).status_code
        == 404
    )
    with tenant_context(hotline):
        assert TechSupportRequest.objects.get().state == "open"


def test_the_api_asks_lists_answers_and_refuses_bad_input(
    parts_work_order, hotline, network, junda_gateway, dealer_actor
):
    n = parts_work_order.number
    contacted(junda_gateway, dealer_actor, n)
    junda = network["junda"]
    dealer_api = api_session(junda, person("junda.api", junda, Role.SERVICE_MANAGER))
    refused = dealer_api.post(
        f"/api/v1/work-orders/HQ/{n}/tech-support-requests/",
        {"diss_reference": "", "question": "是否需刷写？"},
        format="json",
    )
    assert refused.status_code == 400
    assert "diss_reference" in refused.content.decode()
    asked = dealer_api.post(
        f"/api/v1/work-orders/HQ/{n}/tech-support-requests/",
        {"diss_reference": "DISS-7", "question": "是否需刷写？"},
        format="json",
    )
    assert asked.status_code in (200, 201)

    hotline_api = api_session(hotline, person("hq.api", hotline, Role.HOTLINE_AGENT))
    [listed] = hotline_api.get(f"/api/v1/work-orders/{n}/tech-support/").json()
    assert (listed["number"], listed["state"], listed["diss_reference"]) == (f"{n}-T1", "open", "DISS-7")
    blank = hotline_api.post(
        f"/api/v1/work-orders/{n}/tech-support/{n}-T1/answer/", {"answer": ""}, format="json"
    )
    assert blank.status_code == 400
    assert "answer" in blank.content.decode()
    missing = hotline_api.post(
        f"/api/v1/work-orders/{n}/tech-support/{n}-T2/answer/", {"answer": "好"}, format="json"
    )
    assert missing.status_code == 404
    done = hotline_api.post(
        f"/api/v1/work-orders/{n}/tech-support/{n}-T1/answer/", {"answer": "需刷写 BCM。"}, format="json"
    )
    assert (done.status_code, done.json()["state"], done.json()["answer"]) == (
        200,
        "answered",
        "需刷写 BCM。",
    )
    again = hotline_api.post(
        f"/api/v1/work-orders/{n}/tech-support/{n}-T1/close/", {"reason": "x"}, format="json"
    )
    assert again.status_code == 400


def test_the_dealer_is_told_of_the_answer_and_the_supervisors_of_the_question():
    asked = CATALOGUE[EventKind.TECH_SUPPORT_REQUESTED].audience_for({})
    answered = CATALOGUE[EventKind.TECH_SUPPORT_ANSWERED].audience_for({})
    assert asked.hotline_roles == frozenset({"hotline_supervisor"})
    assert "dealer_crm_manager" in answered.dealer_roles


def test_administrators_choose_on_the_policy_page_whether_technical_support_pauses_completion(hotline):
    from hotline.models import SlaPolicy

    admin = client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN))
    form = admin.get("/administration/").context["form"]
    assert form["tech_support_pauses_completion"].value() is True
    data = {name: form[name].value() or "" for name in form.fields}
    data["tech_support_pauses_completion"] = ""  # unticked

    assert admin.post("/administration/", data).status_code == 302
    with tenant_context(hotline):
        latest = SlaPolicy.objects.order_by("-version").first()
    assert (latest.version, latest.tech_support_pauses_completion) == (2, False)


def test_the_dealer_cannot_stretch_the_hotlines_answer_window(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    n = parts_work_order.number
    contacted(junda_gateway, dealer_actor, n)
    ask(junda_gateway, dealer_actor, n)
    with pytest.raises(ValidationError) as caught:
        junda_gateway.act(
            "extension", "HQ", n, actor=dealer_actor, clock_kind="tech_support", minutes=60, reason="等厂家"
        )
    assert "clock_kind" in caught.value.message_dict


def test_supervisors_are_told_of_the_question_and_the_dealer_on_duty_of_the_answer(
    parts_work_order, hotline, network, junda_gateway, dealer_actor, agent
):
    from live.relay import relay_everywhere
    from notifications.models import Notification

    from ..conftest import dispatch_relayed

    junda = network["junda"]
    supervisor = person("hq.sup", hotline, Role.HOTLINE_SUPERVISOR)
    crm = person("junda.crm", junda, Role.DEALER_CRM_MANAGER)
    n = parts_work_order.number
    contacted(junda_gateway, dealer_actor, n)
    request = ask(junda_gateway, dealer_actor, n)
    with tenant_context(hotline):
        tech_support_answer(
            work_order_id=parts_work_order.pk, request=request.number, actor=agent, answer="需刷写。"
        )
    connection.set_schema_to_public()
    relay_everywhere()
    dispatch_relayed()

    with tenant_context(hotline):
        told_here = set(Notification.objects.values_list("user_id", "kind"))
    with tenant_context(junda):
        told_there = set(Notification.objects.values_list("user_id", "kind"))
    assert (supervisor.pk, "tech_support.requested") in told_here
    assert (crm.pk, "tech_support.answered") in told_there
    assert (crm.pk, "tech_support.requested") not in told_there
