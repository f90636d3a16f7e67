"""Property-based tests from the OpenAPI contract: whatever the input, no 5xx and answers match the schema.

Schemathesis generates requests for every operation of each host type's
schema and sends them to the real application (real PostgreSQL, Redis and
tenant routing), signed in with a write key and, on a work order's paths,
with data that exists.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django_tenants.utils import tenant_context
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dealers.models import Assignment, ContactAttempt, InternalNote
from hotline.models import WorkOrder, WorkOrderEvent
from tenants.models import PartsCentre
from tenants.services.api_keys import api_key_create

from ..conftest import host_of

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
APP = WSGIHandler()
FUZZ = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


def _schema(urlconf: str) -> dict:
    return SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)


hotline_schema = schemathesis.openapi.from_dict(_schema("config.urls_hotline"))
dealer_schema = schemathesis.openapi.from_dict(_schema("config.urls_dealer"))
# The same operations with input that breaks the schema on purpose: refused, never a 5xx.
hotline_junk = schemathesis.openapi.from_dict(_schema("config.urls_hotline"))
hotline_junk.config.generation.update(modes=[GenerationMode.NEGATIVE])
dealer_junk = schemathesis.openapi.from_dict(_schema("config.urls_dealer"))
dealer_junk.config.generation.update(modes=[GenerationMode.NEGATIVE])


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """As Django's test client does: the in-process app must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def hotline_headers(manufacturer, hotline, network, parts_request) -> dict:
    centre = PartsCentre.objects.get(manufacturer=manufacturer, code="PC-GZ")
    key = api_key_create(tenant=hotline, name="fuzz", scope="write", parts_centre=centre).secret
    integration = api_key_create(tenant=hotline, name="fuzz CTI", scope="write").secret
    return {"Host": host_of(hotline), "centre": key, "integration": integration}


def _send(case, host: str, secret: str):
    response = case.call(app=APP, headers={"Host": host, "Authorization": f"Bearer {secret}"})
    case.validate_response(response, checks=CHECKS)


@hotline_schema.parametrize()
@FUZZ
def test_hotline_host(case, hotline_headers):
    secret = hotline_headers["centre" if case.path.startswith("/api/v1/parts-centre/") else "integration"]
    _send(case, hotline_headers["Host"], secret)


@pytest.fixture
def dealer_headers(network, parts_work_order) -> dict:
    key = api_key_create(tenant=network["junda"], name="fuzz DMS", scope="write").secret
    return {"Host": host_of(network["junda"]), "key": key}


@dealer_schema.parametrize()
@FUZZ
def test_dealer_host(case, dealer_headers):
    _send(case, dealer_headers["Host"], dealer_headers["key"])


def _written(*tenants) -> tuple[int, ...]:
    counts: tuple[int, ...] = ()
    for tenant in tenants:
        with tenant_context(tenant):
            if tenant.type == "hotline":
                counts += (WorkOrderEvent.objects.count(), WorkOrder.objects.count())
            else:
                counts += (
                    InternalNote.objects.count(),
                    Assignment.objects.count(),
                    ContactAttempt.objects.count(),
                )
    return counts


def _refused_and_unchanged(case, host: str, secret: str, tenants) -> None:
    before = _written(*tenants)
    response = case.call(app=APP, headers={"Host": host, "Authorization": f"Bearer {secret}"})
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        assert _written(*tenants) == before


@hotline_junk.parametrize()
@FUZZ
def test_hotline_host_refuses_junk(case, hotline_headers, hotline):
    secret = hotline_headers["centre" if case.path.startswith("/api/v1/parts-centre/") else "integration"]
    _refused_and_unchanged(case, hotline_headers["Host"], secret, [hotline])


@dealer_junk.parametrize()
@FUZZ
def test_dealer_host_refuses_junk(case, dealer_headers, network, hotline):
    _refused_and_unchanged(case, dealer_headers["Host"], dealer_headers["key"], [hotline, network["junda"]])


# Stateful: sequences of calls that follow the schema's OpenAPI links (a page of work orders → one
# of them → an action on it; a centre's requests → one → its lines), each answer checked as above.
hotline_workflow = schemathesis.openapi.from_dict(_schema("config.urls_hotline"))
dealer_workflow = schemathesis.openapi.from_dict(_schema("config.urls_dealer"))
for _workflow_schema in (hotline_workflow, dealer_workflow):
    _workflow_schema.config.phases.stateful.inference.algorithms = []  # the documented links only
    _workflow_schema.config.generation.update(modes=[GenerationMode.POSITIVE])
STEPS = settings(
    max_examples=10,
    stateful_step_count=5,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _workflow(schema, credentials, followed: list):
    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            host, secret = credentials(case)
            return {"app": APP, "headers": {"Host": host, "Authorization": f"Bearer {secret}"}}

        def before_call(self, case):
            if case.method == "GET" and "{" not in case.path:
                case.query = {}  # a workflow starts from the whole list, not from a filter that finds nothing

        def after_call(self, response, case):
            followed.append((case.operation.label, response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    return Workflow


def test_hotline_host_follows_its_links(hotline_headers):
    followed: list = []

    def credentials(case):
        centre = case.path.startswith("/api/v1/parts-centre/")
        return hotline_headers["Host"], hotline_headers["centre" if centre else "integration"]

    _workflow(hotline_workflow, credentials, followed).run(settings=STEPS)
    assert ("GET /api/v1/parts-centre/parts-requests/{number}/", 200) in followed


def test_dealer_host_follows_its_links(dealer_headers):
    followed: list = []

    def credentials(case):
        return dealer_headers["Host"], dealer_headers["key"]

    _workflow(dealer_workflow, credentials, followed).run(settings=STEPS)
    assert ("GET /api/v1/work-orders/{manufacturer}/{number}/", 200) in followed
