"""The declared matrix (tenants/permissions.py), walked cell by cell through the real entry points.

For every action, every role of its tenant type and every kind and scope of API
key: the portal and the API let through exactly what the matrix declares (an
empty form is then refused for its fields, never for the role) and answer 403
to the rest. A member of another tenant with the same role gets the plain 404
on every one of them, and another tenant's key a 401: they learn nothing.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django_tenants.utils import tenant_context

from config.actor import Actor
from dealers.actions import DEALER_ACTIONS
from dealers.gateway import DealerGateway
from hotline.models import Clock, ClockState, WorkOrder
from hotline.services.calls import call_event_record
from hotline.services.work_orders import work_order_create
from tenants.models import ROLES_BY_TENANT_TYPE, ApiKeyScope, Membership, Role, TenantType
from tenants.permissions import (
    KEY_PRINCIPALS,
    MFA_REQUIRED_ROLES,
    PERMISSIONS,
    allowed_actions,
    may,
    may_open,
    start_page,
)
from tenants.services.api_keys import api_key_create
from tenants.services.provisioning import membership_grant, parts_centre_create

from ..conftest import api_client, api_session, centre, client_for, host_of, parts_intake, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_sign_ins(settings):
    """The walk signs in a few hundred times from one address; the limits are tested elsewhere."""
    settings.LOGIN_RATE_PER_IP = settings.LOGIN_RATE_PER_USERNAME = "100000/m"


REFUSED = 403
NOT_HERE = {401, 403, 404}

# How each action is attempted in the portal, and in the API: (method, path). "{n}" is a work
# order routed to the dealer, "{p}" its parts request. An empty body is enough: the role is
# checked before anything else.
HOTLINE_PORTAL = {
    "work_order.read": ("get", "/work-orders/"),
    "work_order.create": ("post", "/work-orders/new/"),
    "work_order.callback": ("post", "/work-orders/{n}/callback/"),
    "work_order.note": ("post", "/work-orders/{n}/notes/"),
    "work_order.owner_call": ("post", "/work-orders/{n}/owner-calls/"),
    "work_order.attach": ("post", "/work-orders/{n}/attachments/"),
    "work_order.attachment_remove": ("post", "/work-orders/{n}/attachments/remove/"),
    "work_order.message": ("post", "/work-orders/{n}/messages/"),
    "work_order.reopen": ("post", "/work-orders/{n}/reopen/"),
    "work_order.cancel": ("post", "/work-orders/{n}/cancel/"),
    "work_order.close": ("post", "/work-orders/{n}/close/"),
    "work_order.reassign": ("post", "/work-orders/{n}/reassign/"),
    "work_order.review": ("post", "/work-orders/{n}/review/"),
    "transfer.decide": ("post", "/work-orders/{n}/transfer/"),
    "extension.decide": ("post", "/work-orders/{n}/extension/"),
    "work_order.reclassify": ("post", "/work-orders/{n}/reclassify/"),
    "upgrade.decide": ("post", "/work-orders/{n}/upgrade/"),
    "tech_support.answer": ("post", "/work-orders/{n}/tech_support/"),
    "kpis.read": ("get", "/kpis/"),
    "policy.change": ("post", "/administration/"),
    "sms.change": ("post", "/administration/sms/"),
    "callback_policy.change": ("post", "/administration/callbacks/"),
    "questionnaire.change": ("post", "/administration/questionnaires/"),
    "callback_script.change": ("post", "/administration/scripts/"),
    "root_causes.change": ("post", "/administration/root-causes/"),
    "owner.number_verify": ("post", "/numbers-to-verify/"),
    "network.manage": ("post", "/administration/network/regions/"),
    "api_keys.manage": ("post", "/administration/api-keys/"),
    "webhooks.manage": ("post", "/administration/webhooks/"),
    "robots.manage": ("post", "/administration/robots/"),
    "staff.manage": ("post", "/administration/users/"),
    "audit.read": ("get", "/administration/audit/"),
    "calls.read": ("get", "/calls/"),
    "calls.return": ("post", "/calls/{c}/returned/"),
    "telephony.manage": ("post", "/administration/telephony/"),
    "parts.read": ("get", "/parts-centre/"),
    "parts.work": ("post", "/parts-centre/{p}/acknowledge/"),
}
HOTLINE_API = {
    "work_order.read": ("get", "/api/v1/work-orders/"),
    "work_order.create": ("post", "/api/v1/work-orders/"),
    "work_order.callback": ("post", "/api/v1/work-orders/{n}/callbacks/"),
    "work_order.reopen": ("post", "/api/v1/work-orders/{n}/reopen/"),
    "work_order.cancel": ("post", "/api/v1/work-orders/{n}/cancel/"),
    "work_order.note": ("post", "/api/v1/work-orders/{n}/notes/"),
    "work_order.owner_call": ("post", "/api/v1/work-orders/{n}/owner-calls/"),
    "work_order.attach": ("post", "/api/v1/work-orders/{n}/attachments/"),
    "work_order.message": ("post", "/api/v1/work-orders/{n}/messages/"),
    "work_order.close": ("post", "/api/v1/work-orders/{n}/verify/"),
    "work_order.reclassify": ("post", "/api/v1/work-orders/{n}/reclassify/"),
    "upgrade.decide": ("post", "/api/v1/work-orders/{n}/upgrade-decision/"),
    "work_order.review": ("post", "/api/v1/work-orders/{n}/review/"),
    "tech_support.answer": ("post", "/api/v1/work-orders/{n}/tech-support/{n}-T1/answer/"),
    "kpis.read": ("get", "/api/v1/kpis/"),
    "telephony.push": ("post", "/api/v1/telephony/calls/"),
    "webhooks.manage": ("get", "/api/v1/webhooks/"),
    "parts.read": ("get", "/api/v1/parts-centre/parts-requests/"),
    "parts.work": ("post", "/api/v1/parts-centre/parts-requests/{p}/lines/9/allocate/"),
}
DEALER_PORTAL = {
    "inbox.read": ("get", "/"),
    **{
        action.permission: ("post", f"/work-orders/HQ/{{n}}/{name}/")
        for name, action in DEALER_ACTIONS.items()
    },
    "dealer.attach": ("post", "/work-orders/HQ/{n}/attachments/"),
    "dealer.attachment_remove": ("post", "/work-orders/HQ/{n}/attachments/remove/"),
    "dealer.message": ("post", "/work-orders/HQ/{n}/messages/"),
    "dealer.kpis.read": ("get", "/kpis/"),
    "dealer.digest": ("post", "/digest/"),
    "networks.accept": ("post", "/administration/networks/"),
    "networks.rescue": ("post", "/administration/networks/rescue/"),
    "dealer.staff.manage": ("post", "/administration/users/"),
    "dealer.audit.read": ("get", "/administration/audit/"),
    "dealer.robots.manage": ("post", "/administration/robots/"),
}
DEALER_API = {
    "inbox.read": ("get", "/api/v1/inbox/"),
    **{
        action.permission: ("post", f"/api/v1/work-orders/HQ/{{n}}/{action.api_path}/")
        for action in DEALER_ACTIONS.values()
    },
    "dealer.attach": ("post", "/api/v1/work-orders/HQ/{n}/attachments/"),
    "dealer.message": ("post", "/api/v1/work-orders/HQ/{n}/messages/"),
}
PLATFORM_PORTAL = {
    "platform.dealers.create": ("post", "/dealers/", {"form": "create"}),
    "platform.invitations.accept": ("post", "/dealers/", {"form": "accept"}),
    "platform.audit.read": ("get", "/audit/"),
}
# Not an address of its own: a first contact by senior management answers a major complaint;
# removing someone else's file is the same address as removing one's own.
SERVICE_ONLY = {"dealer.senior_answer", "work_order.attachment_remove_any", "dealer.attachment_remove_any"}


def call(client: Client, probe: tuple, **values: str) -> int:
    method, path, *data = probe
    body = data[0] if data else {}
    path = path.format(**values)
    if method == "get":
        return client.get(path).status_code
    if hasattr(client, "credentials"):  # the API
        return client.post(path, body, format="json").status_code
    return client.post(path, body).status_code


def carried(host_tenant, home_tenant, user) -> Client:
    """A browser on ``host_tenant``'s host with ``user``'s fresh session of their own tenant.

    (The first refusal ends that session everywhere, so each attempt brings a new one.)
    """
    stranger = Client(HTTP_HOST=host_of(host_tenant))
    stranger.cookies = client_for(home_tenant, user).cookies
    return stranger


def check_cell(status: int, allowed: bool, where: str) -> str | None:
    """Allowed: on to the input's own checks. Refused: 403 (401 where an endpoint takes only keys)."""
    if allowed and (status in NOT_HERE or status >= 500):
        return f"{where}: declared allowed, answered {status}"
    refused = {REFUSED, 401} if where.startswith("api ") and "parts." in where else {REFUSED}
    if not allowed and status not in refused:
        return f"{where}: declared refused, answered {status}"
    return None


def test_every_action_has_an_entry_point_walked_here_and_keys_only_where_the_api_is():
    walked = set(HOTLINE_PORTAL) | set(HOTLINE_API) | set(DEALER_PORTAL) | set(DEALER_API)
    walked |= set(PLATFORM_PORTAL) | SERVICE_ONLY
    assert set(PERMISSIONS) == walked
    for name, permission in PERMISSIONS.items():
        if permission.keys:
            assert name in HOTLINE_API or name in DEALER_API, name
        assert permission.roles <= ROLES_BY_TENANT_TYPE[permission.tenant_type], name


def test_the_findings_of_the_audit_are_declared_away():
    assert not may(Role.PARTS_CLERK, "dealer.resolve")
    assert not may(Role.PARTS_CLERK, "dealer.transfer")
    assert not may(Role.SERVICE_ADVISOR, "dealer.parts")
    assert not may(Role.HOTLINE_AGENT, "work_order.cancel")
    assert not may("integration:write", "work_order.cancel")
    assert may(Role.SERVICE_DIRECTOR, "dealer.senior_answer")
    assert may(Role.GENERAL_MANAGER, "dealer.senior_answer")
    assert may(Role.SERVICE_DIRECTOR, "dealer.senior_confirm")
    assert not may(Role.DEALER_CRM_MANAGER, "dealer.senior_confirm")
    assert not may(Role.HOTLINE_AGENT, "work_order.reclassify")
    assert {Role.HOTLINE_ADMIN, Role.HOTLINE_SUPERVISOR, Role.PLATFORM_OPERATOR} <= MFA_REQUIRED_ROLES


def test_parts_centre_staff_work_their_requests_and_nothing_else_of_the_hotline():
    """Like the centre's key: its requests, read and worked; none of the hotline's actions.
    Like the agents and the parts clerks they work with, no second factor is required."""
    role = Role.PARTS_CENTRE_STAFF
    assert allowed_actions(role) == {"parts.read", "parts.work"}
    assert role not in MFA_REQUIRED_ROLES
    assert start_page(role) == "/parts-centre/"
    assert may_open(role, "/parts-centre/HQ1-P1/")
    assert may_open(role, "/logout/")
    assert not may_open(role, "/work-orders/")
    assert not may_open(role, "/")
    assert may_open(Role.HOTLINE_AGENT, "/work-orders/")


def test_a_parts_centre_role_names_one_centre_of_the_hotlines_manufacturer(
    manufacturer, hotline, other_manufacturer
):
    far = parts_centre_create(manufacturer=other_manufacturer, code="PC-CS", name="东岳长沙配件库")
    user = person("pc")
    for parts_centre in (None, far):
        with pytest.raises(ValidationError) as refused:
            membership_grant(
                user=user, tenant=hotline, role=Role.PARTS_CENTRE_STAFF, parts_centre=parts_centre
            )
        assert "parts_centre" in refused.value.message_dict
    with pytest.raises(ValidationError):
        membership_grant(
            user=user, tenant=hotline, role=Role.HOTLINE_AGENT, parts_centre=centre(manufacturer, "PC-GZ")
        )
    assert not Membership.objects.filter(user=user).exists()
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds to it as well
        Membership.objects.create(user=user, tenant=hotline, role=Role.PARTS_CENTRE_STAFF)


@pytest.fixture
def routed(manufacturer, network, agent, parts_request, hotline):
    """A parts work order routed to 广州骏达, with its parts request raised; a missed call."""
    with tenant_context(hotline):
        work_order = WorkOrder.objects.get(pk=parts_request.work_order_id)
        call, _unmatched = call_event_record(
            hotline=hotline, event="hangup", call_id="missed-1", cause="cancel"
        )
    return {"n": work_order.number, "p": parts_request.number, "c": call.pk}


def test_the_hotline_cells(manufacturer, hotline, other_manufacturer, routed):
    problems = []
    # Parts-centre staff hold their role for one centre: 华南 (whose is the request), 东岳's own.
    far = parts_centre_create(manufacturer=other_manufacturer, code="PC-CS", name="东岳长沙配件库")
    for role in sorted(ROLES_BY_TENANT_TYPE[TenantType.HOTLINE]):
        own, theirs = (
            (centre(manufacturer, "PC-GZ"), far) if role == Role.PARTS_CENTRE_STAFF else (None, None)
        )
        portal = client_for(hotline, person(f"own.{role}", hotline, role, own))
        api = api_session(hotline, person(f"api.{role}", hotline, role, own))
        foreigner = person(f"dy.{role}", other_manufacturer.hotline, role, theirs)
        for action, probe in HOTLINE_PORTAL.items():
            allowed = may(role, action)
            problems.append(check_cell(call(portal, probe, **routed), allowed, f"portal {role} {action}"))
            stranger = carried(hotline, other_manufacturer.hotline, foreigner)
            assert call(stranger, probe, **routed) == 404, (role, action)
        for action, probe in HOTLINE_API.items():
            problems.append(check_cell(call(api, probe, **routed), may(role, action), f"api {role} {action}"))
    assert [p for p in problems if p] == []


def test_the_hotline_keys_cells(manufacturer, hotline, other_manufacturer, routed):
    problems = []
    foreign_key = api_key_create(tenant=other_manufacturer.hotline, name="DY CTI", scope="write").secret
    for principal in sorted(KEY_PRINCIPALS):
        kind, scope = principal.split(":")
        centre_of_key = centre(manufacturer, "PC-GZ") if kind == "parts_centre" else None
        secret = api_key_create(
            tenant=hotline, name=principal, scope=scope, parts_centre=centre_of_key
        ).secret
        client = api_client(hotline, secret)
        for action, probe in HOTLINE_API.items():
            problems.append(
                check_cell(call(client, probe, **routed), may(principal, action), f"{principal} {action}")
            )
    for action, probe in HOTLINE_API.items():
        assert call(api_client(hotline, foreign_key), probe, **routed) == 401, action
    assert [p for p in problems if p] == []


def test_the_dealer_cells(network, foreign_dealer, routed):
    junda = network["junda"]
    problems = []
    key = {s: api_key_create(tenant=junda, name=f"DMS {s}", scope=s).secret for s in ApiKeyScope.values}
    foreign_key = api_key_create(tenant=foreign_dealer, name="DMS", scope="write").secret
    for role in sorted(ROLES_BY_TENANT_TYPE[TenantType.DEALER]):
        portal = client_for(junda, person(f"own.{role}", junda, role))
        api = api_session(junda, person(f"api.{role}", junda, role))
        foreigner = person(f"xs.{role}", foreign_dealer, role)
        for action, probe in DEALER_PORTAL.items():
            problems.append(
                check_cell(call(portal, probe, **routed), may(role, action), f"portal {role} {action}")
            )
            assert call(carried(junda, foreign_dealer, foreigner), probe, **routed) == 404, (role, action)
        for action, probe in DEALER_API.items():
            problems.append(check_cell(call(api, probe, **routed), may(role, action), f"api {role} {action}"))
    for scope, secret in key.items():
        for action, probe in DEALER_API.items():
            principal = f"integration:{scope}"
            status = call(api_client(junda, secret), probe, **routed)
            problems.append(check_cell(status, may(principal, action), f"{principal} {action}"))
    for action, probe in DEALER_API.items():
        assert call(api_client(junda, foreign_key), probe, **routed) == 401, action
    assert [p for p in problems if p] == []


def test_the_platform_cells(platform, hotline):
    operator = client_for(platform, person("ops", platform, Role.PLATFORM_OPERATOR))
    admin = person("hq.admin", hotline, Role.HOTLINE_ADMIN)
    problems = []
    for action, probe in PLATFORM_PORTAL.items():
        problems.append(check_cell(call(operator, probe), may(Role.PLATFORM_OPERATOR, action), action))
        assert call(carried(platform, hotline, admin), probe) == 404, action
    assert [p for p in problems if p] == []


def test_senior_management_answers_a_major_complaint_and_no_one_else(manufacturer, network, agent, hotline):
    """The service-level cell: an offered solution stops the major-complaint window only when
    senior management gave it."""
    junda = network["junda"]
    for role in sorted(ROLES_BY_TENANT_TYPE[TenantType.DEALER]):
        with tenant_context(hotline):
            work_order = work_order_create(
                manufacturer=manufacturer,
                actor=agent,
                intake=parts_intake(dealer_id=junda.pk, severity="major"),
            )
        actor = Actor(user_id=1, name=role, tenant_id=junda.pk, role=role)
        if not may(role, "dealer.contact"):
            continue
        with tenant_context(junda):
            DealerGateway(junda).act(
                "contact", "HQ", work_order.number, actor=actor, at=None, whom="王建华", method="phone",
                reached=True, agreed="提供解决方案", solution_offered=True,
            )  # fmt: skip
        with tenant_context(hotline):
            senior = Clock.objects.get(work_order=work_order, kind="senior_answer")
        assert (senior.state == ClockState.STOPPED) == may(role, "dealer.senior_answer"), role
