"""The container image, built from the Dockerfile and run.

The image is built with podman (``--isolation=chroot``, no daemon) on a Debian bookworm Python
base (tests/deploy/tools.py). Containers cannot be started on every machine that runs this
suite, so each process runs from the image's own root filesystem, mounted read-only as the
chart mounts it, with the image's user, working directory, environment and entry point, and
the environment the chart gives that process's pods (the production example with a console
SMS backend, pointed at a PostgreSQL and a Redis of the tests' own on local ports: see
tools.py). The network is the machine's: the web process listens on a free local port instead
of 0.0.0.0:8000, set through the chart's extraEnv.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import psycopg
import pytest
from websockets.sync.client import connect

from . import tools
from .chart import RELEASE, Helm, Rendered, documented_values, merged

pytestmark = pytest.mark.deploy

DATABASE = f"complaint_desk_image_{uuid.uuid4().hex[:8]}"
BASE_DOMAIN = "desk.example.cn"
HOTLINE = f"huaqi.{BASE_DOMAIN}"
DEMO_PASSWORD = "Demo-2026-pass"  # the demo's (README.md)
PROCESSES = ("web", "worker", "beat", "scheduler", "relay")  # long-running, the Procfile's
FULLNAME = f"{RELEASE}-complaint-desk"
WAIT = 90  # seconds any one step may take on a busy two-core machine before the test gives up


def until(check: Any, what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"gave up waiting: {what}")


# --- the image -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built() -> tools.Build:
    try:
        tools.apt_install(podman="podman", mmdebstrap="mmdebstrap")
        started = time.monotonic()
        base = tools.base_image()
        base_seconds = time.monotonic() - started
    except tools.Missing as missing:
        pytest.fail(str(missing))
    build = tools.build_image(base)
    tools.REPORT.update(
        base=base, base_seconds=base_seconds, seconds=build.seconds, size=build.size, image=build.image
    )
    return build


@pytest.fixture(scope="session")
def image_root(built: tools.Build) -> Iterator[Path]:
    root = Path(tools.podman("image", "mount", built.image).stdout.strip())
    yield root
    tools.podman("image", "unmount", built.image, check=False)


@pytest.fixture(scope="session")
def image_config(built: tools.Build) -> tools.ImageConfig:
    return tools.image_config(built.image)


# --- a deployment: the chart's environment, a database, the processes -------------------------


@dataclass
class Deployment:
    root: Path
    config: tools.ImageConfig
    scratch: Path
    rendered: Rendered
    port: int
    logs: Path
    database_url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    finished: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)

    def env(self, component: str) -> dict[str, str]:
        workload = self.rendered.deployments().get(component) or self.rendered.one("Job", component)
        return self.rendered.environment(workload)

    def run(self, *args: str, env_of: str = "web", timeout: float = 300) -> subprocess.CompletedProcess:
        """A command of the image's entry point (``migrate``, ``manage …``) run to its end, in
        the environment the chart gives ``env_of``'s pods."""
        process = tools.run_in_image(
            self.root,
            self.config,
            self.scratch,
            [*self.config.entrypoint, *args],
            self.env(env_of),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output, _ = process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(process.args, process.returncode, output)

    def start(self, process: str) -> None:
        log = (self.logs / f"{process}.log").open("w")
        self.processes[process] = tools.run_in_image(
            self.root,
            self.config,
            self.scratch,
            [*self.config.entrypoint, process],
            self.env(process),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def probe(self, process: str, probe: str) -> subprocess.CompletedProcess:
        """The exec probe the chart gives ``process``'s container, run inside the image as the
        kubelet runs it: in the container, with the container's environment."""
        (container,) = self.rendered.deployments()[process]["spec"]["template"]["spec"]["containers"]
        check = tools.run_in_image(
            self.root,
            self.config,
            self.scratch,
            container[probe]["exec"]["command"],
            self.env(process),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output, _ = check.communicate(timeout=container[probe]["timeoutSeconds"] + 30)
        return subprocess.CompletedProcess(check.args, check.returncode, output)

    def log(self, process: str) -> str:
        return (self.logs / f"{process}.log").read_text(errors="replace")

    def request(
        self,
        method: str,
        path: str,
        host: str = HOTLINE,
        headers: dict[str, str] | None = None,
        body: Any = None,
        through_ingress: bool = True,
    ) -> tuple[int, dict[str, str], bytes, list[str]]:
        """One HTTP request to the web process, as the Ingress forwards it after TLS (or as the
        kubelet's probes send it: plain http, no forwarding headers)."""
        forwarded = {"X-Forwarded-Proto": "https"} if through_ingress else {}
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                method, path, body=body, headers={"Host": host, **forwarded, **(headers or {})}
            )
            response = connection.getresponse()
            cookies = response.headers.get_all("Set-Cookie") or []
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read(), cookies
        finally:
            connection.close()


@dataclass
class Servers:
    postgres: str  # the server's address, no database
    redis: str

    @property
    def database_url(self) -> str:
        return f"{self.postgres}/{DATABASE}"


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[Servers]:
    """The deployment's PostgreSQL and Redis, reached over the network as a cluster's are."""
    with (
        tools.postgres_on_a_port(tmp_path_factory.mktemp("image-postgres")) as postgres,
        tools.redis_on_a_port(tmp_path_factory.mktemp("image-redis")) as redis,
    ):
        with psycopg.connect(f"{postgres}/postgres", autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
        yield Servers(postgres=postgres, redis=redis)


@pytest.fixture(scope="module")
def deployment(
    image_root, image_config, helm: Helm, servers: Servers, tmp_path_factory
) -> Iterator[Deployment]:
    port = tools.free_port()
    values = merged(
        documented_values()["production"],
        {
            "secrets": {"existingSecret": "", "secretKey": "image-test-" + "k" * 40},
            "externalDatabase": {"existingSecret": "", "url": servers.database_url},
            "externalRedis": {"existingSecret": "", "url": f"{servers.redis}/0"},
            "config": {"sms": {"backend": "notifications.sms.ConsoleSmsBackend"}},
            "extraEnv": [
                {"name": "WEB_HOST", "value": "127.0.0.1"},
                {"name": "WEB_PORT", "value": str(port)},
            ],
        },
    )
    scratch = tmp_path_factory.mktemp("image-tmp")
    scratch.chmod(0o1777)  # the pod's /tmp (an emptyDir), written by the image's user
    result = Deployment(
        root=image_root,
        config=image_config,
        scratch=scratch,
        rendered=helm.render(values),
        port=port,
        logs=tmp_path_factory.mktemp("image-logs"),
        database_url=servers.database_url,
    )
    try:
        result.finished["migrate"] = result.run("migrate", env_of="migrate")
        if result.finished["migrate"].returncode == 0:
            result.finished["load_demo"] = result.run("manage", "load_demo")
            for process in PROCESSES:
                result.start(process)
        yield result
    finally:
        for process in result.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def running(deployment: Deployment) -> Deployment:
    """Every process started and the web process answering."""
    assert deployment.finished["migrate"].returncode == 0, deployment.finished["migrate"].stdout[-4000:]
    assert deployment.finished["load_demo"].returncode == 0, deployment.finished["load_demo"].stdout[-4000:]

    def answering() -> bool:
        for name, process in deployment.processes.items():
            assert process.poll() is None, f"{name} ended:\n{deployment.log(name)[-4000:]}"
        try:
            return deployment.request("GET", "/healthz", host="10.0.0.7", through_ingress=False)[0] == 200
        except OSError:
            return False

    until(answering, "the web process to answer /healthz")
    return deployment


# --- what the image holds ------------------------------------------------------------------


def test_the_image_runs_as_a_user_that_is_not_root(running, image_config):
    uid, _, gid = image_config.user.partition(":")

    assert int(uid) != 0
    assert int(gid or uid) != 0
    for name, process in running.processes.items():
        status = Path(f"/proc/{process.pid}/status").read_text()
        real, effective, *_ = re.search(r"^Uid:\s+(.*)$", status, re.M).group(1).split()
        assert (int(real), int(effective)) == (int(uid), int(uid)), name
    # Root owns the application: the process cannot change its own code.
    assert (running.root / "app" / "manage.py").stat().st_uid == 0


def test_the_image_holds_no_compiler_no_pip_and_no_tests(image_root, image_config):
    found = []
    for directory, subdirectories, files in os.walk(image_root):
        if directory in (str(image_root / "proc"), str(image_root / "dev")):
            subdirectories.clear()
            continue
        path = Path(directory)
        for name in files + subdirectories:
            relative = str((path / name).relative_to(image_root))
            if re.fullmatch(r"(cc|c\+\+|g\+\+|gcc|clang|tcc|ld|as|x86_64-linux-gnu-gcc)(-\d+)?", name) and (
                "/bin/" in f"/{relative}"
            ):
                found.append(relative)
            if re.fullmatch(r"pip(\d(\.\d+)?)?", name) or re.fullmatch(
                r"pip-[\d.]+[-.].*\.(whl|dist-info)", name
            ):
                found.append(relative)
            if relative.startswith("app/") and (
                name in ("tests", "conftest.py", "pytest.ini") or re.fullmatch(r"test_.*\.py", name)
            ):
                found.append(relative)
    assert found == []
    site_packages = next((image_root / "opt" / "venv" / "lib").glob("python3*/site-packages"))
    installed = {p.name.split("-")[0].lower() for p in site_packages.glob("*.dist-info")}
    # The dev extra (test runner, linters, browser driver) stays out of the image.
    assert not {"pytest", "ruff", "playwright", "schemathesis", "kubernetes_validate"} & installed
    assert {"django", "uvicorn", "celery"} <= installed


def test_the_image_is_labelled_with_the_application_version(built):
    import tomllib

    version = tomllib.loads((tools.ROOT / "pyproject.toml").read_text())["project"]["version"]
    labels = json.loads(tools.podman("image", "inspect", "--format", "{{json .Labels}}", built.image).stdout)

    assert labels["org.opencontainers.image.version"] == version
    assert labels["org.opencontainers.image.title"] == "complaint-desk"


# --- running it ----------------------------------------------------------------------------


def test_migrate_prepares_an_empty_database(deployment):
    migrate = deployment.finished["migrate"]

    assert migrate.returncode == 0, migrate.stdout[-4000:]
    with psycopg.connect(deployment.database_url) as connection:
        schemas = {row[0] for row in connection.execute("SELECT nspname FROM pg_namespace")}
    assert {"public", "template_hotline", "template_dealer"} <= schemas
    # The demo, loaded through the image's manage command, made its tenants' schemas.
    assert {"huaqi", "dongyue", "gz_junda"} <= schemas


def test_web_answers_health_and_readiness_on_a_pod_address_and_a_tenant_host(running):
    # The kubelet probes a pod's address over plain http; production settings let these two
    # paths through without a redirect to https.
    for host in ("10.0.0.7:8000", HOTLINE):
        status, _, body, _ = running.request("GET", "/healthz", host=host, through_ingress=False)
        assert (status, json.loads(body)) == (200, {"status": "ok"}), host
        status, _, body, _ = running.request("GET", "/readyz", host=host, through_ingress=False)
        assert status == 200, body
        assert json.loads(body) == {"status": "ok", "database": "ok", "redis": "ok"}
    # Production settings: plain http is sent to https, except the probes.
    status, headers, _, _ = running.request("GET", "/login/", headers={"X-Forwarded-Proto": "http"})
    assert status == 301
    assert headers["location"] == f"https://{HOTLINE}/login/"
    # Static files come from the image's collected, hashed manifest.
    status, _, page, _ = running.request("GET", "/login/")
    assert status == 200
    stylesheet = re.search(rb'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page).group(1).decode()
    assert running.request("GET", stylesheet)[0] == 200


def cookie(cookies: list[str], name: str) -> str:
    for header in cookies:
        if header.startswith(f"{name}="):
            return header.split(";", 1)[0]
    raise AssertionError(f"no {name} cookie in {cookies}")


def sign_in(running: Deployment, username: str) -> str:
    """The sign-in form, as a browser fills it in; returns the Cookie header of the session."""
    status, _, page, cookies = running.request("GET", "/login/")
    assert status == 200
    csrf_cookie = cookie(cookies, "csrftoken")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode(
        {"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}
    )
    status, _, _, cookies = running.request(
        "POST",
        "/login/",
        headers={
            "Cookie": csrf_cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{HOTLINE}",
            "Referer": f"https://{HOTLINE}/login/",
        },
        body=form,
    )
    assert status == 302, "sign-in refused"
    return cookie(cookies, "sessionid")


@dataclass
class LiveWorkOrder:
    number: str
    mobile: str
    received: list[dict[str, Any]]


WORK_ORDER = {
    "type": "parts_shortage",
    "category": "parts_shortage",
    "channel": "phone",
    "complaint": "前大灯闪烁，服务站无库存。",
    "dealer": "HQ-GD-001",
    "owner": {"name": "王建华", "mobile": "13802561234", "city": "广州"},
    "vehicle": {"vin": "LHKS5A2B4RG100231", "plate": "粤A3K8M2", "model": "华骐 S5", "mileage_km": 28650},
    "part_lines": [{"part_code": "HQ-37110-01", "part_name": "前大灯总成", "quantity": 1}],
}


@pytest.fixture(scope="module")
def live_work_order(running) -> LiveWorkOrder:
    """An agent's board open on a live socket; then a call-centre system records a work order
    through the API with a key made by the image's ``manage api_key``."""
    session = sign_in(running, "hq.agent")
    made = running.run(
        "manage", "api_key", "create", "--tenant", "huaqi", "--name", "CTI", "--scope", "write"
    )
    assert made.returncode == 0, made.stdout
    key = re.search(r"^(cdk_\S+)$", made.stdout, re.M).group(1)

    with (
        socket.create_connection(("127.0.0.1", running.port), timeout=WAIT) as sock,
        connect(
            f"ws://{HOTLINE}/ws/live/",
            sock=sock,
            origin=f"https://{HOTLINE}",
            additional_headers={"Cookie": session, "X-Forwarded-Proto": "https"},
            open_timeout=WAIT,
        ) as live,
    ):
        live.send(json.dumps({"action": "subscribe", "topic": "board"}))
        received = [json.loads(live.recv(timeout=WAIT))]
        assert received[-1] == {"type": "subscribed", "topic": "board"}

        status, _, body, _ = running.request(
            "POST",
            "/api/v1/work-orders/",
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            body=json.dumps(WORK_ORDER, ensure_ascii=False).encode(),
        )
        assert status == 201, body.decode()
        number = json.loads(body)["number"]
        deadline = time.monotonic() + WAIT
        while not any(m.get("type") == "event" and m.get("work_order") == number for m in received):
            assert time.monotonic() < deadline, f"no live event for {number}: {received}"
            received.append(json.loads(live.recv(timeout=WAIT)))
    return LiveWorkOrder(number=number, mobile=WORK_ORDER["owner"]["mobile"], received=received)


def test_a_work_order_made_through_the_api_reaches_a_live_socket_served_by_the_image(
    live_work_order, running
):
    events = [m for m in live_work_order.received if m.get("type") == "event"]

    assert {m["work_order"] for m in events} == {live_work_order.number}
    assert "work_order.created" in {m["kind"] for m in events}


def test_a_worker_texts_the_owner_of_the_new_work_order(live_work_order, running):
    sent = until(
        lambda: re.search(
            rf"SMS to {live_work_order.mobile}: .*{live_work_order.number}", running.log("worker")
        ),
        "a worker to send the owner's text",
    )

    assert "受理" in sent.group(0)


def test_beat_queues_the_sweeps_and_a_worker_runs_them(running):
    until(
        lambda: "Sending due task outbound-sweep" in running.log("beat"), "beat to queue the outbound sweep"
    )
    until(
        lambda: re.search(r"Task live\.outbound_sweep\[[^\]]+\] succeeded", running.log("worker")),
        "a worker to run the outbound sweep",
    )
    # Beat keeps its schedule where the chart says, in the pod's scratch space.
    schedule = Path(running.env("beat")["BEAT_SCHEDULE_FILE"]).relative_to("/tmp")  # noqa: S108 (the pod's)
    assert list(running.scratch.glob(f"{schedule}*")), schedule


def test_the_charts_probes_find_each_process_going_round_its_loop(running):
    for process in ("relay", "scheduler", "worker"):
        for probe in ("startupProbe", "livenessProbe"):
            until(
                lambda process=process, probe=probe: running.probe(process, probe).returncode == 0,
                f"the {process}'s {probe} to pass",
            )
    # The heartbeat files are in the pod's scratch space; beat has none, so a check on it fails.
    assert {path.name for path in running.scratch.glob("heartbeats/*.alive")} == {
        "relay.alive",
        "scheduler.alive",
        "worker.alive",
    }
    beat = running.run("alive", "beat", "60", env_of="relay")
    assert beat.returncode == 1, beat.stdout


def test_each_process_names_its_database_connections_and_the_web_keeps_its_pool(live_work_order, running):
    with psycopg.connect(running.database_url, application_name="image-test") as connection:
        held = dict(
            connection.execute(
                "SELECT application_name, count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name <> 'image-test' GROUP BY 1",
                (DATABASE,),
            ).fetchall()
        )
    pods = {f"{FULLNAME}-{process}-pod": process for process in PROCESSES}
    assert set(held) <= set(pods), held  # every connection tells whose it is
    by_process = {pods[name]: count for name, count in held.items()}
    # The web keeps its pool (at least one connection, at most the pool's size); the relay its
    # queries' connection and its LISTEN; the scheduler one. A worker process holds one only
    # while it runs a task (Celery closes it after each).
    assert 1 <= by_process["web"] <= int(running.env("web")["DB_POOL_MAX_SIZE"]), held
    assert (by_process["relay"], by_process["scheduler"]) == (2, 1), held
    assert by_process.get("worker", 0) <= int(running.env("worker")["WORKER_CONCURRENCY"]), held


# What each process says once it has shut down in order (beat saves its schedule and says
# nothing: it ends with 0).
STOPPED = {
    "web": "Finished server process",
    "worker": "Warm shutdown",
    "beat": "",
    "scheduler": "scheduler: stopped",
    "relay": "relay: stopped",
}


def test_each_process_stops_cleanly_on_sigterm(running):
    """What Kubernetes does to a pod it removes: SIGTERM, then SIGKILL after the grace period.
    Each process finishes what it was doing and ends, well within that period. uvicorn, once
    shut down, ends by the signal it was sent (as its docs say), the others with 0."""
    grace = {
        name: deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        for name, deployment in running.rendered.deployments().items()
    }
    for name in PROCESSES:
        running.processes[name].send_signal(signal.SIGTERM)
    for name in PROCESSES:
        try:
            code = running.processes[name].wait(timeout=grace[name])
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} still running {grace[name]} s after SIGTERM:\n{running.log(name)[-3000:]}")
        log = running.log(name)
        expected = (0,) if name == "beat" else (0, -signal.SIGTERM)  # beat: its schedule saved
        assert code in expected, f"{name} exited with {code}:\n{log[-3000:]}"
        assert STOPPED[name] in log, f"{name} did not shut down in order:\n{log[-3000:]}"
        assert "Traceback" not in log, log[-3000:]
