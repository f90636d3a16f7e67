"""The container image and the Helm chart agree with the product and with themselves.

``helm`` cannot be installed here, so these tests check what can be checked without it:

* Pure YAML (``Chart.yaml``, ``values.yaml``) is parsed as it is.
* Templates are not YAML before Helm renders them, so each is put through a small
  skeleton renderer (``skeleton``) that does what Helm would do to the shape of the file
  and nothing else: control lines (``if``, ``with``, ``range``, ``end``, comments) vanish,
  as they do after ``{{-`` trimming; an inline action becomes a placeholder scalar; a line
  that is only ``... | nindent N`` becomes one placeholder entry at column N, a list item
  when what it inserts is a list (a helper whose body starts with ``- ``, or a value that
  ``values.yaml`` holds as a list) and a mapping key otherwise. Both branches of an
  ``if``/``else`` are kept. The result must parse as YAML and be a Kubernetes object with
  its apiVersion, kind, name and labels where Helm's output would have them; indentation
  mistakes, the usual breakage of a chart, fail here.
* ``values.yaml`` validates against ``values.schema.json`` (what ``helm install`` and
  ``helm lint`` check), and wrong values are rejected.
* Every ``.Values.…`` path a template reads exists in ``values.yaml``.
* Every resource carries the standard labels with its component.
* The Procfile (what ``dev.py up`` runs), the image's entry point and the chart's
  workloads name the same processes with the same command lines.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "helm"
TEMPLATES = CHART / "templates"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
DOCKERFILE = ROOT / "Dockerfile"
EXTRA_ENTRYPOINT_COMMANDS = {"migrate", "manage"}  # the image's commands beyond the Procfile

ACTION = re.compile(r"\{\{.*?\}\}", re.S)
COMMENT = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", re.S)
VALUES_PATH = re.compile(r"\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
LABELS_CALL = re.compile(
    r'include "complaint-desk\.(labels|selectorLabels)" \(dict "context" \$?\.? "component" "([a-z-]+)"\)'
)


# --- reading the files -----------------------------------------------------------------------


def values() -> dict:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def schema() -> dict:
    return json.loads((CHART / "values.schema.json").read_text())


def yaml_templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.yaml"))


def procfile(path: Path = ROOT / "Procfile") -> dict[str, str]:
    processes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


def entrypoint_commands() -> dict[str, str]:
    """Each ``case`` arm of the entry point: its name and the command line it execs."""
    text = ENTRYPOINT.read_text()
    arms = re.findall(r"^ {4}([a-z]+)\)\n(.*?)^ {8};;", text, re.S | re.M)
    commands = {}
    for name, body in arms:
        execs = [line.strip() for line in body.splitlines() if line.strip().startswith("exec ")]
        assert len(execs) == 1, f"entrypoint arm {name} must exec exactly one command"
        command = execs[0].removeprefix("exec ")
        commands[name] = command.removesuffix(' "$@"')
    return commands


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


def helper_kinds() -> dict[str, str]:
    """Each named template of _helpers.tpl: does it produce a YAML ``list`` or ``mapping``?"""
    text = COMMENT.sub("", (TEMPLATES / "_helpers.tpl").read_text())
    kinds = {}
    define = r'\{\{-? define "([^"]+)" -?\}\}(.*?)\{\{-? end \}\}\n(?=\n|\{\{-? define|\Z)'
    for name, body in re.findall(define, text, re.S):
        lines = [line for line in body.splitlines() if line.strip() and not ACTION.fullmatch(line.strip())]
        first = lines[0].strip() if lines else ""
        kinds[name] = "list" if first.startswith("- ") else "mapping" if ":" in first else "scalar"
    return kinds


def lookup(tree: dict, dotted: str, *, missing: object = KeyError) -> object:
    node: object = tree
    for key in dotted.strip(".").split("."):
        if not isinstance(node, dict) or key not in node:
            if missing is KeyError:
                raise KeyError(dotted)
            return missing
        node = node[key]
    return node


def skeleton(text: str, kinds: dict[str, str], chart_values: dict) -> str:
    """The template with its actions replaced as described in the module docstring."""
    text = COMMENT.sub("", text)
    out: list[str] = []
    scopes: list[object] = []  # what "." is inside each open with/range/if
    counter = 0
    for line in text.splitlines():
        stripped = line.strip()
        actions = ACTION.findall(stripped)
        if actions and ACTION.sub("", stripped).strip() == "":
            for action in actions:
                inner = action.strip("{}").strip("-").strip()
                word = inner.split(" ", 1)[0]
                if word in {"with", "range"}:
                    target = VALUES_PATH.search(inner)
                    scopes.append(lookup(chart_values, target.group(1), missing=None) if target else None)
                elif word == "if":
                    scopes.append(scopes[-1] if scopes else None)
                elif word == "end" and scopes:
                    scopes.pop()
            nindent = re.search(r"\|\s*nindent (\d+)", stripped)
            if nindent:
                counter += 1
                indent = " " * int(nindent.group(1))
                included = re.search(r'include "([^"]+)"', stripped)
                if included:
                    kind = kinds[included.group(1)]
                else:
                    source = re.search(r"toYaml (\S+)", stripped).group(1)
                    value = (
                        scopes[-1]
                        if source == "." and scopes
                        else lookup(chart_values, VALUES_PATH.search(source).group(1))
                    )
                    kind = "list" if isinstance(value, list) else "mapping"
                out.append(
                    f"{indent}- rendered-{counter}"
                    if kind == "list"
                    else f"{indent}rendered-{counter}: value"
                )
            continue
        out.append(ACTION.sub("TEMPLATED", line))
    return "\n".join(out) + "\n"


def rendered(path: Path) -> dict:
    return yaml.safe_load(skeleton(path.read_text(), helper_kinds(), values()))


# --- YAML --------------------------------------------------------------------------------------


def test_chart_metadata_parses_and_follows_the_application_version():
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    assert chart["apiVersion"] == "v2"
    assert chart["type"] == "application"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
    assert chart["appVersion"] == project["version"]


@pytest.mark.parametrize("path", yaml_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_template_renders_to_one_kubernetes_object(path):
    document = rendered(path)

    assert isinstance(document, dict), path
    assert document["apiVersion"]
    assert document["kind"]
    assert "TEMPLATED" in document["metadata"]["name"]  # named after the release
    assert isinstance(document["metadata"]["labels"], dict)


def test_the_skeleton_renderer_catches_a_misindented_template():
    broken = (TEMPLATES / "web-service.yaml").read_text().replace("  type: {{", " type: {{")

    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(skeleton(broken, helper_kinds(), values()))


def test_workloads_run_their_process_with_probes_security_and_resources():
    web = rendered(TEMPLATES / "web-deployment.yaml")
    pod = web["spec"]["template"]["spec"]
    container = pod["containers"][0]

    assert container["args"] == ["web"]
    assert [port["containerPort"] for port in container["ports"]] == [8000]
    for section in (
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "securityContext",
        "resources",
        "envFrom",
        "env",
        "volumeMounts",
    ):
        assert section in container, section
    probes = values()["web"]
    assert probes["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert probes["readinessProbe"]["httpGet"]["path"] == "/readyz"
    middleware = (ROOT / "config" / "middleware.py").read_text()
    assert 'request.path == "/healthz"' in middleware
    assert 'request.path == "/readyz"' in middleware


# --- values and schema -------------------------------------------------------------------------


def validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema())
    cls.check_schema(schema())
    return cls(schema())


def test_values_yaml_validates_against_the_schema():
    errors = [error.message for error in validator().iter_errors(values())]
    assert errors == []


def production_values() -> dict:
    """What an operator with managed PostgreSQL and Redis would pass."""
    result = copy.deepcopy(values())
    result["baseDomain"] = "desk.example.cn"
    result["postgresql"]["enabled"] = False
    result["redis"]["enabled"] = False
    result["externalDatabase"]["existingSecret"] = "desk-database"
    result["externalRedis"]["url"] = "rediss://:pw@redis.internal:6380/0"
    result["secrets"]["existingSecret"] = "desk-secrets"
    return result


def test_production_values_are_accepted():
    assert [error.message for error in validator().iter_errors(production_values())] == []


def _set(tree: dict, dotted: str, value: object) -> dict:
    *parents, last = dotted.split(".")
    node = tree
    for key in parents:
        node = node[key]
    node[last] = value
    return tree


WRONG_VALUES = {
    "replica count as a string": {"web.replicaCount": "3"},
    "unknown top-level key": {"replicas": 3},
    "unknown key in a process": {"worker.replica": 2},
    "pull policy that does not exist": {"image.pullPolicy": "Sometimes"},
    "base domain with a scheme": {"baseDomain": "https://desk.example.cn"},
    "base domain as a wildcard": {"baseDomain": "*.desk.example.cn"},
    "secret key shorter than 32 characters": {"secrets.secretKey": "short"},
    "sign-in rate not in django-ratelimit syntax": {"config.loginRatePerIp": "twenty"},
    "no database at all": {"postgresql.enabled": False},
    "no Redis at all": {"redis.enabled": False},
    "in-cluster and external database at once": {"externalDatabase.url": "postgresql://a@b/c"},
    "database URL and database Secret at once": {
        "postgresql.enabled": False,
        "externalDatabase.url": "postgresql://a@b/c",
        "externalDatabase.existingSecret": "db",
    },
    "unknown SMS backend": {"config.sms.backend": "notifications.sms.Pigeon"},
    "SMS endpoint over plain http": {"config.sms.tencentEndpoint": "http://sms.tencentcloudapi.com/"},
    "Tencent Cloud region that is no region": {"config.sms.tencentRegion": "Guangzhou"},
    "Tencent Cloud SdkAppId as a number": {"config.sms.tencentSdkAppId": 1400000000},
    "Tencent Cloud backend without SdkAppId": {
        "config.sms.backend": "notifications.sms.TencentSmsBackend",
        "config.sms.tencentSignName": "华骐汽车",
        "secrets.existingSecret": "desk-secrets",
    },
    "Tencent Cloud backend without signature name": {
        "config.sms.backend": "notifications.sms.TencentSmsBackend",
        "config.sms.tencentSdkAppId": "1400000000",
        "secrets.existingSecret": "desk-secrets",
    },
    "Tencent Cloud backend without its keys": {
        "config.sms.backend": "notifications.sms.TencentSmsBackend",
        "config.sms.tencentSdkAppId": "1400000000",
        "config.sms.tencentSignName": "华骐汽车",
    },
    "Tencent Cloud backend with half its keys": {
        "config.sms.backend": "notifications.sms.TencentSmsBackend",
        "config.sms.tencentSdkAppId": "1400000000",
        "config.sms.tencentSignName": "华骐汽车",
        "secrets.smsTencentSecretId": "AKIDexample",
    },
    "Alibaba Cloud backend without signature name": {
        "config.sms.backend": "notifications.sms.AliyunSmsBackend",
        "secrets.existingSecret": "desk-secrets",
    },
    "Alibaba Cloud backend without its keys": {
        "config.sms.backend": "notifications.sms.AliyunSmsBackend",
        "config.sms.aliyunSignName": "华骐汽车",
    },
    "SMS reply secret shorter than 32 characters": {"secrets.smsReplySecret": "short"},
    "unknown SMS setting": {"config.sms.tencentAppKey": "x"},
    "probe without a path": {"web.readinessProbe": {"tcpSocket": {"port": 8000}}},
}


@pytest.mark.parametrize("changes", WRONG_VALUES.values(), ids=WRONG_VALUES.keys())
def test_schema_rejects_wrong_values(changes):
    wrong = copy.deepcopy(values())
    for dotted, value in changes.items():
        _set(wrong, dotted, value)

    assert list(validator().iter_errors(wrong)), changes


SMS_PROVIDERS = {
    "Alibaba Cloud, keys in values": {
        "config.sms.backend": "notifications.sms.AliyunSmsBackend",
        "config.sms.aliyunSignName": "华骐汽车",
        "secrets.smsAliyunAccessKeyId": "LTAIexample",
        "secrets.smsAliyunAccessKeySecret": "example",
    },
    "Tencent Cloud, keys in values": {
        "config.sms.backend": "notifications.sms.TencentSmsBackend",
        "config.sms.tencentSdkAppId": "1400000000",
        "config.sms.tencentSignName": "华骐汽车",
        "config.sms.tencentRegion": "ap-beijing",
        "secrets.smsTencentSecretId": "AKIDexample",
        "secrets.smsTencentSecretKey": "example",
        "secrets.smsReplySecret": "r" * 40,
    },
    "Tencent Cloud, keys in the operator's Secret": {
        "config.sms.backend": "notifications.sms.TencentSmsBackend",
        "config.sms.tencentSdkAppId": "1400000000",
        "config.sms.tencentSignName": "华骐汽车",
        "secrets.existingSecret": "desk-secrets",
    },
}


@pytest.mark.parametrize("changes", SMS_PROVIDERS.values(), ids=SMS_PROVIDERS.keys())
def test_each_sms_provider_with_its_settings_is_accepted(changes):
    chosen = copy.deepcopy(values())
    for dotted, value in changes.items():
        _set(chosen, dotted, value)

    assert [error.message for error in validator().iter_errors(chosen)] == []


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("Tencent Cloud backend without SdkAppId", "config.sms.tencentSdkAppId"),
        ("Tencent Cloud backend without signature name", "config.sms.tencentSignName"),
        ("Tencent Cloud backend with half its keys", "secrets.smsTencentSecretKey"),
        ("Alibaba Cloud backend without signature name", "config.sms.aliyunSignName"),
        ("Alibaba Cloud backend without its keys", "secrets.smsAliyunAccessKeySecret"),
        ("SMS reply secret shorter than 32 characters", "secrets.smsReplySecret"),
    ],
)
def test_an_sms_provider_missing_a_setting_is_refused_at_that_setting(case, field):
    wrong = copy.deepcopy(values())
    for dotted, value in WRONG_VALUES[case].items():
        _set(wrong, dotted, value)

    assert field in {".".join(map(str, error.absolute_path)) for error in validator().iter_errors(wrong)}


def test_the_schema_offers_every_sms_backend_the_product_has():
    sms_module = (ROOT / "notifications" / "sms.py").read_text()
    backends = re.findall(r"^class (\w+)\(SmsBackend\):", sms_module, re.M)
    offered = schema()["properties"]["config"]["properties"]["sms"]["properties"]["backend"]["enum"]

    assert sorted(offered) == sorted(f"notifications.sms.{name}" for name in backends)
    assert values()["config"]["sms"]["backend"] in offered


def test_every_sms_setting_can_be_given_through_the_chart():
    """A provider's setting the chart cannot set would leave that provider unusable on Kubernetes.
    SMS_FILE is left out: the console backend's file is for development, and the root filesystem
    of the pods is read-only."""
    settings = "\n".join(path.read_text() for path in (ROOT / "config" / "settings").glob("*.py"))
    sms_settings = set(re.findall(r'env(?:\.\w+)?\("(SMS_[A-Z_]+)"', settings)) - {"SMS_FILE"}
    keys = set(rendered(TEMPLATES / "configmap.yaml")["data"])
    keys |= set(re.findall(r"^  ([A-Z_]+):", (TEMPLATES / "secret.yaml").read_text(), re.M))

    assert {"SMS_TENCENT_SECRET_ID", "SMS_REPLY_SECRET"} <= sms_settings
    assert sms_settings - keys == set()


def test_sms_keys_are_secrets_and_the_rest_plain_configuration():
    config = set(rendered(TEMPLATES / "configmap.yaml")["data"])
    secret = set(re.findall(r"^  ([A-Z_]+):", (TEMPLATES / "secret.yaml").read_text(), re.M))
    keys = {
        "SMS_ALIYUN_ACCESS_KEY_ID",
        "SMS_ALIYUN_ACCESS_KEY_SECRET",
        "SMS_TENCENT_SECRET_ID",
        "SMS_TENCENT_SECRET_KEY",
        "SMS_REPLY_SECRET",
    }

    assert keys <= secret
    assert not keys & config
    assert {
        "SMS_BACKEND",
        "SMS_TENCENT_SDK_APP_ID",
        "SMS_TENCENT_SIGN_NAME",
        "SMS_TENCENT_REGION",
        "SMS_TENCENT_ENDPOINT",
    } <= config
    # The operator's Secret may hold each of them instead; values.yaml says so.
    existing_secret_doc = (CHART / "values.yaml").read_text().split("existingSecret:", 1)[0]
    for key in keys:
        assert key in existing_secret_doc, key


def test_production_values_without_any_database_source_are_rejected():
    wrong = production_values()
    wrong["secrets"]["existingSecret"] = ""
    wrong["externalDatabase"]["existingSecret"] = ""

    assert list(validator().iter_errors(wrong))


def test_every_values_path_a_template_reads_exists_in_values_yaml():
    chart_values = values()
    missing = set()
    for path in [*TEMPLATES.rglob("*.yaml"), TEMPLATES / "_helpers.tpl", TEMPLATES / "NOTES.txt"]:
        for match in VALUES_PATH.finditer(path.read_text()):
            try:
                lookup(chart_values, match.group(1))
            except KeyError:
                missing.add(f"{path.name}: .Values{match.group(1)}")
    assert missing == set()


def test_schema_describes_every_top_level_value():
    assert set(values()) <= set(schema()["properties"])


# --- labels ------------------------------------------------------------------------------------


def test_helpers_define_the_standard_labels():
    helpers = (TEMPLATES / "_helpers.tpl").read_text()
    for label in (
        "helm.sh/chart",
        "app.kubernetes.io/name",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/version",
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/component",
    ):
        assert f"{label}:" in helpers, label


@pytest.mark.parametrize("path", yaml_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_template_labels_its_resource_with_one_component(path):
    text = path.read_text()
    calls = LABELS_CALL.findall(text)
    components = {component for _helper, component in calls}

    assert len(components) == 1, f"{path.name}: components {components}"
    metadata = text.split("metadata:", 1)[1].split("spec:", 1)[0]
    assert re.search(r'labels:\n\s+\{\{- include "complaint-desk\.labels"', metadata), path.name
    if "selector:" in text:
        assert "selectorLabels" in text.split("selector:", 1)[1], path.name


# --- Procfile, image and chart name the same processes ------------------------------------------


def test_the_image_runs_every_procfile_process_with_the_same_command_line():
    processes = procfile()
    commands = entrypoint_commands()

    assert set(commands) - EXTRA_ENTRYPOINT_COMMANDS == set(processes)
    for name, command in processes.items():
        assert commands[name] == command, name
    assert commands["migrate"].startswith("python manage.py migrate_tenants")
    assert commands["manage"] == "python manage.py"
    assert (ROOT / "tenants" / "management" / "commands" / "migrate_tenants.py").exists()
    assert ENTRYPOINT.stat().st_mode & 0o111, "the entry point must be executable"


def test_the_drift_check_notices_a_new_or_changed_procfile_process(tmp_path):
    original = (ROOT / "Procfile").read_text()
    added = tmp_path / "Procfile.added"
    added.write_text(original + "mailer: python manage.py run_mailer\n")
    changed = tmp_path / "Procfile.changed"
    changed.write_text(original.replace("run_relay", "run_relay --poll 5"))
    image = entrypoint_commands()

    assert set(image) - EXTRA_ENTRYPOINT_COMMANDS != set(procfile(added))
    assert image["relay"] != procfile(changed)["relay"]


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


def test_the_chart_runs_every_procfile_process_as_its_own_component():
    deployments = {
        path.name.removesuffix("-deployment.yaml"): path for path in TEMPLATES.glob("*-deployment.yaml")
    }
    chart_values = values()

    assert set(deployments) == set(procfile())
    for name, path in deployments.items():
        document = rendered(path)
        assert document["kind"] == "Deployment"
        assert document["spec"]["template"]["spec"]["containers"][0]["args"] == [name]
        assert {c for _h, c in LABELS_CALL.findall(path.read_text())} == {name}
        assert isinstance(chart_values[name]["replicaCount"], int)
        assert "resources" in chart_values[name]


def test_celery_beat_is_not_used_so_the_chart_has_none():
    assert not any("beat" in command for command in procfile().values())
    assert not list(TEMPLATES.glob("*beat*"))


def test_migration_job_is_a_hook_that_runs_after_what_it_needs():
    job = (TEMPLATES / "migrate-job.yaml").read_text()
    assert rendered(TEMPLATES / "migrate-job.yaml")["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "migrate"
    ]
    assert "helm.sh/hook: pre-install,pre-upgrade" in job
    job_weight = int(re.search(r'helm.sh/hook-weight: "(-?\d+)"', job).group(1))
    for name in ("serviceaccount.yaml", "configmap.yaml", "secret.yaml"):
        document = rendered(TEMPLATES / name)
        annotations = document["metadata"]["annotations"]
        assert set(annotations["helm.sh/hook"].split(",")) >= {"pre-install", "pre-upgrade"}, name
        assert int(annotations["helm.sh/hook-weight"]) < job_weight, name


def test_ingress_serves_the_base_domain_and_every_tenant_subdomain_over_tls():
    ingress = (TEMPLATES / "ingress.yaml").read_text()
    helpers = (TEMPLATES / "_helpers.tpl").read_text()

    assert 'printf "*.%s" .Values.baseDomain' in helpers
    assert "tls:" in ingress
    assert "proxy-read-timeout" in json.dumps(values()["ingress"]["annotations"])


def test_every_configured_variable_is_read_by_the_product():
    """A ConfigMap or Secret key that no setting reads would be configuration that does nothing."""
    read = "\n".join(path.read_text() for path in (ROOT / "config" / "settings").glob("*.py"))
    read += (ROOT / "Procfile").read_text() + ENTRYPOINT.read_text()
    in_cluster_servers = {"POSTGRES_PASSWORD", "REDIS_PASSWORD"}
    keys = set(rendered(TEMPLATES / "configmap.yaml")["data"])
    keys |= set(re.findall(r"^  ([A-Z_]+):", (TEMPLATES / "secret.yaml").read_text(), re.M))

    for key in sorted(keys - in_cluster_servers - {"DJANGO_SETTINGS_MODULE"}):
        assert f'"{key}"' in read or f"${{{key}" in read, key


def test_pods_run_as_non_root_with_a_read_only_root_filesystem():
    chart_values = values()
    assert chart_values["podSecurityContext"]["runAsNonRoot"] is True
    assert chart_values["securityContext"]["readOnlyRootFilesystem"] is True
    assert chart_values["securityContext"]["allowPrivilegeEscalation"] is False
    assert chart_values["securityContext"]["capabilities"]["drop"] == ["ALL"]
    for name in procfile():
        text = (TEMPLATES / f"{name}-deployment.yaml").read_text()
        assert "toYaml .Values.securityContext" in text
        assert "toYaml .Values.podSecurityContext" in text


def test_docs_say_where_deployment_lives():
    readme = (ROOT / "README.md").read_text()
    assert "## Deploy" in readme
    assert "docs/deploy.md" in readme.split("## Deploy", 1)[1]
    assert "helm/" in (ROOT / "docs" / "architecture.md").read_text()
    for topic in ("helm install", "helm upgrade", "session", "Citus", "pg_dump"):
        assert topic in (ROOT / "docs" / "deploy.md").read_text(), topic


def test_whole_numbers_reach_environment_variables_as_integers():
    """Helm reads values.yaml numbers as floats: quoted without ``int``, 31536000 renders as
    "3.1536e+07", which the settings cannot parse."""
    chart_values = values()
    unconverted = []
    for path in yaml_templates():
        for match in re.finditer(r"\.Values((?:\.\w+)+) \| quote", path.read_text()):
            value = lookup(chart_values, match.group(1))
            if isinstance(value, int) and not isinstance(value, bool):
                unconverted.append(f"{path.name}: .Values{match.group(1)}")
    assert unconverted == []
