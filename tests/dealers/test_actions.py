"""Dealer actions are declared once: the gateway, the portal and the API all read one table."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import get_resolver
from django_tenants.utils import tenant_context

from config.actor import Actor
from dealers.actions import DEALER_ACTIONS
from dealers.views.work_orders import _context
from hotline.models import WorkOrder, WorkOrderEvent
from tenants.models import Membership, Role, User
from tenants.permissions import PERMISSIONS

pytestmark = pytest.mark.django_db


def test_every_action_has_its_service_roles_form_and_input():
    for name, action in DEALER_ACTIONS.items():
        assert action.service is not None or action.own is not None, name
        assert action.roles, name
        assert set(action.form.base_fields) <= set(action.serializer().fields) | {"suggested_dealer"}, name


def test_each_action_reads_its_roles_from_the_declared_matrix():
    for action in DEALER_ACTIONS.values():
        assert action.roles == PERMISSIONS[action.permission].roles
    assert "parts_clerk" not in DEALER_ACTIONS["resolve"].roles
    assert "parts_clerk" not in DEALER_ACTIONS["transfer"].roles
    assert "service_advisor" not in DEALER_ACTIONS["parts"].roles


def test_the_api_offers_exactly_the_declared_actions():
    patterns = {str(p.pattern) for p in get_resolver("dealers.api.urls").url_patterns}

    for action in DEALER_ACTIONS.values():
        assert f"work-orders/<code:manufacturer>/<code:number>/{action.api_path}/" in patterns
    one = "work-orders/<code:manufacturer>/<code:number>/"
    assert patterns - {f"{one}{action.api_path}/" for action in DEALER_ACTIONS.values()} == {
        "inbox/",
        "root-causes/<code:manufacturer>/",
        one,
        f"{one}attachments/",
        f"{one}attachments/<id:pk>/",
        f"{one}messages/",
    }  # and nothing else: the inbox, the root causes, the work order with its files and conversation


@pytest.mark.urls("config.urls_dealer")
def test_the_portal_offers_a_form_for_each_declared_action(parts_work_order, junda_gateway, rf):
    view = junda_gateway.work_order("HQ", parts_work_order.number)
    request = rf.get("/")
    request.tenant = junda_gateway.dealer
    request.user = User.objects.create_user("advisor@junda.example", password="x", full_name="李顾问")
    request.membership = Membership.objects.create(
        user=request.user, tenant=junda_gateway.dealer, role=Role.SERVICE_MANAGER
    )

    context = _context(request, view)

    # one form per declared action, and the conversation's and the files' own forms
    assert {k for k in context if k.endswith("_form")} == {f"{name}_form" for name in DEALER_ACTIONS} | {
        "message_form",
        "attachment_form",
    }


def test_a_role_the_action_does_not_allow_is_refused_and_nothing_changes(
    parts_work_order, junda_gateway, hotline
):
    stranger = Actor(user_id=9, name="路人", tenant_id=junda_gateway.dealer.pk, role="hotline_agent")

    with pytest.raises(PermissionDenied):
        junda_gateway.act(
            "contact", "HQ", parts_work_order.number, actor=stranger, at=None, whom="王建华",
            method="phone", reached=True, agreed="x",
        )  # fmt: skip

    with tenant_context(hotline):
        assert WorkOrder.objects.get(pk=parts_work_order.pk).state == "dispatched"
        assert not WorkOrderEvent.objects.filter(
            work_order=parts_work_order, kind__startswith="work_order.first"
        ).exists()
