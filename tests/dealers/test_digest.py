"""The general manager's daily digest of new complaints: chosen on the dashboard, made once per
morning from 08:00 in the dealer's zone with the day before's work orders (major first), and
e-mailed once however often the sweep and the send run."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django_tenants.utils import tenant_context

from config.actor import Actor
from dealers.digest import digest_send
from dealers.models import DailyDigest
from dealers.tasks import digest_sweep
from hotline.services.work_orders import work_order_create
from tenants.models import Role

from ..conftest import client_for, parts_intake, person

pytestmark = pytest.mark.django_db

# Monday 1 March 2027 in Shanghai: 10:00, 15:00; the digest on Tuesday 2 March.
MONDAY_10 = dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC)
TUESDAY_0759 = dt.datetime(2027, 3, 1, 23, 59, tzinfo=dt.UTC)
TUESDAY_0805 = dt.datetime(2027, 3, 2, 0, 5, tzinfo=dt.UTC)


@pytest.fixture
def gm(network):
    user = person("junda.gm", network["junda"], Role.GENERAL_MANAGER)
    user.email = "gm@junda.example"
    user.save()
    return user


def record(manufacturer, hotline, dealer, at, **changes):
    agent = Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent")
    with time_machine.travel(at, tick=False), tenant_context(hotline):
        wo = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=dealer.pk, **changes)
        )
    connection.set_schema_to_public()
    return wo.number


def test_the_general_manager_chooses_the_digest_and_gets_it_once_each_morning(
    manufacturer, hotline, network, gm
):
    junda = network["junda"]
    with time_machine.travel(MONDAY_10, tick=False):
        page = client_for(junda, gm)
        assert 'data-testid="digest"' in page.get("/").content.decode()
        assert page.post("/digest/", {"wanted": "yes"}).status_code == 302
    normal = record(
        manufacturer, hotline, junda, MONDAY_10, owner={**parts_intake().owner, "mobile": "13800000001"}
    )
    major = record(
        manufacturer,
        hotline,
        junda,
        MONDAY_10 + dt.timedelta(hours=5),
        severity="major",
        owner={**parts_intake().owner, "mobile": "13800000002"},
    )
    elsewhere = record(
        manufacturer,
        hotline,
        network["pengcheng"],
        MONDAY_10,
        owner={**parts_intake().owner, "mobile": "13800000003"},
    )

    with time_machine.travel(TUESDAY_0759, tick=False):
        digest_sweep()
    with tenant_context(junda):
        assert not DailyDigest.objects.exists()  # not before 08:00 in the dealer's zone

    with time_machine.travel(TUESDAY_0805, tick=False):
        digest_sweep()
        digest_sweep()  # a second sweep makes nothing more
    with tenant_context(junda):
        digest = DailyDigest.objects.get()
    assert digest.user_id == gm.pk
    assert digest.day == dt.date(2027, 3, 2)
    assert "2027-03-01" in digest.subject
    assert major in digest.body
    assert normal in digest.body
    assert digest.body.index(major) < digest.body.index(normal)  # major complaints first
    assert elsewhere not in digest.body  # another dealer's work order

    with tenant_context(junda):
        assert digest_send(digest.pk) is True
        assert digest_send(digest.pk) is False  # sent once, whatever the retries
    assert [m.to for m in mail.outbox] == [["gm@junda.example"]]
    assert major in mail.outbox[0].body


def test_only_the_general_manager_may_choose_it_and_only_subscribers_get_it(network, gm):
    junda = network["junda"]
    manager = person("junda.sm", junda, Role.SERVICE_MANAGER)
    with time_machine.travel(MONDAY_10, tick=False):
        page = client_for(junda, manager)
        assert 'data-testid="digest"' not in page.get("/").content.decode()
        assert page.post("/digest/", {"wanted": "yes"}).status_code == 403
    with time_machine.travel(TUESDAY_0805, tick=False):
        digest_sweep()
    with tenant_context(junda):
        assert not DailyDigest.objects.exists()  # the general manager has not chosen it

    with time_machine.travel(MONDAY_10, tick=False):
        gm_page = client_for(junda, gm)
        gm_page.post("/digest/", {"wanted": "yes"})
        gm_page.post("/digest/", {"wanted": "no"})
    with time_machine.travel(TUESDAY_0805, tick=False):
        digest_sweep()
    with tenant_context(junda):
        assert not DailyDigest.objects.exists()


def test_a_network_the_dealer_left_is_not_in_its_digest(manufacturer, hotline, network, gm):
    from tenants.models import NetworkMembership

    junda = network["junda"]
    with time_machine.travel(MONDAY_10, tick=False):
        client_for(junda, gm).post("/digest/", {"wanted": "yes"})
    number = record(manufacturer, hotline, junda, MONDAY_10)
    NetworkMembership.objects.filter(dealer=junda).update(is_active=False)
    with time_machine.travel(TUESDAY_0805, tick=False):
        digest_sweep()
    with tenant_context(junda):
        digest = DailyDigest.objects.get()
    assert number not in digest.body
    assert "华骐" not in digest.body
