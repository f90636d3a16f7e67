"""Every body in the published schema has an example, and every example is what its schema allows.

An integrator reads the examples before any field list; one that the server
would not send (a field left out, one too many, a value outside its enum or
pattern) teaches them the wrong thing. Each example is checked against its own
schema with additional properties forbidden, as the answers are
(``tests/api/contract.py``).
"""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from ..conftest import api_client
from .contract import strict

SCHEMA = "/api/v1/schema/?format=json"


@pytest.fixture
def schemas(hotline, network) -> dict[str, dict]:
    return {
        "hotline": api_client(hotline).get(SCHEMA).json(),
        "dealer": api_client(network["junda"]).get(SCHEMA).json(),
    }


def bodies(schema: dict):
    """(where, media type object, is a request or a success) for every body of every operation."""
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            name = operation["operationId"]
            for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
                yield f"{name} request {media_type}", media, True
            for code, response in operation["responses"].items():
                for media_type, media in response.get("content", {}).items():
                    yield f"{name} {code} {media_type} ({method.upper()} {path})", media, code.startswith("2")


def examples_of(schema: dict, media: dict) -> list:
    found = list(media.get("examples", {}).values())
    named = schema.get("components", {}).get("examples", {})
    resolved = [named[e["$ref"].rsplit("/", 1)[-1]] if "$ref" in e else e for e in found]
    values = [e["value"] for e in resolved]
    if "example" in media:
        values.append(media["example"])
    return values


@pytest.mark.parametrize("host", ["hotline", "dealer"])
def test_every_request_and_success_body_has_an_example(schemas, host):
    schema = schemas[host]
    missing = [where for where, media, needed in bodies(schema) if needed and not examples_of(schema, media)]
    assert not missing, missing


@pytest.mark.parametrize("host", ["hotline", "dealer"])
def test_every_example_is_valid_against_its_own_schema(schemas, host):
    schema = schemas[host]
    components = strict(schema["components"])
    broken, checked = [], 0
    for where, media, _needed in bodies(schema):
        validator = Draft202012Validator(
            {**media["schema"], "components": components}, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for value in examples_of(schema, media):
            checked += 1
            for error in validator.iter_errors(value):
                broken.append(f"{where}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
    assert not broken, "\n".join(broken[:20])
    assert checked > 100  # problem documents included


def test_the_examples_tell_one_story(schemas):
    """The create's owner and car come back in its answer, as the server would give them back."""
    hotline = schemas["hotline"]
    create = hotline["paths"]["/api/v1/work-orders/"]["post"]
    sent = examples_of(hotline, create["requestBody"]["content"]["application/json"])[0]
    answered = examples_of(hotline, create["responses"]["201"]["content"]["application/json"])[0]
    assert sent["owner"]["name"] == answered["owner"]["name"] == "王建华"
    assert sent["vehicle"]["vin"] == answered["vehicle"]["vin"]
    assert len(answered["vehicle"]["vin"]) == 17
    assert answered["vehicle"]["plate"].startswith("粤A")
    assert answered["part_lines"][0]["part_code"] == sent["part_lines"][0]["part_code"] == "04465-33450"
    refused = examples_of(hotline, create["responses"]["400"]["content"]["application/problem+json"])[0]
    assert refused["status"] == 400
    assert refused["instance"] == "/api/v1/work-orders/"
    assert set(refused["errors"]) <= set(hotline["components"]["schemas"]["WorkOrderInRequest"]["properties"])
    dealer = schemas["dealer"]
    read = dealer["paths"]["/api/v1/work-orders/{manufacturer}/{number}/"]["get"]
    seen = examples_of(dealer, read["responses"]["200"]["content"]["application/json"])[0]
    assert (seen["number"], seen["owner"]["name"]) == (answered["number"], "王建华")
