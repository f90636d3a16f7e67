"""The notification centre groups a person's news per work order; preferences are each person's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from notifications.models import Notification, NotificationChannels, NotificationPreference
from notifications.services import notification_groups, notifications_mark_read
from tenants.models import Role

from ..conftest import client_for, join, person

pytestmark = pytest.mark.django_db


def note(user_id: int, number: str, event_id: int, *, kind: str = "clock.warning", minutes: int = 0, **facts):
    return Notification.objects.create(
        user_id=user_id,
        kind=kind,
        stream=1,
        event_id=event_id,
        manufacturer_code="HQ",
        work_order_number=number,
        title=f"{number} 配件进展",
        facts={
            "by": "system",
            "data": {"clock_kind": "first_contact", "due_at": "2026-12-01T18:00:00+08:00"},
            "labels": {"clock_kind": "First contact"},
            **facts,
        },
        notify_at=timezone.now() - dt.timedelta(minutes=minutes),
    )


@pytest.fixture
def junda(manufacturer):
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    return {"dealer": dealer, "crm": person("junda.crm", dealer, Role.DEALER_CRM_MANAGER)}


def test_notifications_are_grouped_per_work_order_newest_first_with_their_unread(junda):
    crm = junda["crm"].pk
    with tenant_context(junda["dealer"]):
        note(crm, "HQ-1", 1, minutes=30)
        note(crm, "HQ-2", 2, minutes=20)
        note(crm, "HQ-1", 3, minutes=10)
        note(crm + 1, "HQ-3", 4)  # someone else's
        groups = notification_groups(crm)
        assert [(g.work_order_number, g.unread, len(g.items)) for g in groups] == [
            ("HQ-1", 2, 2),
            ("HQ-2", 1, 1),
        ]
        assert groups[0].newest.event_id == 3

        assert notifications_mark_read(crm, work_order=("HQ", "HQ-1")) == 2
        assert [g.unread for g in notification_groups(crm)] == [0, 1]
        assert Notification.objects.filter(user_id=crm + 1, read_at__isnull=True).count() == 1


def test_the_centre_shows_sentences_in_the_readers_language_and_marks_a_work_order_read(junda):
    crm = junda["crm"].pk
    with tenant_context(junda["dealer"]):
        for i in range(3):
            note(crm, "HQ-1", 10 + i, minutes=10 - i)
        note(crm, "HQ-2", 20)
    browser = client_for(junda["dealer"], junda["crm"])
    page = browser.get("/notifications/").content.decode()
    assert page.count('data-testid="notification-group"') == 2
    assert "工单 HQ-1 的「首次联系」时限将于" in page
    assert "配件进展" not in page  # the bare title is not what is shown
    assert "3 条未读" in page
    browser.cookies["django_language"] = "en"
    english = browser.get("/notifications/").content.decode()
    assert "The window “First contact” of HQ-1 runs out at" in english
    assert "3 unread" in english
    browser.cookies["django_language"] = "zh-hans"

    browser.post("/notifications/", {"group": "HQ:HQ-1"})
    with tenant_context(junda["dealer"]):
        assert list(
            Notification.objects.filter(read_at__isnull=True).values_list("work_order_number", flat=True)
        ) == ["HQ-2"]
    panel = browser.get("/notifications/?panel=1").content.decode()
    assert "HQ-2" in panel
    assert "HQ-1" in panel
    browser.post("/notifications/", {})
    with tenant_context(junda["dealer"]):
        assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_a_person_sets_their_preferences_and_only_theirs(junda, manufacturer):
    crm, advisor = junda["crm"], person("junda.sa", junda["dealer"], Role.SERVICE_ADVISOR)
    browser = client_for(junda["dealer"], crm)
    page = browser.get("/notifications/preferences/").content.decode()
    assert 'name="in_app:clock.warning"' in page
    assert 'name="email:dealer.assigned"' in page
    answer = browser.post(
        "/notifications/preferences/", {"in_app:clock.warning": "on", "email:clock.warning": "on"}
    )
    assert answer.status_code == 302
    with tenant_context(junda["dealer"]):
        chosen = {p.kind: (p.in_app, p.email) for p in NotificationPreference.objects.filter(user_id=crm.pk)}
        assert chosen["clock.warning"] == (True, True)
        assert chosen["work_order.dispatched"] == (False, False)
        assert not NotificationPreference.objects.filter(user_id=advisor.pk).exists()
        assert NotificationChannels.objects.get(user_id=crm.pk).robot_mention is False
    # Another tenant's schema holds none of it.
    other = join(manufacturer, "sz-pengcheng", "HQ-GD-002", city="深圳").dealer
    with tenant_context(other):
        assert not NotificationPreference.objects.exists()
    page = browser.get("/notifications/preferences/").content.decode()
    assert 'name="email:clock.warning" aria-label' in page


def test_a_dealer_assignment_tells_the_assignee_with_who_assigned_it(junda, manufacturer):
    from config.actor import Actor
    from hotline.services.work_orders import work_order_create
    from live.relay import relay_everywhere

    from ..conftest import dispatch_relayed, parts_intake

    agent = Actor(user_id=1, name="李娜", tenant_id=manufacturer.hotline_id, role="hotline_agent")
    with tenant_context(manufacturer.hotline):
        work_order = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=junda["dealer"].pk)
        )
    relay_everywhere()
    dispatch_relayed()
    manager = person("张伟", junda["dealer"], Role.SERVICE_MANAGER)
    manager.full_name = "张伟"
    manager.save()
    browser = client_for(junda["dealer"], manager)
    answer = browser.post(f"/work-orders/HQ/{work_order.number}/assign/", {"assignee_id": junda["crm"].pk})
    assert answer.status_code in (200, 302)
    crm_page = client_for(junda["dealer"], junda["crm"]).get("/notifications/").content.decode()
    assert f"张伟 将工单 {work_order.number} 分派给 junda.crm" in crm_page
