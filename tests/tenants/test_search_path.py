"""The search path is set once per connection and tenant (``TENANT_LIMIT_SET_CALLS``), and never
trusted after PostgreSQL undid it: a query after a rolled-back transaction or savepoint in which
the path was set still reads the tenant's tables. A request's host lookup sets its tenant's path
in the same statement: requests send no ``SET`` and still read each its own host's tenant."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from config.actor import Actor
from hotline.models import WorkOrder
from hotline.services.work_orders import work_order_create
from tenants.middleware import host_entered
from tenants.models import Tenant
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, host_of, join, parts_intake


class Undone(Exception):
    pass


def count_then_undo(tenant: Tenant | None = None) -> None:
    """Count work orders in a transaction (or savepoint) that then rolls back; with ``tenant``,
    switch to it inside first, so its search path is set inside and undone with the rest."""
    with transaction.atomic():
        if tenant is not None:
            connection.set_tenant(tenant)
        assert WorkOrder.objects.count() == 0
        raise Undone


@pytest.mark.django_db(transaction=True)
def test_a_query_after_a_rolled_back_transaction_reads_the_tenant(committed_tenants, manufacturer):
    connection.close()
    connection.set_tenant(manufacturer.hotline)
    with pytest.raises(Undone):  # the path is first set inside, and the rollback undoes it
        count_then_undo()
    assert WorkOrder.objects.count() == 0
    connection.set_schema_to_public()
    assert Tenant.objects.filter(pk=manufacturer.hotline_id).exists()


@pytest.mark.django_db
def test_a_query_after_a_rolled_back_savepoint_reads_the_tenant(manufacturer):
    assert Tenant.objects.exists()  # public's path, set in the outer transaction
    with pytest.raises(Undone):  # the tenant's path is set inside the savepoint, then undone
        count_then_undo(manufacturer.hotline)
    assert WorkOrder.objects.count() == 0
    connection.set_schema_to_public()


@pytest.mark.django_db
def test_switching_tenants_switches_the_tables_read(manufacturer, other_manufacturer):
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001")
    actor = Actor(user_id=1, name="李娜", tenant_id=manufacturer.hotline_id, role="hotline_agent")
    with tenant_context(manufacturer.hotline):
        work_order_create(
            manufacturer=manufacturer, actor=actor, intake=parts_intake(dealer_id=dealer.dealer_id)
        )
        assert WorkOrder.objects.count() == 1
        with tenant_context(other_manufacturer.hotline):
            assert WorkOrder.objects.count() == 0
        assert WorkOrder.objects.count() == 1


def sets_of_the_path(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SET SEARCH_PATH")
    ]


@pytest.mark.django_db
def test_requests_to_two_hotlines_in_turn_read_each_its_own_without_setting_the_path(
    manufacturer, other_manufacturer, parts_work_order
):
    ours = api_client(
        manufacturer.hotline, api_key_create(tenant=manufacturer.hotline, name="BI", scope="read").secret
    )
    theirs = api_client(
        other_manufacturer.hotline,
        api_key_create(tenant=other_manufacturer.hotline, name="BI", scope="read").secret,
    )
    connection.set_schema_to_public()

    with CaptureQueriesContext(connection) as queries:
        listed = [
            client.get("/api/v1/work-orders/").json()["results"] for client in (ours, theirs, ours, theirs)
        ]
        unknown = APIClient(HTTP_HOST="nobody.localhost").get("/api/v1/work-orders/")

    numbers = [[row["number"] for row in rows] for rows in listed]
    assert numbers == [[parts_work_order.number], [], [parts_work_order.number], []]
    assert unknown.status_code == 404
    assert sets_of_the_path(queries) == []
    assert Tenant.objects.filter(pk=manufacturer.hotline_id).exists()  # an unknown host leaves public's path


@pytest.mark.django_db
def test_the_platform_s_own_host_is_entered_without_a_set_either(platform, manufacturer):
    connection.set_tenant(manufacturer.hotline)
    assert WorkOrder.objects.count() == 0  # the session reads the hotline's tables
    with CaptureQueriesContext(connection) as queries:
        entered = host_entered(host_of(platform))
        assert Tenant.objects.filter(pk=platform.pk).exists()  # public's tables, read with its path

    assert entered == platform
    assert connection.schema_name == "public"
    assert sets_of_the_path(queries) == []


@pytest.mark.django_db
def test_a_path_set_by_a_statement_is_trusted_only_when_it_is_the_tenant_s(manufacturer, other_manufacturer):
    connection.set_tenant(manufacturer.hotline)
    with connection.cursor() as cursor:  # the session reads the other hotline's tables
        cursor.execute(
            "SELECT set_config('search_path', %s, false)",
            [f'"{other_manufacturer.hotline.schema_name}",public'],
        )
    connection.search_path_was_set(f'"{other_manufacturer.hotline.schema_name}","public"')
    with CaptureQueriesContext(connection) as queries:
        assert WorkOrder.objects.count() == 0

    assert sets_of_the_path(queries) == [f'SET search_path = "{manufacturer.hotline.schema_name}","public"']


def set_other_path_then_fail(path: str) -> None:
    """A statement run with the path left alone sets another path, then its caller fails before
    saying which path it set."""
    with connection.search_path_left_alone():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('search_path', %s, false)", [path])
        raise Undone


@pytest.mark.django_db
def test_a_lookup_failing_after_it_set_the_path_leaves_the_path_to_be_set_again(
    manufacturer, other_manufacturer
):
    connection.set_tenant(manufacturer.hotline)
    assert WorkOrder.objects.count() == 0  # the hotline's path, set and trusted
    with pytest.raises(Undone):
        set_other_path_then_fail(f'"{other_manufacturer.hotline.schema_name}",public')
    with CaptureQueriesContext(connection) as queries:
        assert WorkOrder.objects.count() == 0

    assert sets_of_the_path(queries) == [f'SET search_path = "{manufacturer.hotline.schema_name}","public"']
