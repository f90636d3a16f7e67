"""The chart as helm sees it: lint, render, and the values sets that docs/deploy.md documents."""

from __future__ import annotations

import copy
import re
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm"
RELEASE = "desk"
_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")  # $(NAME) in an env value
NAMESPACE = "complaint-desk"


def chart_metadata(chart: Path = CHART) -> dict[str, Any]:
    return yaml.safe_load((chart / "Chart.yaml").read_text())


def kubernetes_versions(chart: Path = CHART) -> list[str]:
    """The oldest Kubernetes the chart declares (``kubeVersion: >=X.Y``) and the newest that
    kubernetes-validate knows: the objects must be valid at both ends of the range."""
    import kubernetes_validate

    declared = re.fullmatch(
        r">=\s*(\d+)\.(\d+)(?:\.\d+)?(?:-0)?", chart_metadata(chart)["kubeVersion"].strip()
    )
    assert declared, "kubeVersion must read >=X.Y.Z-0"
    oldest = f"{declared.group(1)}.{declared.group(2)}.0"
    return [oldest, kubernetes_validate.latest_version()]


def merged(base: dict[str, Any], *overrides: dict[str, Any]) -> dict[str, Any]:
    """Values merged as helm merges several -f files: maps key by key, everything else replaced."""
    result = copy.deepcopy(base)
    for override in overrides:
        for key, value in override.items():
            if isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key] = merged(result[key], value)
            else:
                result[key] = copy.deepcopy(value)
    return result


def _yaml_blocks(markdown: str) -> list[str]:
    return [textwrap.dedent(block) for block in re.findall(r"^ *```yaml\n(.*?)^ *```", markdown, re.S | re.M)]


def documented_values() -> dict[str, dict[str, Any]]:
    """The values files docs/deploy.md shows: production.yaml and its Tencent Cloud variant."""
    blocks = [yaml.safe_load(block) for block in _yaml_blocks((ROOT / "docs" / "deploy.md").read_text())]
    (production,) = [block for block in blocks if "image" in block and "baseDomain" in block]
    (tencent,) = [
        block
        for block in blocks
        if block.get("config", {}).get("sms", {}).get("backend") == "notifications.sms.TencentSmsBackend"
    ]
    return {"production": production, "tencent": merged(production, tencent)}


@dataclass
class Rendered:
    objects: list[dict[str, Any]]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def one(self, kind: str, component: str | None = None) -> dict[str, Any]:
        found = [
            o
            for o in self.of_kind(kind)
            if component is None or o["metadata"]["labels"].get("app.kubernetes.io/component") == component
        ]
        assert len(found) == 1, f"{len(found)} {kind} objects of component {component}"
        return found[0]

    def deployments(self) -> dict[str, dict[str, Any]]:
        """Each Deployment by its component: the process it runs."""
        return {d["metadata"]["labels"]["app.kubernetes.io/component"]: d for d in self.of_kind("Deployment")}

    def environment(self, workload: dict[str, Any], secrets: dict[str, dict[str, str]] | None = None) -> dict:
        """The environment a pod of ``workload`` gets, as the kubelet builds it: each envFrom
        source in order (later ones win), then env, whose values may name a variable defined
        before them as ``$(NAME)``. Secrets the chart does not make (the operator's) come from
        ``secrets``; the pod's name is ``<workload>-pod``, another field reference a stand-in."""
        maps = {o["metadata"]["name"]: o.get("data") or {} for o in self.of_kind("ConfigMap")}
        own = {o["metadata"]["name"]: o.get("stringData") or {} for o in self.of_kind("Secret")}
        given = {**(secrets or {}), **own}
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        env: dict[str, str] = {}
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                env.update(maps[source["configMapRef"]["name"]])
            else:
                env.update(given.get(source["secretRef"]["name"], {}))
        for variable in container.get("env", []):
            source = variable.get("valueFrom", {})
            if "value" in variable:
                env[variable["name"]] = _REFERENCE.sub(
                    lambda found: env.get(found.group(1), found.group(0)), variable["value"]
                )
            elif "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                env[variable["name"]] = given[ref["name"]][ref["key"]]
            elif source.get("fieldRef", {}).get("fieldPath") == "metadata.name":
                env[variable["name"]] = f"{workload['metadata']['name']}-pod"
            else:
                env[variable["name"]] = f"<{variable['name'].lower()}>"
        return env


class Helm:
    """The pinned helm binary, run on a chart (the project's, or a copy a test broke)."""

    def __init__(self, binary: Path, chart: Path = CHART) -> None:
        self.binary = binary
        self.chart = chart

    def run(self, *args: str, values: dict[str, Any] | None = None) -> subprocess.CompletedProcess[str]:
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as file:
            yaml.safe_dump(values or {}, file, allow_unicode=True)
            file.flush()
            return subprocess.run(
                [str(self.binary), *args, "--values", file.name], capture_output=True, text=True
            )

    def lint(self, values: dict[str, Any] | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("lint", "--strict", str(self.chart), "--namespace", NAMESPACE, values=values)

    def template(
        self, values: dict[str, Any] | None = None, kube_version: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        args = ["template", RELEASE, str(self.chart), "--namespace", NAMESPACE]
        if kube_version:
            args += ["--kube-version", kube_version]
        return self.run(*args, values=values)

    def render(self, values: dict[str, Any] | None = None, kube_version: str | None = None) -> Rendered:
        """Every object helm would apply, hooks included."""
        done = self.template(values, kube_version)
        assert done.returncode == 0, done.stderr
        return Rendered(objects=[o for o in yaml.safe_load_all(done.stdout) if o])


# --- the values sets ------------------------------------------------------------------------

DOCUMENTED = documented_values()
PRODUCTION = DOCUMENTED["production"]
# What the operator's Secrets named in the production example hold (docs/deploy.md, Install).
OPERATOR_SECRETS = {
    "desk-secrets": {
        "SECRET_KEY": "k" * 50,
        "SMS_REPLY_SECRET": "r" * 50,
        "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI",
        "SMS_ALIYUN_ACCESS_KEY_SECRET": "x",
        "MEDIA_S3_ACCESS_KEY": "LTAImedia",
        "MEDIA_S3_SECRET_KEY": "m",
    },
    "desk-database": {"DATABASE_URL": "postgresql://complaint_desk:pw@pgbouncer.db:6432/complaint_desk"},
    "desk-redis": {"REDIS_URL": "rediss://:pw@redis.example.internal:6380/0"},
}
KEYS_IN_VALUES = {
    "existingSecret": "",
    "secretKey": "s" * 50,
    "secretKeyFallbacks": "o" * 50,
    "smsReplySecret": "r" * 40,
    "emailUrl": "smtp+tls://desk%40example.cn:pw@smtp.example.cn:587",
}

# Every values set docs/deploy.md and helm/values.yaml describe.
VALUE_SETS: dict[str, dict[str, Any]] = {
    "defaults: in-cluster PostgreSQL and Redis": {},
    "production example": PRODUCTION,
    "production, Tencent Cloud SMS example": DOCUMENTED["tencent"],
    "production, console SMS": merged(
        PRODUCTION, {"config": {"sms": {"backend": "notifications.sms.ConsoleSmsBackend"}}}
    ),
    "production, Alibaba Cloud SMS keys in values": merged(
        PRODUCTION,
        {
            "secrets": {
                **KEYS_IN_VALUES,
                "smsAliyunAccessKeyId": "LTAIexample",
                "smsAliyunAccessKeySecret": "x",
            }
        },
    ),
    "production, Tencent Cloud SMS keys in values": merged(
        DOCUMENTED["tencent"],
        {
            "config": {"sms": {"tencentRegion": "ap-beijing"}},
            "secrets": {**KEYS_IN_VALUES, "smsTencentSecretId": "AKIDexample", "smsTencentSecretKey": "x"},
        },
    ),
    "production, database and Redis by URL": merged(
        PRODUCTION,
        {
            "externalDatabase": {"existingSecret": "", "url": "postgresql://desk:pw@db.internal:5432/desk"},
            "externalRedis": {"existingSecret": "", "url": "rediss://:pw@redis.internal:6380/0"},
        },
    ),
    "ingress with TLS and a manufacturer's own domain": merged(
        PRODUCTION, {"extraHosts": ["service.huaqi-auto.cn"], "ingress": {"tls": {"secretName": "desk-tls"}}}
    ),
    "ingress without TLS": merged(PRODUCTION, {"ingress": {"tls": {"enabled": False}}}),
    "no ingress, ServiceAccount or PDB": merged(
        PRODUCTION,
        {
            "ingress": {"enabled": False},
            "serviceAccount": {"create": False},
            "web": {"podDisruptionBudget": {"enabled": False}},
            "beat": {"podDisruptionBudget": {"enabled": False}},
        },
    ),
    "autoscaling off": merged(PRODUCTION, {"web": {"autoscaling": {"enabled": False}, "replicaCount": 3}}),
    "autoscaling on CPU and memory": merged(
        PRODUCTION,
        {
            "web": {
                "autoscaling": {"minReplicas": 3, "maxReplicas": 12, "targetMemoryUtilizationPercentage": 80},
                "podDisruptionBudget": {"maxUnavailable": 1},
            }
        },
    ),
    "classic channel layer, live settings, API limits, own broker": merged(
        PRODUCTION,
        {
            "config": {
                "live": {
                    "channelLayerBackend": "channels_redis.core.RedisChannelLayer",
                    "sweepSeconds": 2.5,
                    "channelCapacity": 50000,
                    "redisMaxConnections": 400,
                },
                "api": {"rateRead": "3000/min", "rateWrite": "100/s", "maxBodyBytes": 131072},
            },
            "secrets": {"celeryBrokerUrl": "rediss://:pw@queues.internal:6380/1"},
        },
    ),
    "web pool, outbound and database settings": merged(
        PRODUCTION,
        {
            "web": {"dbPool": {"maxSize": 20, "minSize": 4, "timeout": 5, "maxLifetime": 600}},
            "config": {
                "connMaxAge": 300,
                "databaseApplicationName": "complaint-desk",
                "outbound": {"sweepSeconds": 30, "leaseSeconds": 120},
            },
        },
    ),
    "no web pool, behind a session-mode pooler": merged(PRODUCTION, {"web": {"dbPool": {"maxSize": 0}}}),
    "files in a MinIO bucket, its keys in values, task and job limits": merged(
        PRODUCTION,
        {
            "media": {
                "s3": {
                    "bucket": "desk-files",
                    "endpointUrl": "http://minio.storage.svc:9000",
                    "region": "us-east-1",
                    "prefix": "complaint-desk/prod",
                }
            },
            "secrets": {**KEYS_IN_VALUES, "mediaS3AccessKey": "minio-desk", "mediaS3SecretKey": "m" * 40},
            "worker": {"taskTimeLimitSeconds": 300, "jobTimeLimitSeconds": 3500},
            "config": {"emailTimeout": 20, "sms": {"backend": "notifications.sms.ConsoleSmsBackend"}},
            "migrations": {"schemasPerConnection": 200},
        },
    ),
    "files on a ReadWriteMany volume": merged(
        PRODUCTION,
        {
            "media": {
                "s3": {"bucket": "", "endpointUrl": "", "region": "", "prefix": ""},
                "persistence": {"storageClass": "nas-rwx", "accessModes": ["ReadWriteMany"], "size": "50Gi"},
            }
        },
    ),
    "files on a volume claim of the operator's": merged(
        PRODUCTION,
        {
            "media": {
                "s3": {"bucket": ""},
                "persistence": {"existingClaim": "desk-files", "accessModes": ["ReadWriteMany"]},
            }
        },
    ),
    "heartbeat probes off": merged(
        PRODUCTION,
        {
            process: {"livenessProbe": {"enabled": False}, "startupProbe": {"enabled": False}}
            for process in ("worker", "scheduler", "relay")
        },
    ),
    "heartbeat probes tuned, more workers": merged(
        PRODUCTION,
        {
            "worker": {
                "replicaCount": 4,
                "concurrency": 8,
                "livenessProbe": {"allowanceSeconds": 120, "periodSeconds": 30, "failureThreshold": 4},
                "startupProbe": {"enabled": False},
            },
            "scheduler": {"livenessProbe": {"allowanceSeconds": 300}},
            "relay": {"startupProbe": {"periodSeconds": 10, "failureThreshold": 60}},
        },
    ),
}
