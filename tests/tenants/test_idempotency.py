"""Retries and writers racing each other on committed data (each thread its own connection)."""

from __future__ import annotations

import queue
import threading

import pytest
from django.db import close_old_connections, connection

from hotline.models import WorkOrder
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import WORK_ORDERS_API, api_client, api_intake, api_session, in_schema, person


def _race(count: int, call) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_with_one_key_make_one_work_order(committed_tenants, manufacturer, hotline):
    from ..conftest import join

    join(manufacturer, "gz-junda", "HQ-GD-001")
    secret = api_key_create(tenant=hotline, name="CTI", scope="write").secret
    responses = _race(
        3,
        lambda: api_client(hotline, secret).post(
            WORK_ORDERS_API, api_intake(), format="json", HTTP_IDEMPOTENCY_KEY="call-7001"
        ),
    )
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert len({r.json()["number"] for r in responses}) == 1
    assert sum(r.get("Idempotent-Replayed") == "true" for r in responses) == 2
    with in_schema(hotline):
        assert WorkOrder.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_writers_with_the_same_etag_one_wins(committed_tenants, manufacturer, hotline):
    from ..conftest import join

    join(manufacturer, "gz-junda", "HQ-GD-001")
    secret = api_key_create(tenant=hotline, name="CTI", scope="write").secret
    created = api_client(hotline, secret).post(WORK_ORDERS_API, api_intake(), format="json")
    url, etag = created["Location"], created["ETag"]
    supervisor = person("sup", hotline, Role.HOTLINE_SUPERVISOR)
    sessions = queue.SimpleQueue()
    for _i in range(2):  # two supervisors' browsers, signed in before the race
        sessions.put(api_session(hotline, supervisor))
    responses = _race(
        2,
        lambda: sessions.get().post(
            f"{url}cancel/", {"reason": "重复录入"}, format="json", HTTP_IF_MATCH=etag
        ),
    )
    assert sorted(r.status_code for r in responses) == [200, 412]


@pytest.mark.django_db(transaction=True)
def test_the_first_work_orders_of_a_new_hotline_arriving_together_all_succeed(
    committed_tenants, manufacturer, hotline
):
    """The default SLA policy is made on first use; two first uses at once must not collide."""
    from ..conftest import join, owner, vehicle

    join(manufacturer, "gz-junda", "HQ-GD-001")
    secret = api_key_create(tenant=hotline, name="CTI", scope="write").secret
    bodies = [
        api_intake(owner=owner(mobile=f"1390000000{i}"), vehicle=vehicle(vin=vin))
        for i, vin in enumerate(("LHKS5A2B4RG100231", "LHKX5P4C9SH200517"))
    ]
    responses = _race(
        2, lambda: api_client(hotline, secret).post(WORK_ORDERS_API, bodies.pop(), format="json")
    )
    assert [r.status_code for r in responses] == [201, 201]
