"""The board as the customer-service centre works it: search, sort, pages, views, downloads, bulk."""

from __future__ import annotations

import csv
import io

import pytest
from django_tenants.utils import tenant_context

from hotline.models import ClockKind, WorkOrder
from hotline.services.work_orders import work_order_create
from tenants.models import Role, SavedView

from ..conftest import client_for, owner, parts_intake, person
from ..conftest import numbers as numbers_of

pytestmark = pytest.mark.django_db


def made(manufacturer, hotline, agent, count: int, dealer_id: int, **changes) -> list[WorkOrder]:
    with tenant_context(hotline):
        return [
            work_order_create(
                manufacturer=manufacturer,
                actor=agent,
                intake=parts_intake(
                    dealer_id=dealer_id,
                    owner=owner(mobile=f"139{i:08d}", name=f"车主{i}"),
                    vehicle=None,
                    type="complaint",
                    category="service_attitude",
                    part_lines=[],
                    **changes,
                ),
            )
            for i in range(count)
        ]


@pytest.fixture
def supervisor_client(hotline, network):
    return client_for(hotline, person("hq.supervisor", hotline, Role.HOTLINE_SUPERVISOR))


@pytest.fixture
def agent_web(hotline, network):
    """An agent's browser on the hotline host (the network of three dealers exists)."""
    return client_for(hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT))


def rows_of(body: str) -> list[str]:
    return [part.split('"', 1)[0] for part in body.split('data-number="')[1:]]


def test_a_search_finds_any_part_of_a_number_mobile_plate_vin_or_name(agent_web, parts_work_order, hotline):
    number = parts_work_order.number
    for text in (number[-5:], "0256123", "3K8M", "RG10023", "建华"):
        body = agent_web.get("/work-orders/", {"q": text, "state": "all"}).content.decode()
        assert rows_of(body) == [number], text
    assert rows_of(agent_web.get("/work-orders/", {"q": "99999999"}).content.decode()) == []
    # Two characters: the start or the end of a value (a given name, a surname and more).
    assert rows_of(agent_web.get("/work-orders/", {"q": "王建"}).content.decode()) == [number]
    assert rows_of(agent_web.get("/work-orders/", {"q": "建华"}).content.decode()) == [number]
    assert rows_of(agent_web.get("/work-orders/", {"q": "5%"}).content.decode()) == []  # literal %


def test_the_board_pages_through_every_work_order_without_a_cap(
    manufacturer, hotline, agent, network, supervisor_client
):
    made(manufacturer, hotline, agent, 55, network["junda"].pk)

    first = supervisor_client.get("/work-orders/", {"sort": "-age"}).content.decode()
    assert len(rows_of(first)) == 50
    assert (
        "50 shown of 55 work orders"
        in supervisor_client.get(
            "/work-orders/", {"sort": "-age"}, HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )
    cursor = first.split("cursor=", 1)[1].split('"', 1)[0]
    second = supervisor_client.get("/work-orders/", {"sort": "-age", "cursor": cursor}).content.decode()

    assert len(rows_of(second)) == 5
    assert set(rows_of(first)).isdisjoint(rows_of(second))
    assert sorted(rows_of(first) + rows_of(second)) == sorted(numbers_of(hotline))
    assert 'data-testid="next-page"' not in second
    # A cursor of another sort, or none at all, is the first page, never an error.
    for other in ({"sort": "dealer", "cursor": cursor}, {"cursor": "not-a-cursor"}):
        assert supervisor_client.get("/work-orders/", other).status_code == 200


def test_columns_sort_both_ways_and_say_so(manufacturer, hotline, agent, network, supervisor_client):
    made(manufacturer, hotline, agent, 2, network["junda"].pk)
    made(manufacturer, hotline, agent, 1, network["pengcheng"].pk)

    by_dealer = supervisor_client.get("/work-orders/", {"sort": "dealer"}).content.decode()
    reversed_ = supervisor_client.get("/work-orders/", {"sort": "-dealer"}).content.decode()

    assert rows_of(by_dealer) == list(reversed(rows_of(reversed_)))
    assert 'aria-sort="ascending" data-sort="dealer"' in by_dealer
    assert 'aria-sort="descending" data-sort="dealer"' in reversed_
    assert "sort=-dealer" in by_dealer  # the header sorts the other way round next


def test_the_clock_names_its_window_and_awaiting_parts_says_for_how_long(parts_request, agent_web, hotline):
    body = agent_web.get("/work-orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    window = body.split('data-testid="window">', 1)[1].split("<", 1)[0]
    assert window in {str(label) for label in ClockKind.labels}
    assert 'data-testid="awaiting-age">for 0 min<' in body


def test_the_download_holds_the_whole_list_not_only_the_page(
    manufacturer, hotline, agent, network, supervisor_client
):
    made(manufacturer, hotline, agent, 55, network["junda"].pk)

    response = supervisor_client.get("/work-orders/", {"export": "csv", "sort": "age"})
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    xlsx = supervisor_client.get("/work-orders/", {"export": "xlsx"})

    assert response["Content-Disposition"].endswith('.csv"')
    assert len(lines) == 56
    assert sorted(line[0] for line in lines[1:]) == sorted(numbers_of(hotline))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_saved_view_keeps_the_filters_and_a_shared_one_reaches_colleagues(
    hotline, network, supervisor_client, agent_web
):
    response = supervisor_client.post(
        "/views/",
        {"page": "board", "name": "广州超时单", "query": "overdue=on&sort=-age&cursor=abc", "shared": "on"},
    )
    view = SavedView.objects.get(name="广州超时单")

    assert response.status_code == 302
    assert view.query == "overdue=on&sort=-age"
    assert "广州超时单" in agent_web.get("/work-orders/").content.decode()
    # A colleague may use it, not remove it; someone of another tenant cannot even see it.
    assert agent_web.post(f"/views/{view.pk}/delete/", {"page": "board"}).status_code == 302
    assert SavedView.objects.filter(pk=view.pk).exists()
    junda = network["junda"]
    outsider = client_for(junda, person("crm.x", junda, Role.DEALER_CRM_MANAGER))
    assert outsider.post(f"/views/{view.pk}/delete/", {"page": "inbox"}).status_code == 404
    assert "广州超时单" not in outsider.get("/work-orders/").content.decode()
    assert supervisor_client.post(f"/views/{view.pk}/delete/", {"page": "board"}).status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_view_needs_a_name_and_a_list_of_this_portal(supervisor_client):
    supervisor_client.post("/views/", {"page": "board", "name": " ", "query": "overdue=on"})
    other_list = supervisor_client.post("/views/", {"page": "inbox", "name": "x", "query": ""})
    no_list = supervisor_client.post("/views/1/delete/", {"page": "nothing"})

    assert not SavedView.objects.exists()
    assert other_list.status_code == 404
    assert no_list.status_code == 404


def test_supervisors_reassign_several_work_orders_at_once(
    manufacturer, hotline, agent, network, supervisor_client, agent_web
):
    chosen = made(manufacturer, hotline, agent, 2, network["junda"].pk)
    to = str(network["pengcheng"].pk)
    post = {"number": [w.number for w in chosen], "bulk-to_dealer": to, "bulk-reason": "车主搬家到深圳"}

    # An agent may not reassign (the permission matrix): refused, and nothing moves.
    assert agent_web.post("/work-orders/bulk/", post).status_code == 403
    with tenant_context(hotline):
        assert {w.dealer_id for w in WorkOrder.objects.all()} == {network["junda"].pk}
    assert supervisor_client.post("/work-orders/bulk/", post).status_code == 302
    with tenant_context(hotline):
        assert {w.dealer_id for w in WorkOrder.objects.all()} == {network["pengcheng"].pk}
