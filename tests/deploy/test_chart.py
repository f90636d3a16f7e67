"""The chart through the real helm: linted, rendered for every documented values set, every
object validated against the Kubernetes versions the chart declares, wrong values refused by
helm with the schema's message, and what an operator sets reaching the product's settings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from typing import Any

import kubernetes_validate
import pytest
import yaml

from .chart import (
    CHART,
    OPERATOR_SECRETS,
    RELEASE,
    ROOT,
    VALUE_SETS,
    Helm,
    Rendered,
    kubernetes_versions,
)

pytestmark = pytest.mark.deploy

FULLNAME = f"{RELEASE}-complaint-desk"


@pytest.fixture(scope="module")
def rendered(helm: Helm) -> dict[str, Rendered]:
    return {name: helm.render(values) for name, values in VALUE_SETS.items()}


# --- helm lint and Kubernetes' schemas --------------------------------------------------------


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_helm_lint_strict_passes(helm, values):
    done = helm.lint(values)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in done.stdout


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_every_rendered_object_is_valid_for_the_kubernetes_versions_the_chart_declares(helm, values):
    for version in kubernetes_versions():
        objects = helm.render(values, kube_version=version).objects
        assert len(objects) >= 10
        for document in objects:
            kind, name = document["kind"], document["metadata"]["name"]
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{kind} {name} is not valid Kubernetes {version}: {error.message}")


def test_the_declared_kubernetes_range_starts_where_the_schemas_do():
    oldest, newest = kubernetes_versions()

    assert oldest == "1.25.0"
    assert tuple(map(int, newest.split("."))) > (1, 25)


def test_defaults_render_the_twenty_objects_of_an_evaluation_install(rendered):
    kinds = sorted(o["kind"] for o in rendered["defaults: in-cluster PostgreSQL and Redis"].objects)

    assert kinds == sorted(
        ["ConfigMap", "Secret", "ServiceAccount", "Job", "Ingress", "HorizontalPodAutoscaler", "Pod"]
        + ["PersistentVolumeClaim"]
        + ["PodDisruptionBudget"] * 2
        + ["Deployment"] * 5
        + ["Service"] * 3
        + ["StatefulSet"] * 2
    )


# --- what each values set changes ------------------------------------------------------------


def test_every_object_carries_the_standard_labels_with_one_component(rendered):
    for name, result in rendered.items():
        for document in result.objects:
            labels = document["metadata"]["labels"]
            where = f"{name}: {document['kind']} {document['metadata']['name']}"
            assert labels["app.kubernetes.io/name"] == "complaint-desk", where
            assert labels["app.kubernetes.io/instance"] == RELEASE, where
            assert labels["app.kubernetes.io/managed-by"] == "Helm", where
            assert labels["helm.sh/chart"].startswith("complaint-desk-"), where
            assert labels["app.kubernetes.io/component"], where
            selector = document.get("spec", {}).get("selector", {})
            selector = selector.get("matchLabels", selector) if isinstance(selector, dict) else {}
            if selector:
                assert selector["app.kubernetes.io/component"] == labels["app.kubernetes.io/component"], where
                if "template" in document["spec"]:
                    pod_labels = document["spec"]["template"]["metadata"]["labels"]
                    assert selector.items() <= pod_labels.items(), where


def test_autoscaling_on_leaves_the_replicas_to_the_autoscaler(rendered):
    result = rendered["autoscaling on CPU and memory"]
    autoscaler = result.one("HorizontalPodAutoscaler")

    assert autoscaler["spec"]["scaleTargetRef"]["name"] == f"{FULLNAME}-web"
    assert (autoscaler["spec"]["minReplicas"], autoscaler["spec"]["maxReplicas"]) == (3, 12)
    assert {m["resource"]["name"] for m in autoscaler["spec"]["metrics"]} == {"cpu", "memory"}
    assert "replicas" not in result.deployments()["web"]["spec"]
    assert result.one("PodDisruptionBudget", "web")["spec"] == {
        "maxUnavailable": 1,
        "selector": result.deployments()["web"]["spec"]["selector"],
    }


def test_autoscaling_off_runs_the_replicas_asked_for(rendered):
    result = rendered["autoscaling off"]

    assert result.of_kind("HorizontalPodAutoscaler") == []
    assert result.deployments()["web"]["spec"]["replicas"] == 3


def test_ingress_routes_the_base_domain_every_tenant_and_own_domains_over_tls(rendered):
    ingress = rendered["ingress with TLS and a manufacturer's own domain"].one("Ingress")
    hosts = ["desk.example.cn", "*.desk.example.cn", "service.huaqi-auto.cn"]

    assert ingress["spec"]["tls"] == [{"secretName": "desk-tls", "hosts": hosts}]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == hosts
    for rule in ingress["spec"]["rules"]:
        (path,) = rule["http"]["paths"]
        assert path["backend"]["service"] == {"name": f"{FULLNAME}-web", "port": {"name": "http"}}
    # WebSocket connections stay open through ingress-nginx.
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"
    allowed = rendered["ingress with TLS and a manufacturer's own domain"].one("ConfigMap")["data"][
        "ALLOWED_HOSTS"
    ]
    assert allowed.split(",") == ["desk.example.cn", ".desk.example.cn", "service.huaqi-auto.cn"]


def test_ingress_without_tls_or_none_at_all(rendered):
    assert "tls" not in rendered["ingress without TLS"].one("Ingress")["spec"]
    bare = rendered["no ingress, ServiceAccount or PDB"]
    assert (
        bare.of_kind("Ingress") == bare.of_kind("ServiceAccount") == bare.of_kind("PodDisruptionBudget") == []
    )
    assert bare.deployments()["web"]["spec"]["template"]["spec"]["serviceAccountName"] == "default"


def test_in_cluster_postgresql_and_redis_are_part_of_the_evaluation_install(rendered):
    result = rendered["defaults: in-cluster PostgreSQL and Redis"]
    secret = result.one("Secret")["stringData"]
    job = result.one("Job", "migrate")

    assert {s["metadata"]["name"] for s in result.of_kind("StatefulSet")} == {
        f"{FULLNAME}-postgresql",
        f"{FULLNAME}-redis",
    }
    assert secret["DATABASE_URL"].startswith("postgresql://complaint_desk:")
    assert secret["DATABASE_URL"].endswith(f"@{FULLNAME}-postgresql:5432/complaint_desk")
    assert secret["REDIS_URL"].endswith(f"@{FULLNAME}-redis:6379/0")
    assert len(secret["SECRET_KEY"]) == 64
    assert len(secret["SMS_REPLY_SECRET"]) == 64  # required in production, generated and kept
    # The database is part of the release, so the first migration runs after it is installed.
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"


def test_production_uses_the_operators_database_and_redis_and_migrates_first(rendered):
    result = rendered["production example"]
    web = result.deployments()["web"]
    env = result.environment(web, OPERATOR_SECRETS)

    assert result.of_kind("StatefulSet") == []
    assert "DATABASE_URL" not in (result.one("Secret").get("stringData") or {})
    assert env["DATABASE_URL"] == OPERATOR_SECRETS["desk-database"]["DATABASE_URL"]
    assert env["REDIS_URL"] == OPERATOR_SECRETS["desk-redis"]["REDIS_URL"]
    assert env["SECRET_KEY"] == OPERATOR_SECRETS["desk-secrets"]["SECRET_KEY"]
    assert (
        result.one("Job", "migrate")["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    )
    weights = {
        o["kind"]: int(o["metadata"]["annotations"]["helm.sh/hook-weight"])
        for o in result.objects
        if "helm.sh/hook-weight" in o["metadata"].get("annotations", {})
    }
    assert weights["ServiceAccount"] < weights["ConfigMap"] == weights["Secret"] < weights["Job"]


SMS_SETS = {
    "production, console SMS": ("notifications.sms.ConsoleSmsBackend", set()),
    "production example": ("notifications.sms.AliyunSmsBackend", {"SMS_ALIYUN_SIGN_NAME"}),
    "production, Alibaba Cloud SMS keys in values": (
        "notifications.sms.AliyunSmsBackend",
        {"SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_REPLY_SECRET"},
    ),
    "production, Tencent Cloud SMS example": (
        "notifications.sms.TencentSmsBackend",
        {"SMS_TENCENT_SDK_APP_ID", "SMS_TENCENT_SIGN_NAME"},
    ),
    "production, Tencent Cloud SMS keys in values": (
        "notifications.sms.TencentSmsBackend",
        {"SMS_TENCENT_SECRET_ID", "SMS_TENCENT_SECRET_KEY", "SMS_REPLY_SECRET"},
    ),
}
SMS_SECRET_KEYS = {
    "SMS_ALIYUN_ACCESS_KEY_ID",
    "SMS_ALIYUN_ACCESS_KEY_SECRET",
    "SMS_TENCENT_SECRET_ID",
    "SMS_TENCENT_SECRET_KEY",
    "SMS_REPLY_SECRET",
}


@pytest.mark.parametrize(("name", "expected"), SMS_SETS.items(), ids=SMS_SETS.keys())
def test_each_sms_provider_gets_its_settings_and_its_keys_stay_secret(rendered, name, expected):
    backend, filled = expected
    result = rendered[name]
    config = result.one("ConfigMap")["data"]
    secret = result.one("Secret").get("stringData") or {}

    assert config["SMS_BACKEND"] == backend
    for key in filled:
        assert (config | secret)[key], key
    assert not SMS_SECRET_KEYS & set(config)
    # SMS_REPLY_SECRET is required: generated when neither the values nor a Secret of the
    # operator's give it.
    generated = set() if VALUE_SETS[name].get("secrets", {}).get("existingSecret") else {"SMS_REPLY_SECRET"}
    assert set(secret) & SMS_SECRET_KEYS == (filled | generated) & SMS_SECRET_KEYS
    if backend.endswith("TencentSmsBackend"):
        assert config["SMS_TENCENT_SDK_APP_ID"] == "1400000000"


def test_workloads_have_probes_security_scratch_space_and_their_process(rendered):
    result = rendered["production example"]
    workloads = [*result.deployments().values(), result.one("Job", "migrate")]

    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        component = workload["metadata"]["labels"]["app.kubernetes.io/component"]
        assert container["args"] == [component]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == 10001
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]  # noqa: S108 (the pod's)
        assert pod["automountServiceAccountToken"] is False
        assert container["resources"]["requests"]
    web = result.deployments()["web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert web["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert web["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    job_env = result.environment(result.one("Job", "migrate"), OPERATOR_SECRETS)
    assert job_env["DATABASE_WAIT_SECONDS"] == "120"


def containers(result: Rendered) -> dict[str, dict[str, Any]]:
    return {name: d["spec"]["template"]["spec"]["containers"][0] for name, d in result.deployments().items()}


def test_the_relay_scheduler_and_worker_are_restarted_when_their_heartbeat_stops(rendered):
    production = containers(rendered["production example"])

    for process in ("relay", "scheduler", "worker"):
        container = production[process]
        check = ["/app/docker/entrypoint.sh", "alive", process, "60"]
        assert container["livenessProbe"] == {
            "exec": {"command": check},
            "periodSeconds": 20,
            "timeoutSeconds": 5,
            "failureThreshold": 3,
        }, process
        # Three minutes for the first heartbeat; not Ready (nor checked for liveness) before it.
        startup = container["startupProbe"]
        assert startup["exec"]["command"] == check, process
        assert startup["periodSeconds"] * startup["failureThreshold"] == 180, process
        assert "readinessProbe" not in container, process
    # Beat has no heartbeat; nothing routes requests to it.
    assert not {"livenessProbe", "readinessProbe", "startupProbe"} & set(production["beat"])

    tuned = containers(rendered["heartbeat probes tuned, more workers"])
    assert tuned["worker"]["livenessProbe"]["exec"]["command"][-1] == "120"
    assert (
        tuned["worker"]["livenessProbe"]["periodSeconds"],
        tuned["worker"]["livenessProbe"]["failureThreshold"],
    ) == (30, 4)
    assert "startupProbe" not in tuned["worker"]
    assert tuned["scheduler"]["livenessProbe"]["exec"]["command"][-1] == "300"
    assert tuned["scheduler"]["startupProbe"]["exec"]["command"][-1] == "300"
    assert (
        tuned["relay"]["startupProbe"]["periodSeconds"] * tuned["relay"]["startupProbe"]["failureThreshold"]
        == 600
    )

    off = containers(rendered["heartbeat probes off"])
    for process in ("relay", "scheduler", "worker"):
        assert not {"livenessProbe", "readinessProbe", "startupProbe"} & set(off[process]), process
    assert off["web"]["livenessProbe"]["httpGet"]["path"] == "/healthz"  # the web's are its own


def test_beat_runs_once_recreated_with_its_schedule_in_scratch_space_and_a_budget_that_never_blocks(rendered):
    for name, result in rendered.items():
        beat = result.deployments()["beat"]
        assert beat["spec"]["replicas"] == 1, name
        assert beat["spec"]["strategy"] == {"type": "Recreate"}, name
        schedule = result.environment(beat, OPERATOR_SECRETS)["BEAT_SCHEDULE_FILE"]
        assert schedule.startswith("/tmp/"), name  # noqa: S108 (the pod's emptyDir)
    budget = rendered["production example"].one("PodDisruptionBudget", "beat")
    assert budget["spec"] == {
        "maxUnavailable": 1,
        "selector": rendered["production example"].deployments()["beat"]["spec"]["selector"],
    }
    assert rendered["no ingress, ServiceAccount or PDB"].of_kind("PodDisruptionBudget") == []


def test_only_the_web_tier_keeps_a_pool_of_database_connections(rendered):
    result = rendered["production example"]
    env = {name: result.environment(d, OPERATOR_SECRETS) for name, d in result.deployments().items()}

    assert (env["web"]["DB_POOL_MAX_SIZE"], env["web"]["DB_POOL_MIN_SIZE"]) == ("10", "1")
    for process in ("worker", "beat", "scheduler", "relay"):
        assert "DB_POOL_MAX_SIZE" not in env[process], process  # the worker forks: no shared pool
    assert "DB_POOL_MAX_SIZE" not in result.environment(result.one("Job", "migrate"), OPERATOR_SECRETS)
    # Each connection names its pod.
    for process, variables in env.items():
        assert variables["DB_APPLICATION_NAME"] == f"{FULLNAME}-{process}-pod", process


# --- files of exports and imports: shared by every web and worker pod -------------------------


def media_volumes(result: Rendered) -> dict[str, tuple[str, str] | None]:
    """Each workload's files volume: (claim, mount path), or None."""
    found: dict[str, tuple[str, str] | None] = {}
    workloads = {**result.deployments(), "migrate": result.one("Job", "migrate")}
    for name, workload in workloads.items():
        pod = workload["spec"]["template"]["spec"]
        claims = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in pod.get("volumes", [])
            if "persistentVolumeClaim" in v
        }
        mounts = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] in claims]
        assert len(mounts) <= 1, name
        found[name] = (claims[mounts[0]["name"]], mounts[0]["mountPath"]) if mounts else None
    return found


def pod_affinity_terms(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    affinity = deployment["spec"]["template"]["spec"].get("affinity", {})
    return affinity.get("podAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution", [])


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def test_files_in_a_bucket_reach_every_process_and_no_volume_is_made(rendered):
    result = rendered["files in a MinIO bucket, its keys in values, task and job limits"]
    env = {name: result.environment(d, OPERATOR_SECRETS) for name, d in result.deployments().items()}

    for process, variables in env.items():
        assert variables["MEDIA_S3_BUCKET"] == "desk-files", process
        assert variables["MEDIA_S3_ENDPOINT_URL"] == "http://minio.storage.svc:9000", process
        assert variables["MEDIA_S3_REGION"] == "us-east-1", process
        assert variables["MEDIA_S3_PREFIX"] == "complaint-desk/prod", process
        assert "MEDIA_ROOT" not in variables, process
    # The keys given as values are in the chart's Secret, never in the ConfigMap.
    assert not {"MEDIA_S3_ACCESS_KEY", "MEDIA_S3_SECRET_KEY"} & set(result.one("ConfigMap")["data"])
    assert result.one("Secret")["stringData"]["MEDIA_S3_SECRET_KEY"] == "m" * 40
    assert (env["worker"]["MEDIA_S3_ACCESS_KEY"], env["web"]["MEDIA_S3_SECRET_KEY"]) == (
        "minio-desk",
        "m" * 40,
    )
    assert result.of_kind("PersistentVolumeClaim") == []
    assert set(media_volumes(result).values()) == {None}
    for process, deployment in result.deployments().items():
        assert pod_affinity_terms(deployment) == [], process

    production = rendered["production example"]
    web = production.environment(production.deployments()["web"], OPERATOR_SECRETS)
    assert (web["MEDIA_S3_BUCKET"], web["MEDIA_S3_ENDPOINT_URL"]) == (
        "desk-example-files",
        "https://oss-cn-shanghai.aliyuncs.com",
    )
    assert (web["MEDIA_S3_ACCESS_KEY"], web["MEDIA_S3_SECRET_KEY"]) == ("LTAImedia", "m")  # desk-secrets
    assert "MEDIA_S3_ACCESS_KEY" not in (production.one("Secret")["stringData"] or {})


def test_files_on_a_volume_are_the_same_claim_in_every_web_and_worker_pod_and_nowhere_else(rendered):
    result = rendered["files on a ReadWriteMany volume"]
    (claim,) = result.of_kind("PersistentVolumeClaim")

    assert claim["metadata"]["name"] == f"{FULLNAME}-media"
    assert claim["spec"] == {
        "accessModes": ["ReadWriteMany"],
        "storageClassName": "nas-rwx",
        "resources": {"requests": {"storage": "50Gi"}},
    }
    mounted = media_volumes(result)
    assert mounted == {
        "web": (f"{FULLNAME}-media", "/data/media"),
        "worker": (f"{FULLNAME}-media", "/data/media"),
        "beat": None,
        "scheduler": None,
        "relay": None,
        "migrate": None,
    }
    for process, deployment in result.deployments().items():
        env = result.environment(deployment, OPERATOR_SECRETS)
        assert env["MEDIA_ROOT"] == "/data/media", process
        assert "MEDIA_S3_BUCKET" not in env, process
        # ReadWriteMany: the pods may run on any node; the operator's affinity is left as it is.
        assert pod_affinity_terms(deployment) == [], process

    own = rendered["files on a volume claim of the operator's"]
    assert own.of_kind("PersistentVolumeClaim") == []
    assert {name: volume for name, volume in media_volumes(own).items() if volume} == {
        "web": ("desk-files", "/data/media"),
        "worker": ("desk-files", "/data/media"),
    }


def test_a_read_write_once_volume_keeps_every_web_and_worker_pod_on_one_node(rendered):
    result = rendered["defaults: in-cluster PostgreSQL and Redis"]
    (claim,) = result.of_kind("PersistentVolumeClaim")
    deployments = result.deployments()

    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert "storageClassName" not in claim["spec"]  # the cluster's default
    assert (
        media_volumes(result)["web"]
        == media_volumes(result)["worker"]
        == (claim["metadata"]["name"], "/data/media")
    )
    pod_labels = {name: d["spec"]["template"]["metadata"]["labels"] for name, d in deployments.items()}
    for process in ("web", "worker"):
        (term,) = pod_affinity_terms(deployments[process])
        assert term["topologyKey"] == "kubernetes.io/hostname", process
        selected = {name for name, labels in pod_labels.items() if selects(term["labelSelector"], labels)}
        assert selected == {"web", "worker"}, process
    for process in ("beat", "scheduler", "relay"):
        assert pod_affinity_terms(deployments[process]) == [], process


def test_the_one_node_affinity_joins_the_operators_own(helm):
    own = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["jobs"]}]}
                ]
            }
        }
    }
    result = helm.render({"worker": {"affinity": own}, "web": {"affinity": {}}})

    worker = result.deployments()["worker"]["spec"]["template"]["spec"]["affinity"]
    assert worker["nodeAffinity"] == own["nodeAffinity"]
    assert len(worker["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]) == 1
    unshared = helm.render(
        {"worker": {"affinity": own}, "media": {"persistence": {"accessModes": ["ReadWriteMany"]}}}
    )
    assert unshared.deployments()["worker"]["spec"]["template"]["spec"]["affinity"] == own
    assert "affinity" not in unshared.deployments()["web"]["spec"]["template"]["spec"]


# --- wrong values: helm refuses them with the schema's message --------------------------------

SCHEMA_REFUSES = "values don't meet the specifications of the schema(s)"
WRONG_VALUES: dict[str, tuple[dict[str, Any], str]] = {
    "replica count as a string": ({"web": {"replicaCount": "3"}}, "- web.replicaCount: Invalid type"),
    "unknown top-level key": ({"replicas": 3}, "Additional property replicas is not allowed"),
    "unknown key in a process": ({"worker": {"replica": 2}}, "Additional property replica is not allowed"),
    "pull policy that does not exist": ({"image": {"pullPolicy": "Sometimes"}}, "- image.pullPolicy: "),
    "base domain with a scheme": ({"baseDomain": "https://desk.example.cn"}, "- baseDomain: Does not match"),
    "base domain as a wildcard": ({"baseDomain": "*.desk.example.cn"}, "- baseDomain: Does not match"),
    "secret key shorter than 32 characters": ({"secrets": {"secretKey": "short"}}, "- secrets.secretKey: "),
    "sign-in rate not in django-ratelimit syntax": (
        {"config": {"loginRatePerIp": "twenty"}},
        "- config.loginRatePerIp: Does not match",
    ),
    "no database at all": ({"postgresql": {"enabled": False}}, "- externalDatabase.url: String length"),
    "no Redis at all": ({"redis": {"enabled": False}}, "- externalRedis.url: String length"),
    "in-cluster and external database at once": (
        {"externalDatabase": {"url": "postgresql://a@b/c"}},
        "- externalDatabase.url: String length must be less than or equal to 0",
    ),
    "database URL and database Secret at once": (
        {
            "postgresql": {"enabled": False},
            "externalDatabase": {"url": "postgresql://a@b/c", "existingSecret": "db"},
        },
        "Must not validate the schema (not)",
    ),
    "unknown SMS backend": (
        {"config": {"sms": {"backend": "notifications.sms.Pigeon"}}},
        "- config.sms.backend: ",
    ),
    "SMS endpoint over plain http": (
        {"config": {"sms": {"tencentEndpoint": "http://sms.tencentcloudapi.com/"}}},
        "- config.sms.tencentEndpoint: Does not match",
    ),
    "Tencent Cloud region that is no region": (
        {"config": {"sms": {"tencentRegion": "Guangzhou"}}},
        "- config.sms.tencentRegion: Does not match",
    ),
    "Tencent Cloud SdkAppId as a number": (
        {"config": {"sms": {"tencentSdkAppId": 1400000000}}},
        "- config.sms.tencentSdkAppId: Invalid type",
    ),
    "Tencent Cloud backend without SdkAppId": (
        {
            "config": {
                "sms": {"backend": "notifications.sms.TencentSmsBackend", "tencentSignName": "华骐汽车"}
            },
            "secrets": {"existingSecret": "desk-secrets"},
        },
        "- config.sms.tencentSdkAppId: String length must be greater than or equal to 1",
    ),
    "Tencent Cloud backend without signature name": (
        {
            "config": {
                "sms": {"backend": "notifications.sms.TencentSmsBackend", "tencentSdkAppId": "1400000000"}
            },
            "secrets": {"existingSecret": "desk-secrets"},
        },
        "- config.sms.tencentSignName: String length must be greater than or equal to 1",
    ),
    "Tencent Cloud backend with half its keys": (
        {
            "config": {
                "sms": {
                    "backend": "notifications.sms.TencentSmsBackend",
                    "tencentSdkAppId": "1400000000",
                    "tencentSignName": "华骐汽车",
                }
            },
            "secrets": {"smsTencentSecretId": "AKIDexample"},
        },
        "- secrets.smsTencentSecretKey: String length must be greater than or equal to 1",
    ),
    "Alibaba Cloud backend without signature name": (
        {
            "config": {"sms": {"backend": "notifications.sms.AliyunSmsBackend"}},
            "secrets": {"existingSecret": "desk-secrets"},
        },
        "- config.sms.aliyunSignName: String length must be greater than or equal to 1",
    ),
    "Alibaba Cloud backend without its keys": (
        {"config": {"sms": {"backend": "notifications.sms.AliyunSmsBackend", "aliyunSignName": "华骐汽车"}}},
        "- secrets.smsAliyunAccessKeySecret: String length must be greater than or equal to 1",
    ),
    "SMS reply secret shorter than 32 characters": (
        {"secrets": {"smsReplySecret": "short"}},
        "- secrets.smsReplySecret: ",
    ),
    "unknown SMS setting": ({"config": {"sms": {"tencentAppKey": "x"}}}, "Additional property tencentAppKey"),
    "probe path that is no path": (
        {"web": {"readinessProbe": {"httpGet": {"path": "readyz"}}}},
        "- web.readinessProbe.httpGet.path: Does not match",
    ),
    "unknown channel layer": (
        {"config": {"live": {"channelLayerBackend": "channels.layers.InMemoryChannelLayer"}}},
        "- config.live.channelLayerBackend: ",
    ),
    "live sweep of zero seconds": (
        {"config": {"live": {"sweepSeconds": 0}}},
        "- config.live.sweepSeconds: Must be greater than 0",
    ),
    "channel capacity as a string": (
        {"config": {"live": {"channelCapacity": "20000"}}},
        "- config.live.channelCapacity: Invalid type",
    ),
    "API rate not in the throttle syntax": (
        {"config": {"api": {"rateWrite": "600 per minute"}}},
        "- config.api.rateWrite: Does not match",
    ),
    "a replica count for beat": (
        {"beat": {"replicaCount": 2}},
        "Additional property replicaCount is not allowed",
    ),
    "web pool size as a string": (
        {"web": {"dbPool": {"maxSize": "10"}}},
        "- web.dbPool.maxSize: Invalid type",
    ),
    "negative web pool size": (
        {"web": {"dbPool": {"maxSize": -1}}},
        "- web.dbPool.maxSize: Must be greater than or equal to 0",
    ),
    "unknown pool setting": (
        {"web": {"dbPool": {"maxIdle": 60}}},
        "Additional property maxIdle is not allowed",
    ),
    "database application name too long": (
        {"config": {"databaseApplicationName": "d" * 64}},
        "- config.databaseApplicationName: String length must be less than or equal to 63",
    ),
    "outbound lease in fractions of a second": (
        {"config": {"outbound": {"leaseSeconds": 90.5}}},
        "- config.outbound.leaseSeconds: Invalid type",
    ),
    "outbound sweep of zero seconds": (
        {"config": {"outbound": {"sweepSeconds": 0}}},
        "- config.outbound.sweepSeconds: Must be greater than or equal to 1",
    ),
    "heartbeat allowance within the worker's own beat": (
        {"worker": {"livenessProbe": {"allowanceSeconds": 10}}},
        "- worker.livenessProbe.allowanceSeconds: Must be greater than or equal to 20",
    ),
    "unknown heartbeat probe setting": (
        {"relay": {"livenessProbe": {"initialDelaySeconds": 30}}},
        "Additional property initialDelaySeconds is not allowed",
    ),
    "in-cluster PostgreSQL connections as a string": (
        {"postgresql": {"maxConnections": "200"}},
        "- postgresql.maxConnections: Invalid type",
    ),
    "job time limit past the broker's visibility timeout": (
        {"worker": {"jobTimeLimitSeconds": 3600}},
        "- worker.jobTimeLimitSeconds: Must be less than or equal to 3500",
    ),
    "task time limit as a string": (
        {"worker": {"taskTimeLimitSeconds": "120"}},
        "- worker.taskTimeLimitSeconds: Invalid type",
    ),
    "mail timeout of zero seconds": (
        {"config": {"emailTimeout": 0}},
        "- config.emailTimeout: Must be greater than or equal to 1",
    ),
    "no schemas per migration connection": (
        {"migrations": {"schemasPerConnection": 0}},
        "- migrations.schemasPerConnection: Must be greater than or equal to 1",
    ),
    "files' endpoint without a scheme": (
        {"media": {"s3": {"bucket": "desk-files", "endpointUrl": "oss-cn-shanghai.aliyuncs.com"}}},
        "- media.s3.endpointUrl: Does not match",
    ),
    "files' bucket name with capitals": (
        {"media": {"s3": {"bucket": "Desk_Files"}}},
        "- media.s3.bucket: Does not match",
    ),
    "files' prefix with a leading slash": (
        {"media": {"s3": {"bucket": "desk-files", "prefix": "/complaint-desk"}}},
        "- media.s3.prefix: Does not match",
    ),
    "files' volume one pod at a time": (
        {"media": {"persistence": {"accessModes": ["ReadWriteOncePod"]}}},
        "- media.persistence.accessModes.0: ",
    ),
    "files' volume without an access mode": (
        {"media": {"persistence": {"accessModes": []}}},
        "- media.persistence.accessModes: Array must have at least 1 items",
    ),
    "Celery broker that is no Redis": (
        {"secrets": {"celeryBrokerUrl": "amqp://guest@rabbit//"}},
        "- secrets.celeryBrokerUrl: Does not match",
    ),
}


@pytest.mark.parametrize(("changes", "message"), WRONG_VALUES.values(), ids=WRONG_VALUES.keys())
def test_helm_refuses_wrong_values_with_the_schemas_message(helm, changes, message):
    done = helm.template(changes)

    assert done.returncode != 0
    assert SCHEMA_REFUSES in done.stderr
    assert message in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"web": {"autoscaling": {"minReplicas": 5, "maxReplicas": 3}}},
            "web.autoscaling.minReplicas must not exceed web.autoscaling.maxReplicas",
        ),
        (
            {"web": {"autoscaling": {"targetCPUUtilizationPercentage": None}}},
            "web.autoscaling needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage",
        ),
        (
            {"web": {"dbPool": {"minSize": 12}}},
            "web.dbPool.minSize must not exceed web.dbPool.maxSize",
        ),
        (
            {"config": {"schedulerIdleSeconds": 30}},
            "scheduler.livenessProbe.allowanceSeconds must be more than twice config.schedulerIdleSeconds",
        ),
        (
            {"web": {"autoscaling": {"maxReplicas": 20}}},
            "the release's processes may open 278 database connections, more than "
            "postgresql.maxConnections (200, 3 of them kept for superusers) allows",
        ),
        (
            {"postgresql": {"maxConnections": 100}},
            "the release's processes may open 158 database connections, more than "
            "postgresql.maxConnections (100, 3 of them kept for superusers) allows",
        ),
        (
            {"media": {"persistence": {"enabled": False}}},
            "media: a worker writes the files of exports and imports and a web pod serves them, so "
            "web and worker pods must share them: set media.s3.bucket",
        ),
    ],
    ids=[
        "autoscaler minimum above maximum",
        "autoscaler without target",
        "pool minimum above maximum",
        "scheduler allowance within its sleep",
        "web pools beyond the in-cluster PostgreSQL",
        "the in-cluster PostgreSQL's default max_connections",
        "files neither in a bucket nor on a shared volume",
    ],
)
def test_helm_refuses_values_that_cannot_work(helm, changes, message):
    done = helm.template(changes)

    assert done.returncode != 0
    assert message in done.stderr


# --- the checks fail on a broken chart --------------------------------------------------------


@pytest.fixture
def broken_chart(tmp_path, helm_binary):
    copy = tmp_path / "helm"
    shutil.copytree(CHART, copy)
    return copy, Helm(helm_binary, copy)


def test_lint_fails_on_a_misindented_template(broken_chart):
    chart, helm = broken_chart
    service = chart / "templates" / "web-service.yaml"
    service.write_text(service.read_text().replace("  type: {{", " type: {{"))

    done = helm.lint()

    assert done.returncode != 0
    assert "web-service.yaml" in done.stdout + done.stderr


def test_lint_fails_on_a_value_the_schema_does_not_know(broken_chart):
    chart, helm = broken_chart
    values = chart / "values.yaml"
    values.write_text(values.read_text().replace("  live:\n", "  live:\n    reconnectSeconds: 5\n"))

    done = helm.lint()

    assert done.returncode != 0
    assert "Additional property reconnectSeconds is not allowed" in done.stdout + done.stderr


def test_an_object_kubernetes_would_refuse_fails_validation(broken_chart):
    chart, helm = broken_chart
    deployment = chart / "templates" / "worker-deployment.yaml"
    deployment.write_text(
        deployment.read_text().replace(
            "replicas: {{ .Values.worker.replicaCount }}", 'replicas: "{{ .Values.worker.replicaCount }}"'
        )
    )
    (worker,) = [o for o in helm.render().of_kind("Deployment") if o["metadata"]["name"].endswith("-worker")]

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(worker, kubernetes_versions()[0], strict=True)


# --- what the chart sets reaches the product's settings ---------------------------------------

SETTINGS_PROBE = """
import json
import django
django.setup()
from django.conf import settings as s
layer = s.CHANNEL_LAYERS["default"]
print(json.dumps({
    "channel_layer": layer["BACKEND"],
    "capacity": layer["CONFIG"]["capacity"],
    "max_connections": layer["CONFIG"]["hosts"][0]["max_connections"],
    "sweep": s.LIVE_SWEEP_SECONDS,
    "api": [s.API_RATE_READ, s.API_RATE_WRITE, s.API_MAX_BODY_BYTES],
    "broker": s.CELERY_BROKER_URL,
    "hsts": s.SECURE_HSTS_SECONDS,
    "session_age": s.SESSION_COOKIE_AGE,
    "conn_max_age": s.DATABASES["default"]["CONN_MAX_AGE"],
    "pool": s.DATABASES["default"].get("OPTIONS", {}).get("pool"),
    "application_name": s.DATABASES["default"]["OPTIONS"]["application_name"],
    "outbound": [s.OUTBOUND_LEASE_SECONDS, s.CELERY_BEAT_SCHEDULE["outbound-sweep"]["schedule"]],
    "heartbeats": s.HEARTBEAT_DIR,
    "allowed_hosts": s.ALLOWED_HOSTS,
    "sms_backend": s.SMS_BACKEND,
    "debug": s.DEBUG,
    "files": [s.STORAGES["default"], str(s.MEDIA_ROOT)],
    "limits": [s.CELERY_TASK_SOFT_TIME_LIMIT, s.CELERY_TASK_TIME_LIMIT, s.JOB_TIME_LIMIT_SECONDS],
    "email_timeout": s.EMAIL_TIMEOUT,
    "schemas_per_connection": s.TENANT_ROLLOUT_SCHEMAS_PER_CONNECTION,
}))
"""


def product_settings(env: dict[str, str]) -> dict[str, Any]:
    """The production settings the product loads from this environment."""
    done = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_settings_the_chart_sets_load_in_the_products_production_settings(rendered):
    result = rendered["classic channel layer, live settings, API limits, own broker"]
    web = result.deployments()["web"]
    env = result.environment(web, OPERATOR_SECRETS)

    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert product_settings(env) == {
        "channel_layer": "channels_redis.core.RedisChannelLayer",
        "capacity": 50000,
        "max_connections": 400,
        "sweep": 2.5,
        "api": ["3000/min", "100/s", 131072],
        "broker": "rediss://:pw@queues.internal:6380/1",
        "hsts": 31536000,
        "session_age": 43200,
        "conn_max_age": 0,  # the pool keeps the connections
        "pool": {"min_size": 1, "max_size": 10, "timeout": 10.0, "max_lifetime": 1800.0},
        "application_name": f"{FULLNAME}-web-pod",
        "outbound": [60, 10.0],
        "heartbeats": "/tmp/complaint-desk-heartbeats",  # noqa: S108 (the default: the web has none)
        "allowed_hosts": ["desk.example.cn", ".desk.example.cn"],
        "sms_backend": "notifications.sms.AliyunSmsBackend",
        "debug": False,
        "files": [
            {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "desk-example-files",
                    "endpoint_url": "https://oss-cn-shanghai.aliyuncs.com",
                    "region_name": "cn-shanghai",
                    "access_key": "LTAImedia",
                    "secret_key": "m",
                    "location": "complaint-desk",
                    "addressing_style": "virtual",
                    "default_acl": "private",
                    "querystring_auth": True,
                    "file_overwrite": False,
                },
            },
            str(ROOT / ".data" / "media"),  # the default, unused with a bucket
        ],
        "limits": [120, 150, 3000],
        "email_timeout": 10,
        "schemas_per_connection": 500,
    }
    worker_env = result.environment(result.deployments()["worker"], OPERATOR_SECRETS)
    worker = product_settings(worker_env)
    assert (worker["conn_max_age"], worker["pool"]) == (60, None)
    assert worker["heartbeats"] == worker_env["HEARTBEAT_DIR"]


def test_the_pool_outbound_and_database_values_reach_the_settings_of_each_process(rendered):
    result = rendered["web pool, outbound and database settings"]
    loaded = {
        process: product_settings(result.environment(deployment, OPERATOR_SECRETS))
        for process, deployment in result.deployments().items()
    }

    assert loaded["web"]["pool"] == {"min_size": 4, "max_size": 20, "timeout": 5.0, "max_lifetime": 600.0}
    assert loaded["web"]["conn_max_age"] == 0
    for process in ("worker", "beat", "scheduler", "relay"):
        assert (loaded[process]["pool"], loaded[process]["conn_max_age"]) == (None, 300), process
    for process, settings in loaded.items():
        assert settings["application_name"] == "complaint-desk", process
        assert settings["outbound"] == [120, 30.0], process

    unpooled = rendered["no web pool, behind a session-mode pooler"]
    web = product_settings(unpooled.environment(unpooled.deployments()["web"], OPERATOR_SECRETS))
    assert (web["pool"], web["conn_max_age"]) == (None, 0)  # web.connMaxAge: a connection per request


def test_the_files_limits_and_timeouts_reach_the_settings_of_the_processes_that_use_them(rendered):
    bucket = rendered["files in a MinIO bucket, its keys in values, task and job limits"]
    worker = product_settings(bucket.environment(bucket.deployments()["worker"], OPERATOR_SECRETS))
    web = product_settings(bucket.environment(bucket.deployments()["web"], OPERATOR_SECRETS))
    migrate = product_settings(bucket.environment(bucket.one("Job", "migrate"), OPERATOR_SECRETS))

    assert worker["files"][0]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert web["files"][0] == worker["files"][0]
    assert {k: worker["files"][0]["OPTIONS"][k] for k in ("bucket_name", "endpoint_url", "region_name")} == {
        "bucket_name": "desk-files",
        "endpoint_url": "http://minio.storage.svc:9000",
        "region_name": "us-east-1",
    }
    assert (worker["files"][0]["OPTIONS"]["location"], worker["files"][0]["OPTIONS"]["access_key"]) == (
        "complaint-desk/prod",
        "minio-desk",
    )
    assert worker["limits"] == [300, 330, 3500]
    assert worker["email_timeout"] == 20
    assert migrate["schemas_per_connection"] == 200

    volume = rendered["files on a ReadWriteMany volume"]
    for process in ("web", "worker"):
        loaded = product_settings(volume.environment(volume.deployments()[process], OPERATOR_SECRETS))
        assert loaded["files"] == [{"BACKEND": "django.core.files.storage.FileSystemStorage"}, "/data/media"]


def test_values_yaml_documents_every_setting_it_holds():
    """Each value under config and secrets has a comment right above it (helm-docs style)."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    undocumented = []
    for section in ("config", "secrets"):
        start = lines.index(f"{section}:")
        leaves = [key for key, value in values[section].items() if not isinstance(value, dict)]
        leaves += [k for v in values[section].values() if isinstance(v, dict) for k in v]
        for key in leaves:
            index = next(i for i in range(start, len(lines)) if lines[i].strip().startswith(f"{key}:"))
            if not lines[index - 1].strip().startswith("#"):
                undocumented.append(f"{section}: {key}")
    assert undocumented == []
