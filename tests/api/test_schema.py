"""The published schema is a contract: valid OpenAPI 3.1, stable, and saying what the server does."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

from ..conftest import api_client

SCHEMA = "/api/v1/schema/?format=json"

# The operation ids are the names of every generated client's functions: they never change within v1.
HOTLINE_OPERATIONS = {
    "work_orders_messages_list",
    "work_orders_messages_create",
    "work_orders_review",
    "work_orders_attachments_create",
    "work_orders_attachments_download",
    "work_orders_attachments_list",
    "kpis_read",
    "kpis_satisfaction_read",
    "parts_requests_acknowledge",
    "parts_requests_allocate_line",
    "parts_requests_back_order_line",
    "parts_requests_list",
    "parts_requests_read",
    "parts_requests_reject_line",
    "parts_requests_report_delivered",
    "parts_requests_ship",
    "telephony_call_event",
    "webhooks_create",
    "webhooks_deliveries_list",
    "webhooks_list",
    "webhooks_read",
    "webhooks_rotate_secret",
    "webhooks_send_test",
    "webhooks_update",
    "work_orders_cancel",
    "work_orders_create",
    "work_orders_list",
    "work_orders_notes_create",
    "work_orders_notes_list",
    "work_orders_owner_calls_create",
    "work_orders_owner_calls_list",
    "work_orders_parts_requests_list",
    "work_orders_read",
    "work_orders_reclassify",
    "work_orders_record_callback",
    "work_orders_reopen",
    "work_orders_upgrade_decision",
    "work_orders_tech_support_answer",
    "work_orders_tech_support_close",
    "work_orders_tech_support_list",
    "work_orders_verify",
}
DEALER_OPERATIONS = {
    "dealer_work_orders_messages_list",
    "dealer_work_orders_messages_create",
    "dealer_root_causes_list",
    "dealer_work_orders_attachments_create",
    "dealer_work_orders_attachments_download",
    "dealer_work_orders_attachments_list",
    "dealer_work_orders_add_note",
    "dealer_work_orders_assign",
    "dealer_work_orders_confirm_parts_received",
    "dealer_work_orders_confirm_senior_answer",
    "dealer_work_orders_read",
    "dealer_work_orders_record_callback",
    "dealer_work_orders_record_contact",
    "dealer_work_orders_record_stock_check",
    "dealer_work_orders_request_extension",
    "dealer_work_orders_request_parts",
    "dealer_work_orders_request_tech_support",
    "dealer_work_orders_request_transfer",
    "dealer_work_orders_request_upgrade",
    "dealer_work_orders_resolve",
    "dealer_work_orders_record_repair",
    "dealer_work_orders_hand_off",
    "dealer_work_orders_record_department_answer",
    "dealer_work_orders_report_progress",
    "dealer_work_orders_promise_arrival",
    "dealer_work_orders_withdraw_resolution",
    "inbox_list",
}


# Under a work order's address, but answering its parts requests, notes, logged calls,
# technical-support requests or files (no version).
ANSWERS_NO_RECORD = {
    "work_orders_attachments_list",
    "work_orders_attachments_create",
    "work_orders_attachments_download",
    "dealer_work_orders_attachments_list",
    "dealer_work_orders_attachments_create",
    "dealer_work_orders_attachments_download",
    "work_orders_tech_support_answer",
    "work_orders_tech_support_close",
    "work_orders_tech_support_list",
    "work_orders_parts_requests_list",
    "work_orders_notes_list",
    "work_orders_notes_create",
    "work_orders_owner_calls_list",
    "work_orders_owner_calls_create",
    "work_orders_messages_list",
    "work_orders_messages_create",
    "dealer_work_orders_messages_list",
    "dealer_work_orders_messages_create",
}


@pytest.fixture
def schemas(hotline, network) -> dict[str, dict]:
    return {
        "hotline": api_client(hotline).get(SCHEMA).json(),
        "dealer": api_client(network["junda"]).get(SCHEMA).json(),
    }


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


@pytest.mark.parametrize("host", ["hotline", "dealer"])
def test_the_schema_is_valid_openapi_3_1(schemas, host):
    schema = schemas[host]
    assert schema["openapi"].startswith("3.1")
    validate(schema, cls=OpenAPIV31SpecValidator)


def test_operation_ids_are_the_declared_stable_names(schemas):
    assert {op["operationId"] for _p, _m, op in operations(schemas["hotline"])} == HOTLINE_OPERATIONS
    assert {op["operationId"] for _p, _m, op in operations(schemas["dealer"])} == DEALER_OPERATIONS


@pytest.mark.parametrize("host", ["hotline", "dealer"])
def test_every_operation_is_described_in_its_own_words(schemas, host):
    descriptions = [op.get("description", "") for _p, _m, op in operations(schemas[host])]
    assert all(len(text) > 20 for text in descriptions)
    assert len(set(descriptions)) == len(descriptions)  # no base class's docstring shared


@pytest.mark.parametrize("host", ["hotline", "dealer"])
def test_every_status_and_header_the_server_sends_is_declared(schemas, host):
    for path, method, operation in operations(schemas[host]):
        responses = operation["responses"]
        for code in ("400", "401", "403", "404", "405", "429", "500", "503"):
            assert "application/problem+json" in responses[code]["content"], (path, method, code)
        assert "Retry-After" in responses["429"]["headers"]
        assert responses["503"]["headers"]["Retry-After"]["required"] is True
        assert "WWW-Authenticate" in responses["401"]["headers"]
        success = [code for code in responses if code.startswith("2")]
        assert len(success) == 1, (path, method)
        if method == "post":
            assert "Idempotent-Replayed" in responses[success[0]]["headers"], path
        if "{number}" in path and operation["operationId"] not in ANSWERS_NO_RECORD:
            # one work order or parts request: its version as the ETag
            assert responses[success[0]]["headers"]["ETag"]["required"] is True, path
    created = schemas["hotline"]["paths"]["/api/v1/work-orders/"]["post"]["responses"]["201"]
    assert {"ETag", "Location"} <= set(created["headers"])


def test_nullable_objects_say_so_in_a_form_validators_accept(schemas):
    work_order = schemas["hotline"]["components"]["schemas"]["WorkOrderOut"]
    assert work_order["properties"]["vehicle"]["oneOf"][1] == {"type": "null"}
    inbox_row = schemas["dealer"]["components"]["schemas"]["InboxRowOut"]
    assert inbox_row["properties"]["next_due"]["oneOf"][1] == {"type": "null"}
    assert "nullable" not in str(schemas)  # the 3.0 keyword has no meaning in 3.1


def test_inputs_declare_what_the_server_requires(schemas):
    components = schemas["hotline"]["components"]["schemas"]
    owner, vehicle = components["OwnerInRequest"], components["VehicleInRequest"]
    assert set(owner["required"]) == {"name", "mobile"}
    assert set(vehicle["required"]) == {"vin", "model"}
    assert owner["properties"]["mobile"]["pattern"] == r"^1[3-9]\d{9}$"
    assert (vehicle["properties"]["vin"]["minLength"], vehicle["properties"]["vin"]["maxLength"]) == (17, 17)
    assert components["PartLineInRequest"]["properties"]["quantity"]["minimum"] == 1
    assert components["ReasonInRequest"]["properties"]["reason"]["pattern"] == r"\S"


def test_outputs_are_their_own_models_with_typed_enums(schemas):
    hotline = schemas["hotline"]["components"]["schemas"]
    work_order = hotline["WorkOrderOut"]["properties"]
    assert work_order["owner"]["allOf"][0]["$ref"].endswith("/OwnerOut")
    assert set(hotline["OwnerOut"]["required"]) == set(hotline["OwnerOut"]["properties"])
    dealer = schemas["dealer"]["components"]["schemas"]["DealerWorkOrderOut"]["properties"]
    for name, enum in (
        ("type", "WorkOrderTypeEnum"),
        ("category", "CategoryEnum"),
        ("channel", "ChannelEnum"),
    ):
        assert dealer[name]["$ref"].endswith(enum), name
    assert dealer["owner"]["$ref"].endswith("/DealerOwnerOut")
    assert dealer["vehicle"]["oneOf"][0]["$ref"].endswith("/VehicleOut")


def test_both_ways_of_sending_a_key_are_security_schemes(schemas):
    schemes = schemas["hotline"]["components"]["securitySchemes"]
    assert schemes["apiKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": schemes["apiKeyHeader"]["description"],
    }
    assert schemes["apiKey"]["scheme"] == "bearer"


def test_the_schema_is_the_same_bytes_in_every_language(hotline, network):
    english = api_client(hotline, HTTP_ACCEPT_LANGUAGE="en").get(SCHEMA)
    chinese = api_client(hotline, HTTP_ACCEPT_LANGUAGE="zh-hans").get(SCHEMA)
    again = api_client(hotline, HTTP_ACCEPT_LANGUAGE="zh-hans").get(SCHEMA + "&lang=zh-hans")
    assert english.content == chinese.content == again.content
    assert english["Content-Language"] == "en"
    assert "Dealer code" in english.content.decode()  # help texts in English, not the caller's language
