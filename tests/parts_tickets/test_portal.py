"""The parts-centre portal: a centre's own staff work its requests on the manufacturer's host."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django_tenants.utils import tenant_context

from hotline.models import WorkOrderEvent
from parts_tickets.models import PartsRequest
from tenants.models import Membership, PartsCentre, Role
from tenants.services.provisioning import parts_centre_create

from ..conftest import PASSWORD, client_for, host_of, person

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TUESDAY_10 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
QUEUE = "/parts-centre/"


@pytest.fixture(autouse=True)
def _a_working_tuesday():
    with time_machine.travel(TUESDAY_10, tick=True):
        yield


@pytest.fixture
def south(manufacturer) -> PartsCentre:
    return PartsCentre.objects.get(manufacturer=manufacturer, code="PC-GZ")


@pytest.fixture
def clerk(hotline, south):
    """陈静 of the 华南 parts centre, signed in on 华骐's host."""
    return client_for(hotline, person("chenjing", hotline, Role.PARTS_CENTRE_STAFF, parts_centre=south))


def state_of(hotline, number: str) -> tuple[str, list[tuple[str, int, str, str]]]:
    with tenant_context(hotline):
        request = PartsRequest.objects.get(number=number)
        lines = [(x.state, x.shipped_quantity, x.carrier, x.reject_reason) for x in request.lines.all()]
    return request.state, lines


def test_the_queue_shows_the_centres_open_requests_with_dealer_age_and_lines(hotline, parts_request, clerk):
    page = clerk.get(QUEUE)
    assert page.status_code == 200
    html = page.content.decode()
    assert parts_request.number in html
    assert parts_request.work_order.number in html
    assert "HQ-GD-001" in html
    assert "gz-junda 4S店" in html
    assert "HQ-37110-01" in html
    assert "HQ-80210-07" in html
    assert 'data-testid="waiting"' in html
    assert "华南配件分中心" in html
    assert parts_request.number not in clerk.get(QUEUE, {"state": "shipped"}).content.decode()
    assert parts_request.number in clerk.get(QUEUE, {"state": "all"}).content.decode()
    assert parts_request.number not in clerk.get(QUEUE, {"dealer": "HQ-GD-002"}).content.decode()
    assert parts_request.number in clerk.get(QUEUE, {"number": parts_request.number[-6:]}).content.decode()


def test_a_filter_that_is_not_valid_is_named_and_the_default_list_shows(hotline, parts_request, clerk):
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    answer = clerk.get(QUEUE, {"state": "lost"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'id="id_state_error"' in html
    assert "Select a valid choice" in html
    assert parts_request.number in html


def test_open_requests_come_first_and_times_are_in_the_tenants_zone(hotline, parts_request, clerk):
    page = clerk.get(QUEUE).content.decode()
    local = parts_request.raised_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert local in page
    clerk.post(f"{QUEUE}{parts_request.number}/lines/1/reject/", {"l1-reason": "停产"})
    clerk.post(f"{QUEUE}{parts_request.number}/lines/2/reject/", {"l2-reason": "停产"})
    assert parts_request.number not in clerk.get(QUEUE).content.decode()  # no longer open
    assert parts_request.number in clerk.get(QUEUE, {"state": "rejected"}).content.decode()


def test_each_action_works_through_the_portal_as_through_the_api(hotline, parts_request, clerk):
    number = parts_request.number
    url = f"{QUEUE}{number}/"
    assert clerk.get(url).status_code == 200
    assert clerk.post(f"{url}acknowledge/").status_code == 302
    assert state_of(hotline, number)[0] == "acknowledged"
    assert clerk.post(f"{url}lines/1/allocate/").status_code == 302
    later = (TUESDAY_10.date() + dt.timedelta(days=5)).isoformat()
    assert clerk.post(f"{url}lines/2/back-order/", {"l2-expected_date": later}).status_code == 302
    assert state_of(hotline, number)[1][1][0] == "back_ordered"
    shipped = clerk.post(
        f"{url}lines/1/ship/", {"l1-carrier": "顺丰", "l1-tracking_number": "SF1001"}, follow=True
    )
    assert "SF1001" in shipped.content.decode()
    state, lines = state_of(hotline, number)
    assert lines[0][:3] == ("shipped", 1, "顺丰")
    assert clerk.post(f"{url}lines/2/reject/", {"l2-reason": "停产，无替代件"}).status_code == 302
    state, lines = state_of(hotline, number)
    assert state == "shipped"
    assert lines[1] == ("rejected", 0, "", "停产，无替代件")
    with tenant_context(hotline):
        events = WorkOrderEvent.objects.filter(work_order_id=parts_request.work_order_id)
        kinds = list(events.filter(kind__startswith="parts.").values_list("kind", "actor_name"))
    assert ("parts.acknowledged", "chenjing") in kinds
    assert ("parts.line_shipped", "chenjing") in kinds  # credited to the person who did it


def test_a_partial_shipment_leaves_the_rest_of_the_line(hotline, parts_request, clerk):
    url = f"{QUEUE}{parts_request.number}/lines/2/ship/"
    data = {"l2-carrier": "德邦", "l2-tracking_number": "DB77", "l2-quantity": "1"}
    assert clerk.post(url, data).status_code == 302
    assert state_of(hotline, parts_request.number)[1][1][:2] == ("pending", 1)


@pytest.mark.parametrize(
    ("action", "data", "field", "message"),
    [
        ("back-order", {"l1-expected_date": "2026-03-01"}, "expected_date", "today or later"),
        ("back-order", {"l1-expected_date": "soon"}, "expected_date", "valid date"),
        ("ship", {"l1-carrier": "", "l1-tracking_number": ""}, "carrier", "required"),
        ("ship", {"l1-carrier": "顺丰", "l1-tracking_number": "SF1", "l1-quantity": "9"}, "quantity", "1"),
        (
            "ship",
            {"l1-carrier": "顺丰", "l1-tracking_number": "SF1", "l1-quantity": "x"},
            "quantity",
            "number",
        ),
        ("reject", {"l1-reason": "  "}, "reason", "required"),
    ],
)
def test_bad_input_is_named_on_its_field_and_changes_nothing(
    hotline, parts_request, clerk, action, data, field, message
):
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    before = state_of(hotline, parts_request.number)
    answer = clerk.post(f"{QUEUE}{parts_request.number}/lines/1/{action}/", data)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert f'id="id_l1-{field}_error"' in html
    assert message in html
    assert state_of(hotline, parts_request.number) == before


def test_errors_are_in_the_users_language(hotline, parts_request, clerk):
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    answer = clerk.post(f"{QUEUE}{parts_request.number}/lines/1/reject/", {"l1-reason": ""})
    assert answer.status_code == 400
    assert "此项为必填项" in answer.content.decode()
    clerk.post(f"{QUEUE}{parts_request.number}/acknowledge/")
    again = clerk.post(f"{QUEUE}{parts_request.number}/acknowledge/")
    assert again.status_code == 400
    assert 'data-testid="problem"' in again.content.decode()


def test_a_closed_line_offers_no_action_and_refuses_one(hotline, parts_request, clerk):
    url = f"{QUEUE}{parts_request.number}/lines/1/"
    clerk.post(f"{url}reject/", {"l1-reason": "停产"})
    page = clerk.get(f"{QUEUE}{parts_request.number}/").content.decode()
    assert 'data-testid="ship-1"' not in page
    assert 'data-testid="ship-2"' in page
    again = clerk.post(f"{url}allocate/")
    assert again.status_code == 400
    assert 'data-testid="problem"' in again.content.decode()
    assert clerk.post(f"{QUEUE}{parts_request.number}/lines/7/allocate/").status_code == 404
    assert clerk.post(f"{QUEUE}{parts_request.number}/lines/1/explode/").status_code == 404


def test_another_centres_request_is_not_found(hotline, manufacturer, parts_request):
    east = PartsCentre.objects.get(manufacturer=manufacturer, code="PC-SH")
    other = client_for(hotline, person("zhao", hotline, Role.PARTS_CENTRE_STAFF, parts_centre=east))
    number = parts_request.number
    assert number not in other.get(QUEUE, {"state": "all"}).content.decode()
    assert other.get(f"{QUEUE}{number}/").status_code == 404
    assert other.post(f"{QUEUE}{number}/acknowledge/").status_code == 404
    assert other.post(f"{QUEUE}{number}/lines/1/reject/", {"l1-reason": "x"}).status_code == 404
    assert other.get(f"/api/v1/parts-centre/parts-requests/{number}/").status_code == 404
    assert state_of(hotline, number)[0] == "submitted"


def test_another_manufacturers_centre_person_is_not_found(hotline, other_manufacturer, parts_request):
    far = parts_centre_create(manufacturer=other_manufacturer, code="PC-CS", name="东岳长沙配件库")
    stranger = person("dy.pc", other_manufacturer.hotline, Role.PARTS_CENTRE_STAFF, parts_centre=far)
    own = client_for(other_manufacturer.hotline, stranger)
    assert own.get(QUEUE).status_code == 200
    carried = client_for(hotline)
    carried.cookies = own.cookies
    assert carried.get(f"{QUEUE}{parts_request.number}/").status_code == 404  # and signed out here


def test_the_centres_person_opens_no_hotline_or_dealer_page(hotline, network, parts_request, clerk):
    assert clerk.get("/")["Location"] == QUEUE  # the host's start page is their queue
    for path in ("/work-orders/", f"/work-orders/{parts_request.work_order.number}/", "/kpis/", "/calls/",
                 "/network/", "/queues/", "/administration/users/", "/notifications/", "/jobs/"):  # fmt: skip
        assert clerk.get(path).status_code == 403, path
    assert clerk.get("/api/v1/work-orders/").status_code == 403
    assert clerk.get("/no-such-page/").status_code == 404
    assert clerk.get("/account/").status_code == 200
    dealer = client_for(network["junda"])
    dealer.cookies = clerk.cookies
    assert dealer.get("/").status_code == 404


def test_hotline_staff_are_refused_the_portal(hotline, parts_request):
    agent = client_for(hotline, person("agent", hotline, Role.HOTLINE_AGENT))
    assert agent.get(QUEUE).status_code == 403
    assert agent.post(f"{QUEUE}{parts_request.number}/acknowledge/").status_code == 403
    assert state_of(hotline, parts_request.number)[0] == "submitted"


def test_the_staff_api_session_sees_the_centres_requests_only(hotline, parts_request, clerk):
    listing = clerk.get("/api/v1/parts-centre/parts-requests/")
    assert listing.status_code == 200
    assert [r["number"] for r in listing.json()["results"]] == [parts_request.number]


def test_a_parts_centre_person_signs_in_without_a_second_factor(hotline, south):
    person("pc.new", hotline, Role.PARTS_CENTRE_STAFF, parts_centre=south)
    browser = Client(HTTP_HOST=host_of(hotline))
    answer = browser.post("/login/", {"username": "pc.new", "password": PASSWORD})
    assert answer.status_code == 302
    assert answer["Location"] == "/"
    assert browser.get("/")["Location"] == QUEUE


def test_an_operator_grants_the_role_for_a_centre_on_the_command_line(hotline, south):
    call_command(
        "create_user", "--username", "pc.cli", "--password", PASSWORD,
        "--grant", "huaqi:parts_centre_staff:PC-GZ",
    )  # fmt: skip
    membership = Membership.objects.get(user__username="pc.cli")
    assert (membership.role, membership.parts_centre) == ("parts_centre_staff", south)
    for grant in ("huaqi:parts_centre_staff:PC-XX", "huaqi:parts_centre_staff"):
        with pytest.raises(CommandError):
            call_command("create_user", "--username", "pc.cli2", "--password", PASSWORD, "--grant", grant)
    assert not Membership.objects.filter(user__username="pc.cli2").exists()
