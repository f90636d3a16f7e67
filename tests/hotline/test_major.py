"""Major complaints (重大投诉): reclassified by supervisors or on a dealer's request, the
senior-answer window following the severity, senior management told at once, and an answer
recorded on a senior manager's behalf counting only once they confirm it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.actor import Actor
from dealers.gateway import DealerGateway
from hotline.models import Clock, ClockState, UpgradeRequest, WorkOrder, WorkOrderEvent
from hotline.services import major
from hotline.services.clocks import clocks_fire_due
from hotline.services.decisions import transfer_decide
from hotline.services.handling import transfer_request
from hotline.services.work_orders import work_order_create, work_order_reopen
from live.relay import relay_everywhere
from notifications.models import Notification
from notifications.services import notification_preference_set
from tenants.models import Role

from ..conftest import conclusion, join, parts_intake, person, work_outbound

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
# A Tuesday morning in Beijing: every test sets the time it needs.
TUESDAY_10 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)


def actor_of(user, tenant, role: str) -> Actor:
    return Actor(user_id=user.pk, name=user.get_full_name() or user.username, tenant_id=tenant.pk, role=role)


def _with_email(user, address: str):
    user.email = address
    user.save()
    return user


@pytest.fixture
def crew(manufacturer, hotline):
    """广州骏达 with its senior management and staff, and the hotline's people, each with an e-mail."""
    junda = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    people = {
        "gm": (person("zhao.gm", junda, Role.GENERAL_MANAGER), junda, Role.GENERAL_MANAGER),
        "sd": (person("junda.sd", junda, Role.SERVICE_DIRECTOR), junda, Role.SERVICE_DIRECTOR),
        "sm": (person("junda.sm", junda, Role.SERVICE_MANAGER), junda, Role.SERVICE_MANAGER),
        "crm": (person("junda.crm", junda, Role.DEALER_CRM_MANAGER), junda, Role.DEALER_CRM_MANAGER),
        "sa": (person("junda.sa", junda, Role.SERVICE_ADVISOR), junda, Role.SERVICE_ADVISOR),
        "agent": (person("hq.agent", hotline, Role.HOTLINE_AGENT), hotline, Role.HOTLINE_AGENT),
        "supervisor": (
            person("hq.supervisor", hotline, Role.HOTLINE_SUPERVISOR),
            hotline,
            Role.HOTLINE_SUPERVISOR,
        ),
    }
    crew = {"manufacturer": manufacturer, "hotline": hotline, "junda": junda}
    for key, (user, tenant, role) in people.items():
        _with_email(user, f"{key}@example.com")
        crew[key] = user
        crew[f"{key}_actor"] = actor_of(user, tenant, role)
    return crew


def _create(crew, **changes) -> WorkOrder:
    with tenant_context(crew["hotline"]):
        return work_order_create(
            manufacturer=crew["manufacturer"],
            actor=crew["agent_actor"],
            intake=parts_intake(dealer_id=crew["junda"].pk, **changes),
        )


def _senior_clocks(crew, work_order) -> list[Clock]:
    with tenant_context(crew["hotline"]):
        return list(Clock.objects.filter(work_order=work_order, kind="senior_answer").order_by("id"))


def _deliver(now: dt.datetime | None = None) -> None:
    """Relay what was written at ``now``, then do what the workers do a second later (the sweep
    takes only what was relayed before its own now)."""
    now = now or timezone.now()
    with time_machine.travel(now, tick=False):
        relay_everywhere()
    with time_machine.travel(now + dt.timedelta(seconds=1), tick=False):
        work_outbound()


def _told(tenant, kind: str) -> set[int]:
    with tenant_context(tenant):
        return set(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))


def _act(crew, action: str, number: str, who: str, **arguments):
    with tenant_context(crew["junda"]):
        return DealerGateway(crew["junda"]).act(action, "HQ", number, actor=crew[f"{who}_actor"], **arguments)


def _contact(crew, number: str, who: str, **changes):
    values = {
        "at": None,
        "whom": "王建华",
        "method": "phone",
        "reached": True,
        "agreed": "服务总监致电道歉并承诺免费更换大灯总成",
        "solution_offered": True,
        **changes,
    }
    return _act(crew, "contact", number, who, **values)


def test_a_major_complaint_end_to_end_with_the_service_director_answering(crew):
    """The dealer asks, the supervisor grants, senior management and the supervisors are told at
    once; the CRM manager records the service director's answer; the window stops only when the
    service director confirms it, and it is met."""
    with time_machine.travel(TUESDAY_10, tick=False):
        work_order = _create(crew)
        assert _senior_clocks(crew, work_order) == []  # a normal complaint has no senior window
        _deliver()
        mail.outbox.clear()

        request = _act(crew, "upgrade", work_order.number, "crm", reason="车主称将向媒体投诉，要求总经理出面")
        _deliver()
        assert crew["supervisor"].pk in _told(crew["hotline"], "upgrade.requested")

        with tenant_context(crew["hotline"]):
            major.upgrade_decide(
                request_id=request.pk, actor=crew["supervisor_actor"], grant=True, reason="涉及媒体曝光风险"
            )
            assert WorkOrder.objects.get(pk=work_order.pk).severity == "major"
        (clock,) = _senior_clocks(crew, work_order)
        assert clock.state == ClockState.RUNNING
        assert clock.started_at == TUESDAY_10  # from the upgrade, not from intake
        assert clock.due_at == TUESDAY_10 + dt.timedelta(days=2)

        mail.outbox.clear()
        _deliver()
        told = _told(crew["junda"], "work_order.reclassified")
        assert {crew["gm"].pk, crew["sd"].pk, crew["sm"].pk} <= told
        assert crew["supervisor"].pk in _told(crew["hotline"], "work_order.reclassified")
        mailed = {m.to[0] for m in mail.outbox}
        assert {"gm@example.com", "sd@example.com", "sm@example.com", "supervisor@example.com"} <= mailed

    answered = TUESDAY_10 + dt.timedelta(hours=3)
    with time_machine.travel(answered, tick=False):
        _contact(crew, work_order.number, "crm", on_behalf_of_id=crew["sd"].pk)
        (clock,) = _senior_clocks(crew, work_order)
        assert clock.state == ClockState.RUNNING  # recorded for the service director: not yet theirs
        _deliver()
        assert crew["sd"].pk in _told(crew["junda"], "work_order.first_contact")

        with pytest.raises(ValidationError) as refused:  # the general manager has nothing to confirm
            _act(crew, "senior_confirm", work_order.number, "gm")
        assert "confirm" in refused.value.message_dict
        with pytest.raises(PermissionDenied):
            _act(crew, "senior_confirm", work_order.number, "crm")
        assert _senior_clocks(crew, work_order)[0].state == ClockState.RUNNING

    confirmed = answered + dt.timedelta(hours=1)
    with time_machine.travel(confirmed, tick=False):
        _act(crew, "senior_confirm", work_order.number, "sd")
        (clock,) = _senior_clocks(crew, work_order)
        assert (clock.state, clock.stopped_at, clock.met) == (ClockState.STOPPED, confirmed, True)
        with tenant_context(crew["hotline"]):
            stop = WorkOrderEvent.objects.get(
                work_order=work_order, kind="clock.stopped", data__clock_kind="senior_answer"
            )
            assert stop.data["reason"] == "senior_confirmed"
            assert (
                WorkOrderEvent.objects.filter(
                    work_order=work_order, kind="work_order.senior_answer_confirmed"
                ).count()
                == 1
            )
        with pytest.raises(ValidationError):  # confirmed once: nothing left to confirm
            _act(crew, "senior_confirm", work_order.number, "sd")


def test_the_service_director_answering_in_person_stops_the_window_at_once(crew):
    with time_machine.travel(TUESDAY_10, tick=False):
        work_order = _create(crew, severity="major")
        _contact(crew, work_order.number, "sd")
        (clock,) = _senior_clocks(crew, work_order)
        assert (clock.state, clock.met) == (ClockState.STOPPED, True)


def test_an_answer_on_behalf_of_someone_not_in_senior_management_is_refused(crew):
    with time_machine.travel(TUESDAY_10, tick=False):
        work_order = _create(crew, severity="major")
        with pytest.raises(ValidationError) as refused:
            _contact(crew, work_order.number, "crm", on_behalf_of_id=crew["sa"].pk)
        assert "on_behalf_of_id" in refused.value.message_dict
        with tenant_context(crew["hotline"]):
            assert WorkOrder.objects.get(pk=work_order.pk).first_contact_at is None
        assert _senior_clocks(crew, work_order)[0].state == ClockState.RUNNING


def test_downgrading_stops_the_window_and_keeps_it_on_record(crew):
    with time_machine.travel(TUESDAY_10, tick=False):
        work_order = _create(crew, severity="major")
    later = TUESDAY_10 + dt.timedelta(hours=5)
    with time_machine.travel(later, tick=False), tenant_context(crew["hotline"]):
        major.work_order_reclassify(
            work_order_id=work_order.pk,
            actor=crew["supervisor_actor"],
            severity="normal",
            category="repair_quality",
            reason="核实后为一般维修质量问题",
        )
        work_order.refresh_from_db()
        assert (work_order.severity, work_order.category) == ("normal", "repair_quality")
        (clock,) = Clock.objects.filter(work_order=work_order, kind="senior_answer")
        assert (clock.state, clock.stopped_at) == (ClockState.STOPPED, later)
        event = WorkOrderEvent.objects.get(work_order=work_order, kind="work_order.reclassified")
        assert event.data["severity_before"] == "major"
        assert event.data["severity_after"] == "normal"
        assert event.data["reason"] == "核实后为一般维修质量问题"
        assert "major" not in event.data

        # Major again: a new window from that moment; the first stays on record.
        major.work_order_reclassify(
            work_order_id=work_order.pk,
            actor=crew["supervisor_actor"],
            severity="major",
            category="repair_quality",
            reason="车主再次来电投诉",
        )
        clocks = list(Clock.objects.filter(work_order=work_order, kind="senior_answer").order_by("id"))
        assert [c.state for c in clocks] == [ClockState.STOPPED, ClockState.RUNNING]
        assert clocks[1].started_at == later


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"severity": "urgent", "category": "parts_shortage", "reason": "x"}, "severity"),
        ({"severity": "major", "category": "weather", "reason": "x"}, "category"),
        ({"severity": "major", "category": "parts_shortage", "reason": "  "}, "reason"),
        ({"severity": "normal", "category": "parts_shortage", "reason": "没有变化"}, "severity"),
    ],
)
def test_bad_reclassification_is_refused_naming_the_field_and_changes_nothing(crew, values, field):
    with time_machine.travel(TUESDAY_10, tick=False):
        work_order = _create(crew)
        with tenant_context(crew["hotline"]):
            before = WorkOrderEvent.objects.filter(work_order=work_order).count()
            with pytest.raises(ValidationError) as refused:
                major.work_order_reclassify(
                    work_order_id=work_order.pk, actor=crew["supervisor_actor"], **values
                )
            assert field in refused.value.message_dict
            work_order.refresh_from_db()
            assert (work_order.severity, work_order.category) == ("normal", "parts_shortage")
            assert WorkOrderEvent.objects.filter(work_order=work_order).count() == before
        assert _senior_clocks(crew, work_order) == []


def test_an_agent_may_not_reclassify(crew):
    with time_machine.travel(TUESDAY_10, tick=False):
        work_order = _create(crew)
        with tenant_context(crew["hotline"]), pytest.raises(PermissionDenied):
            major.work_order_reclassify(
                work_order_id=work_order.pk,
                actor=crew["agent_actor"],
                severity="major",
                category="parts_shortage",
                reason="车主情绪激动",
            )
        with tenant_context(crew["hotline"]):
            assert WorkOrder.objects.get(pk=work_order.pk).severity == "normal"
        assert _senior_clocks(crew, work_order) == []


def test_a_refused_upgrade_tells_the_dealer_and_changes_nothing_else(crew):
    with time_machine.travel(TUESDAY_10, tick=False):
        work_order = _create(crew)
        request = _act(crew, "upgrade", work_order.number, "sa", reason="车主要求总经理出面")
        with pytest.raises(ValidationError) as twice:
            _act(crew, "upgrade", work_order.number, "crm", reason="再次申请")
        assert "reason" in twice.value.message_dict
        with tenant_context(crew["hotline"]):
            major.upgrade_decide(
                request_id=request.pk, actor=crew["supervisor_actor"], grant=False, reason="属一般投诉"
            )
            assert UpgradeRequest.objects.get(pk=request.pk).state == "refused"
            assert WorkOrder.objects.get(pk=work_order.pk).severity == "normal"
            with pytest.raises(ValidationError) as decided:
                major.upgrade_decide(
                    request_id=request.pk, actor=crew["supervisor_actor"], grant=True, reason="x"
                )
            assert "request" in decided.value.message_dict
        assert _senior_clocks(crew, work_order) == []
        _deliver()
        assert crew["crm"].pk in _told(crew["junda"], "upgrade.refused")


def test_a_major_dispatch_reaches_senior_management_and_supervisors_whatever_they_chose(crew):
    with tenant_context(crew["junda"]):
        notification_preference_set(
            user_id=crew["gm"].pk, kind="work_order.dispatched", in_app=False, email=False
        )
    with time_machine.travel(TUESDAY_10, tick=False):
        _create(crew, severity="major")
        _create(crew)  # a normal one: the general manager is not told
        _deliver()
    with tenant_context(crew["junda"]):
        gm = list(Notification.objects.filter(user_id=crew["gm"].pk, kind="work_order.dispatched"))
    assert len(gm) == 1
    assert {crew["sm"].pk, crew["sd"].pk, crew["crm"].pk} <= _told(crew["junda"], "work_order.dispatched")
    assert crew["supervisor"].pk in _told(crew["hotline"], "work_order.dispatched")
    assert crew["agent"].pk not in _told(crew["hotline"], "work_order.dispatched")
    mailed = [m.to[0] for m in mail.outbox if "新工单" in m.subject or "New work order" in m.subject]
    assert mailed.count("gm@example.com") == 1
    assert "supervisor@example.com" in mailed


def test_a_transferred_and_a_reopened_major_complaint_are_news_for_senior_management(crew, manufacturer):
    pengcheng = join(manufacturer, "sz-pengcheng", "HQ-GD-002", city="深圳").dealer
    their_gm = _with_email(person("peng.gm", pengcheng, Role.GENERAL_MANAGER), "peng.gm@example.com")
    with time_machine.travel(TUESDAY_10, tick=False):
        work_order = _create(crew, severity="major")
        with tenant_context(crew["hotline"]):
            request = transfer_request(
                work_order_id=work_order.pk, actor=crew["crm_actor"], reason="车辆在深圳"
            )
            transfer_decide(
                manufacturer=manufacturer,
                request_id=request.pk,
                actor=crew["supervisor_actor"],
                approve=True,
                reason="就近处理",
                to_dealer_id=pengcheng.pk,
            )
        _deliver()
    assert their_gm.pk in _told(pengcheng, "work_order.transferred")
    assert crew["supervisor"].pk in _told(crew["hotline"], "work_order.transferred")
    with tenant_context(crew["hotline"]):
        (running,) = Clock.objects.filter(
            work_order=work_order, kind="senior_answer", state=ClockState.RUNNING
        )
        event = WorkOrderEvent.objects.get(work_order=work_order, kind="work_order.transferred")
    assert event.data["major"] is True
    assert running.started_at == TUESDAY_10


def test_senior_answer_warnings_go_to_senior_management_and_supervisors(crew):
    with time_machine.travel(TUESDAY_10, tick=False):
        work_order = _create(crew, severity="major")
    (clock,) = _senior_clocks(crew, work_order)
    with tenant_context(crew["hotline"]):
        clocks_fire_due(clock.due_at - dt.timedelta(hours=8))
        warning = WorkOrderEvent.objects.get(
            work_order=work_order, kind="clock.warning", data__clock_kind="senior_answer"
        )
    _deliver(clock.due_at)
    with tenant_context(crew["junda"]):
        warned = set(
            Notification.objects.filter(kind="clock.warning", event_id=warning.pk).values_list(
                "user_id", flat=True
            )
        )
    assert {crew["gm"].pk, crew["sd"].pk, crew["sm"].pk} <= warned
    assert crew["sa"].pk not in warned
    assert crew["supervisor"].pk in _told(crew["hotline"], "clock.warning")


def test_a_reopened_major_complaint_is_news_for_senior_management_and_supervisors(crew):
    with time_machine.travel(TUESDAY_10, tick=False):
        work_order = _create(crew, severity="major")
        _contact(crew, work_order.number, "sd")
        _act(crew, "stock", work_order.number, "sm", result="own_stock", note="")
        _act(
            crew,
            "resolve",
            work_order.number,
            "sm",
            result_summary="已免费更换大灯总成",
            owner_acceptance="accepted",
            **conclusion(),
        )
        _deliver()
    reopened_at = TUESDAY_10 + dt.timedelta(days=1)
    with time_machine.travel(reopened_at, tick=False):
        with tenant_context(crew["hotline"]):
            work_order_reopen(
                work_order_id=work_order.pk, actor=crew["agent_actor"], reason="车主称大灯仍闪烁"
            )
        _deliver()
    assert {crew["gm"].pk, crew["sd"].pk, crew["sm"].pk} <= _told(crew["junda"], "work_order.reopened")
    assert crew["supervisor"].pk in _told(crew["hotline"], "work_order.reopened")
    clocks = _senior_clocks(crew, work_order)
    assert [c.state for c in clocks] == [ClockState.STOPPED, ClockState.RUNNING]
    assert clocks[1].started_at == reopened_at
