"""The container image and the chart agree with the product, checked without running either.

What helm and the built image prove is in tests/deploy (marked ``deploy``): lint, rendering,
Kubernetes' schemas, the values schema, the processes in step with the chart and settings, and
the image built and run. Here: the Procfile and the image's entry point run the same command
lines, the entry point's liveness check reads the heartbeat files the processes write, the
Dockerfile's shape, and what helm does not check (a template reading a value that values.yaml
does not have renders as empty, silently).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
import yaml

from config.heartbeat import heartbeat, heartbeat_age
from tests.deploy.processes import (
    ENTRYPOINT,
    NOT_PROCESSES,
    entrypoint_arms,
    entrypoint_commands,
    entrypoint_processes,
    procfile,
)

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "helm"
TEMPLATES = CHART / "templates"
DOCKERFILE = ROOT / "Dockerfile"
VALUES_PATH = re.compile(r"\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def values() -> dict:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def schema() -> dict:
    return json.loads((CHART / "values.schema.json").read_text())


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), one list per stage."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def lookup(tree: dict, dotted: str, *, missing: object = KeyError) -> object:
    node: object = tree
    for key in dotted.strip(".").split("."):
        if not isinstance(node, dict) or key not in node:
            if missing is KeyError:
                raise KeyError(dotted)
            return missing
        node = node[key]
    return node


def test_chart_metadata_parses_and_follows_the_application_version():
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    assert chart["apiVersion"] == "v2"
    assert chart["type"] == "application"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
    assert chart["appVersion"] == project["version"]


def test_the_image_runs_every_procfile_process_with_the_same_command_line():
    processes = procfile()
    commands = entrypoint_commands()

    assert entrypoint_processes() == set(processes)
    assert set(entrypoint_arms()) == set(processes) | set(NOT_PROCESSES)
    for name, command in processes.items():
        assert commands[name] == command, name
    assert commands["migrate"].startswith("python manage.py migrate_tenants")
    assert commands["manage"] == "python manage.py"
    assert "alive" not in commands, "the liveness check runs no process"
    assert (ROOT / "tenants" / "management" / "commands" / "migrate_tenants.py").exists()
    assert ENTRYPOINT.stat().st_mode & 0o111, "the entry point must be executable"


def test_the_drift_check_notices_a_new_or_changed_procfile_process(tmp_path):
    original = (ROOT / "Procfile").read_text()
    added = tmp_path / "Procfile.added"
    added.write_text(original + "mailer: python manage.py run_mailer\n")
    changed = tmp_path / "Procfile.changed"
    changed.write_text(original.replace("run_relay", "run_relay --poll 5"))
    image = entrypoint_commands()

    assert entrypoint_processes() != set(procfile(added))
    assert image["relay"] != procfile(changed)["relay"]


def test_an_entry_point_process_that_execs_nothing_is_refused(tmp_path):
    broken = tmp_path / "entrypoint.sh"
    broken.write_text(
        ENTRYPOINT.read_text().replace("exec python manage.py run_relay", "python manage.py run_relay")
    )

    with pytest.raises(AssertionError, match="arm relay"):
        entrypoint_commands(broken)


def alive(heartbeats: Path, *args: str) -> int:
    """``entrypoint.sh alive …``, as a liveness probe runs it; its exit status."""
    done = subprocess.run(
        [str(ENTRYPOINT), "alive", *args],
        env={"PATH": os.environ["PATH"], "HEARTBEAT_DIR": str(heartbeats)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.returncode


def test_alive_tells_a_fresh_heartbeat_from_a_stale_or_missing_one(tmp_path):
    assert alive(tmp_path, "relay", "60") == 1  # never went round its loop
    beat = tmp_path / "relay.alive"
    beat.touch()
    assert alive(tmp_path, "relay", "60") == 0
    ninety_seconds_ago = time.time() - 90
    os.utime(beat, (ninety_seconds_ago, ninety_seconds_ago))
    assert alive(tmp_path, "relay", "60") == 1
    assert alive(tmp_path, "relay") == 1  # the default allowance is 60 s
    assert alive(tmp_path, "relay", "120") == 0
    assert alive(tmp_path, "scheduler", "120") == 1  # each process has its own file
    assert alive(tmp_path) not in (0, 1)  # which process, the check cannot guess


def test_alive_reads_the_file_the_processes_heartbeat_writes(tmp_path, settings):
    settings.HEARTBEAT_DIR = str(tmp_path / "heartbeats")  # made by the first heartbeat
    assert alive(tmp_path / "heartbeats", "worker", "60") == 1

    heartbeat("worker")

    assert heartbeat_age("worker") < 5
    assert alive(tmp_path / "heartbeats", "worker", "60") == 0
    assert alive(tmp_path / "heartbeats", "relay", "60") == 1


def test_dockerfile_is_multi_stage_slim_non_root_and_starts_through_the_entry_point():
    stages = dockerfile_stages()
    final = stages[-1]
    final_text = "\n".join(final)

    assert len(stages) >= 2
    assert all(re.search(r"\bAS \w+", stage[0], re.I) for stage in stages)
    assert "slim" in "\n".join(
        line for line in DOCKERFILE.read_text().splitlines() if line.startswith("ARG PYTHON_IMAGE")
    )
    user = [line.split()[1] for line in final if line.startswith("USER ")]
    assert user
    assert user[-1].split(":")[0] not in {"0", "root"}
    assert int(user[-1].split(":")[0]) == values()["podSecurityContext"]["runAsUser"]
    for tool in ("gcc", "build-essential", "apt-get install", "pip install"):
        assert tool not in final_text, tool
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in final
    assert "WEB_HOST=0.0.0.0" in final_text
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in final_text
    assert "collectstatic" in "\n".join(stages[0])


def test_dockerfile_copies_every_package_of_the_project():
    copied = "\n".join(line for stage in dockerfile_stages() for line in stage if line.startswith("COPY"))
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    for package in (name.rstrip("*") for name in packages["include"]):
        assert f"COPY {package} ./{package}" in copied, package
    assert "manage.py" in copied
    assert "docker/entrypoint.sh" in copied


def test_the_schema_offers_every_sms_backend_the_product_has():
    sms_module = (ROOT / "notifications" / "sms.py").read_text()
    backends = re.findall(r"^class (\w+)\(SmsBackend\):", sms_module, re.M)
    offered = schema()["properties"]["config"]["properties"]["sms"]["properties"]["backend"]["enum"]

    assert sorted(offered) == sorted(f"notifications.sms.{name}" for name in backends)
    assert values()["config"]["sms"]["backend"] in offered


def values_paths_missing(templates: dict[str, str], chart_values: dict) -> set[str]:
    """``.Values.…`` paths the templates read that values.yaml lacks; helm would render them
    empty without a word."""
    missing = set()
    for name, text in templates.items():
        for match in VALUES_PATH.finditer(text):
            try:
                lookup(chart_values, match.group(1))
            except KeyError:
                missing.add(f"{name}: .Values{match.group(1)}")
    return missing


def chart_templates() -> dict[str, str]:
    paths = [*TEMPLATES.rglob("*.yaml"), TEMPLATES / "_helpers.tpl", TEMPLATES / "NOTES.txt"]
    return {path.name: path.read_text() for path in paths}


def test_every_values_path_a_template_reads_exists_in_values_yaml():
    assert values_paths_missing(chart_templates(), values()) == set()


def test_a_template_reading_a_value_that_does_not_exist_is_noticed():
    templates = chart_templates()
    templates["configmap.yaml"] = templates["configmap.yaml"].replace(
        ".Values.config.live.sweepSeconds", ".Values.config.sweepSeconds"
    )

    assert values_paths_missing(templates, values()) == {"configmap.yaml: .Values.config.sweepSeconds"}


def test_docs_say_where_deployment_lives():
    readme = (ROOT / "README.md").read_text()
    assert "## Deploy" in readme
    assert "docs/deploy.md" in readme.split("## Deploy", 1)[1]
    assert "helm/" in (ROOT / "docs" / "architecture.md").read_text()
    for topic in ("helm install", "helm upgrade", "session", "Citus", "pg_dump"):
        assert topic in (ROOT / "docs" / "deploy.md").read_text(), topic


def test_no_proxy_is_trusted_by_default_anywhere_the_web_process_starts():
    """The sign-in limits count client addresses: trusting every proxy lets any client choose its own."""
    assert values()["config"]["forwardedAllowIps"] == ""
    assert schema()["properties"]["config"]["properties"]["forwardedAllowIps"].get("not") == {"const": "*"}
    web = procfile()["web"]
    assert '--forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-}"' in web
