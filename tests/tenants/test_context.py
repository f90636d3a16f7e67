"""Loops over tenants: one tenant's failure is logged and counted, and the others go on."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.models import Clock, WorkOrderEvent
from hotline.scheduler import fire_due_clocks
from hotline.services.work_orders import work_order_create
from tenants.context import each_tenant
from tenants.models import TenantType

from ..conftest import join, parts_intake


def _due_work_order(manufacturer, dealer_code: str, slug: str):
    dealer = join(manufacturer, slug, dealer_code)
    actor = Actor(user_id=1, name="李娜", tenant_id=manufacturer.hotline_id, role="hotline_agent")
    with tenant_context(manufacturer.hotline):
        work_order = work_order_create(
            manufacturer=manufacturer, actor=actor, intake=parts_intake(dealer_id=dealer.dealer_id)
        )
        past = work_order.received_at - dt.timedelta(hours=1)
        Clock.objects.filter(work_order=work_order, kind="first_contact").update(
            due_at=past, next_fire_at=past, warn_before=[], warn_times=[]
        )
    return work_order


@pytest.mark.django_db(transaction=True)
def test_a_broken_hotline_does_not_stop_the_clocks_of_the_others(
    committed_tenants, manufacturer, other_manufacturer, caplog
):
    _due_work_order(manufacturer, "HQ-GD-001", "gz-junda")
    theirs = _due_work_order(other_manufacturer, "DY-GD-001", "gz-dongfang")
    with connection.cursor() as cursor:  # 华骐's clocks can't be read: its schema is damaged
        cursor.execute(f'ALTER TABLE "{manufacturer.hotline.schema_name}".hotline_clock RENAME TO broken')
    connection.set_schema_to_public()

    with caplog.at_level(logging.ERROR, logger="tenants.context"):
        fire_due_clocks()

    with tenant_context(other_manufacturer.hotline):
        assert WorkOrderEvent.objects.filter(work_order=theirs, kind="clock.breached").count() == 1
    assert f"clocks failed for tenant {manufacturer.hotline.slug}" in caplog.text


@pytest.mark.django_db
def test_each_tenant_says_which_tenants_failed_and_keeps_the_rest(manufacturer, other_manufacturer):
    def work(tenant):
        if tenant.pk == manufacturer.hotline_id:
            raise RuntimeError("boom")
        return tenant.schema_name

    done = each_tenant(work, tenant_type=TenantType.HOTLINE, name="probe")

    assert list(done.failed) == [manufacturer.hotline_id]
    assert done.results == {other_manufacturer.hotline_id: other_manufacturer.hotline.schema_name}
