"""The chart follows the product: every process of the Procfile is a workload of the chart,
and every setting the product reads from the environment is a chart value, or is listed below
as not for the chart, with the reason.

Adding a process or a setting later is one entry: a Procfile line (plus its entry-point arm and
Deployment, which these tests then ask for), or a chart value (values.yaml, its schema entry,
the template line) or a line in ``NOT_FOR_THE_CHART``.
"""

from __future__ import annotations

import pytest
import yaml

from .chart import CHART, OPERATOR_SECRETS, VALUE_SETS, Helm, Rendered
from .processes import (
    NOT_PROCESSES,
    entrypoint_processes,
    heartbeating_processes,
    procfile,
    product_variables,
    variables_read,
)

pytestmark = pytest.mark.deploy

# Read from the environment by the product, deliberately not set by the chart.
NOT_FOR_THE_CHART = {
    "DEBUG": "config.settings.production turns it off whatever the environment says",
    "PORTAL_SCHEME": "config.settings.production makes every printed link https",
    "WEBHOOKS_REQUIRE_HTTPS": "config.settings.production requires https webhook endpoints",
    "CELERY_TASK_ALWAYS_EAGER": "tests only: tasks run inside the process that sends them",
    "SMS_FILE": "the console SMS backend's copy of each text, for development; the pods' root "
    "filesystem is read-only",
    "EMAIL_BACKEND": "production sends mail through SMTP, configured by EMAIL_URL",
    "PYTEST_XDIST_WORKER": "tests only: which parallel test worker this is (its own Redis database)",
    "REDIS_URL_WORKER": "tests only: the worker whose Redis database REDIS_URL already names",
}
# Set by the chart for something other than the product's settings.
CHART_ONLY = {
    "POSTGRES_PASSWORD": "the in-cluster PostgreSQL's own password (evaluation installs)",
    "REDIS_PASSWORD": "the in-cluster Redis's own password (evaluation installs)",
    "POD_NAME": "the pod's name, for an operator's log and metrics tooling",
    "DJANGO_SETTINGS_MODULE": "read by Django itself: config.settings.production",
}
# The image's commands beyond the Procfile's processes, and how the chart uses each.
BEYOND_THE_PROCFILE = {
    "migrate": "the migration Job",
    "manage": "kubectl exec, for commands",
    "alive": "the exec probes of the processes that heartbeat",
}


@pytest.fixture(scope="module")
def renders(helm: Helm) -> dict[str, Rendered]:
    return {name: helm.render(values) for name, values in VALUE_SETS.items()}


def chart_variables(renders: dict[str, Rendered]) -> set[str]:
    """Every variable some documented values set gives some workload of the chart."""
    found: set[str] = set()
    for result in renders.values():
        workloads = [*result.deployments().values(), *result.of_kind("Job")]
        for workload in workloads:
            found |= set(result.environment(workload, OPERATOR_SECRETS))
    return found


def not_in_chart(read: set[str], given: set[str]) -> set[str]:
    return read - given - set(NOT_FOR_THE_CHART)


def test_every_setting_the_product_reads_is_a_chart_value_or_listed_with_its_reason(renders):
    read = product_variables()
    given = chart_variables(renders)

    missing = not_in_chart(read, given)
    assert missing == set(), (
        f"{sorted(missing)}: add a value to helm/values.yaml (documented, with its entry in "
        "values.schema.json and the template line that sets it), or list it in NOT_FOR_THE_CHART"
    )
    assert set(NOT_FOR_THE_CHART) <= read, "NOT_FOR_THE_CHART lists what the product no longer reads"
    assert not set(NOT_FOR_THE_CHART) & given, "the chart sets what NOT_FOR_THE_CHART says it does not"
    for name in (
        "CHANNEL_LAYER_BACKEND",
        "LIVE_SWEEP_SECONDS",
        "LIVE_CHANNEL_CAPACITY",
        "REDIS_MAX_CONNECTIONS",
    ):
        assert name in given, name


def test_every_variable_the_chart_sets_is_read_by_the_product(renders):
    """A key no setting reads would be configuration that does nothing."""
    unread = chart_variables(renders) - product_variables() - set(CHART_ONLY)

    assert unread == set()


def test_a_new_setting_without_a_chart_value_is_noticed(renders):
    new_settings = 'LIVE_RECONNECT_SECONDS = env.float("LIVE_RECONNECT_SECONDS", default=5.0)\n'
    read = product_variables() | variables_read(new_settings)

    assert not_in_chart(read, chart_variables(renders)) == {"LIVE_RECONNECT_SECONDS"}


def test_the_chart_runs_every_procfile_process_and_nothing_else(renders):
    processes = set(procfile())
    values = yaml.safe_load((CHART / "values.yaml").read_text())

    assert set(BEYOND_THE_PROCFILE) == set(NOT_PROCESSES)
    assert entrypoint_processes() == processes
    for name, result in renders.items():
        deployments = result.deployments()
        assert set(deployments) == processes, name
        image = result.one("Job", "migrate")["spec"]["template"]["spec"]["containers"][0]["image"]
        for process, deployment in deployments.items():
            (container,) = deployment["spec"]["template"]["spec"]["containers"]
            assert container["args"] == [process], f"{name}: {process}"
            assert container["image"] == image, f"{name}: {process}"
        assert result.one("Job", "migrate")["spec"]["template"]["spec"]["containers"][0]["args"] == [
            "migrate"
        ]
    for process in processes - {"beat"}:
        assert isinstance(values[process]["replicaCount"], int), process
    for process in processes:
        assert values[process]["resources"]["requests"], process
        assert values[process]["terminationGracePeriodSeconds"] > 0, process
    # Beat runs once, whatever the values say: it has no replica count to set.
    assert "replicaCount" not in values["beat"]


def test_every_process_that_heartbeats_is_probed_on_its_own_heartbeat(renders):
    heartbeating = heartbeating_processes()

    assert heartbeating == {"worker", "scheduler", "relay"}
    assert heartbeating <= set(procfile())
    for name, result in renders.items():
        for process, deployment in result.deployments().items():
            (container,) = deployment["spec"]["template"]["spec"]["containers"]
            env = result.environment(deployment, OPERATOR_SECRETS)
            checks = [
                container[probe]["exec"]["command"]
                for probe in ("livenessProbe", "readinessProbe", "startupProbe")
                if "exec" in container.get(probe, {})
            ]
            where = f"{name}: {process}"
            if process in heartbeating:
                assert env["HEARTBEAT_DIR"].startswith("/tmp/"), where  # noqa: S108 (the pod's scratch space)
                for command in checks:
                    assert command[:3] == ["/app/docker/entrypoint.sh", "alive", process], where
            else:
                assert "HEARTBEAT_DIR" not in env, where
                assert checks == [], where


def test_a_process_added_to_the_procfile_alone_is_noticed(renders, tmp_path):
    procfile_path = tmp_path / "Procfile"
    procfile_path.write_text(
        (CHART.parent / "Procfile").read_text() + "mailer: python manage.py run_mailer\n"
    )

    added = set(procfile(procfile_path))

    assert added - entrypoint_processes() == {"mailer"}
    assert added - set(renders["production example"].deployments()) == {"mailer"}
