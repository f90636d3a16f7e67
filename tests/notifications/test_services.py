"""People choose what reaches them and how; escalations reach them regardless."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.services.work_orders import work_order_create
from live.relay import relay_everywhere
from notifications.models import Notification
from notifications.services import notification_preference_set
from tenants.models import Role

from ..conftest import join, parts_intake, person, work_outbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(manufacturer):
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    crm = person("junda.crm", dealer, Role.DEALER_CRM_MANAGER)
    crm.email = "crm@junda.example"
    crm.save()
    advisor = person("junda.sa", dealer, Role.SERVICE_ADVISOR)
    advisor.email = "sa@junda.example"
    advisor.save()
    return {"manufacturer": manufacturer, "dealer": dealer, "crm": crm, "advisor": advisor}


def dispatch(crew) -> None:
    manufacturer = crew["manufacturer"]
    agent = Actor(user_id=1, name="李娜", tenant_id=manufacturer.hotline_id, role="hotline_agent")
    with tenant_context(manufacturer.hotline):
        work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=crew["dealer"].pk)
        )
    relay_everywhere()


def test_new_work_orders_reach_dealer_staff_in_the_app_and_by_email_once(crew):
    dispatch(crew)
    work_outbound()
    work_outbound()

    with tenant_context(crew["dealer"]):
        kinds = sorted(Notification.objects.values_list("user_id", "kind"))
    assert kinds == sorted(
        [(crew["crm"].pk, "work_order.dispatched"), (crew["advisor"].pk, "work_order.dispatched")]
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["crm@junda.example", "sa@junda.example"]
    assert all("新工单" in m.subject for m in mail.outbox)


def test_a_person_can_turn_a_kind_off_in_the_app_and_by_email(crew):
    with tenant_context(crew["dealer"]):
        notification_preference_set(
            user_id=crew["advisor"].pk, kind="work_order.dispatched", in_app=False, email=False
        )
    dispatch(crew)
    work_outbound()

    with tenant_context(crew["dealer"]):
        told = set(Notification.objects.values_list("user_id", flat=True))
    assert told == {crew["crm"].pk}
    assert [m.to for m in mail.outbox] == [["crm@junda.example"]]


def test_escalations_reach_the_people_the_policy_names_whatever_they_chose(crew):
    from hotline.models import Clock
    from hotline.services.clocks import clocks_fire_due

    with tenant_context(crew["dealer"]):
        notification_preference_set(user_id=crew["crm"].pk, kind="clock.breached", in_app=False, email=False)
    dispatch(crew)
    with tenant_context(crew["manufacturer"].hotline):
        due = Clock.objects.get(kind="first_contact").due_at
        clocks_fire_due(due)
    relay_everywhere()
    mail.outbox.clear()
    work_outbound(due + dt.timedelta(minutes=1))  # told at the breach, not before

    with tenant_context(crew["dealer"]):
        breached = set(Notification.objects.filter(kind="clock.breached").values_list("user_id", flat=True))
    assert crew["crm"].pk in breached
    assert "crm@junda.example" in [m.to[0] for m in mail.outbox]
