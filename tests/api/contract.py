"""The API as an integrator meets it: a client generated from the published schema, every answer checked.

``generated_client`` runs openapi-python-client (a dev dependency) on a served
schema into a temporary folder and imports the package. ``Recorder`` is the
client's response hook: each answer is checked against the operation's
published response, with additional properties forbidden on every object, so a
field the server sends but the schema omits fails, and so does one the schema
requires but the server leaves out; so do headers the server sends undeclared.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from django.core.handlers.wsgi import WSGIHandler
from jsonschema import Draft202012Validator

APP = WSGIHandler()
# Headers the server answers with that are part of the contract (the rest are HTTP's own).
CONTRACT_HEADERS = {
    "etag",
    "location",
    "idempotent-replayed",
    "retry-after",
    "www-authenticate",
    "deprecation",
    "sunset",
    "link",
}
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def generated_client(schema: dict, package: str, folder: Path) -> ModuleType:
    """A client package generated from ``schema`` by openapi-python-client, imported."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.json").write_text(json.dumps(schema))
    config = {"package_name_override": package, "project_name_override": package, "post_hooks": []}
    (folder / "config.json").write_text(json.dumps(config))
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(folder / "schema.json"),
            "--meta",
            "none",
            "--output-path",
            str(folder / package),
            "--config",
            str(folder / "config.json"),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(folder))


def strict(schema: Any) -> Any:
    """Every object with declared properties closed to others (``additionalProperties: false``)."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


class Recorder:
    """The response hook of a generated client: checks and remembers every answer."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.components = strict(schema["components"])
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
            for path in sorted(schema["paths"], key=len, reverse=True)
        ]
        self.seen: list[tuple[str, int]] = []

    def operation(self, method: str, path: str) -> dict:
        for pattern, template in self.routes:
            if pattern.match(path):
                return self.schema["paths"][template][method.lower()]
        raise AssertionError(f"{method} {path} is in no published path")

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        operation = self.operation(request.method, request.url.path)
        where = f"{operation['operationId']} → {response.status_code}"
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, f"{where}: status not in the schema"
        headers = declared.get("headers", {})
        for name, header in headers.items():
            if header.get("required"):
                assert name in response.headers, f"{where}: header {name} missing"
        sent = {name.lower() for name in response.headers} & CONTRACT_HEADERS
        undeclared = sent - {name.lower() for name in headers}
        assert not undeclared, f"{where}: headers {undeclared} not in the schema"
        content = declared.get("content")
        if content is None:
            assert not response.content, f"{where}: a body where the schema has none"
        else:
            media = response.headers["content-type"].split(";")[0]
            assert media in content, f"{where}: {media} not in {sorted(content)}"
            body_schema = {**content[media]["schema"], "components": self.components}
            validator = Draft202012Validator(body_schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
            errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.absolute_path))
            assert not errors, f"{where}: " + "; ".join(
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
            )
        self.seen.append((operation["operationId"], response.status_code))


def client_on(package: ModuleType, host: str, secret: str, recorder: Recorder, **headers: str) -> Any:
    """The generated client on a tenant's host with an API key, talking to the app in this process."""
    return package.AuthenticatedClient(
        base_url=f"http://{host}",
        token=secret,
        headers=headers,
        httpx_args={"transport": httpx.WSGITransport(app=APP), "event_hooks": {"response": [recorder]}},
    )
