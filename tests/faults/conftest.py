"""A whole running stack for the fault tests: every Procfile process under supervisord, on the
test database and Redis, with its own settings for quick sweeps; a webhook receiver that counts.

Each fault test has a stack and tenants of its own (committed, since the processes read them).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from config import supervision
from notifications.webhooks import webhook_endpoint_create
from tenants.models import Role
from tenants.services.api_keys import api_key_create
from tenants.services.provisioning import manufacturer_create, region_create

from ..conftest import client_for, host_of, join, person, process_env

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """The tenants' integrations: count deliveries per endpoint and event id; can answer slowly."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.delay:
                    time.sleep(receiver.delay)
                receiver.seen[f"{self.path} {self.headers['X-Event-Id']}"] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@dataclass
class Stack:
    folder: Path
    conf: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen
    world: dict = field(default_factory=dict)

    def pid(self, name: str) -> int:
        out = subprocess.run(
            [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(self.conf), "pid", name],
            capture_output=True, text=True, check=True, env=self.env,
        ).stdout.strip()  # fmt: skip
        return int(out)

    def get(self, path: str, host: str = "localhost", timeout: float = 5) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    def heartbeat_age(self, name: str) -> float:
        path = Path(self.env["HEARTBEAT_DIR"]) / f"{name}.alive"
        return time.time() - path.stat().st_mtime if path.exists() else float("inf")

    def log(self, name: str) -> str:
        path = self.folder / "logs" / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _create_world(receiver: Receiver) -> dict:
    maker = manufacturer_create(code="HQ", name="华骐汽车", slug="huaqi", work_order_prefix="HQ")
    region_create(manufacturer=maker, code="SOUTH", name="华南大区")
    junda = join(maker, "gz-junda", "HQ-GD-001").dealer
    agent = person("hq.agent", maker.hotline, Role.HOTLINE_AGENT)
    crm = person("junda.crm", junda, Role.DEALER_CRM_MANAGER)
    with tenant_context(maker.hotline):
        webhook_endpoint_create(url=f"{receiver.url}/hotline")
    with tenant_context(junda):
        webhook_endpoint_create(url=f"{receiver.url}/junda", event_kinds=["work_order.dispatched"])
    key = api_key_create(tenant=maker.hotline, name="呼叫中心", scope="write").secret
    connection.set_schema_to_public()
    return {
        "manufacturer": maker,
        "junda": junda,
        "key": key,
        "hosts": {"agent": host_of(maker.hotline), "junda": host_of(junda)},
        "cookies": {
            "agent": client_for(maker.hotline, agent).cookies["sessionid"].value,
            "junda": client_for(junda, crm).cookies["sessionid"].value,
        },
    }


@pytest.fixture
def stack(committed_tenants, tmp_path) -> Iterator[Stack]:
    folder = tmp_path
    port = free_port()
    receiver = Receiver()
    env = {
        **process_env(),
        "WEB_PORT": str(port),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "HEARTBEAT_DIR": str(folder / "heartbeats"),
        "BEAT_SCHEDULE_FILE": str(folder / "celerybeat-schedule"),
        "SMS_FILE": str(folder / "sms.jsonl"),
        # Quick sweeps, so a fault's consequences are repaired within the test's patience.
        "OUTBOUND_LEASE_SECONDS": "4",
        "OUTBOUND_SWEEP_SECONDS": "1",
        "LIVE_SWEEP_SECONDS": "2",
        "SCHEDULER_IDLE_SECONDS": "0.5",
        "WORKER_CONCURRENCY": "2",
    }
    world = _create_world(receiver)
    conf = supervision.supervisord_conf(supervision.procfile(ROOT / "Procfile"), folder=folder, cwd=ROOT)
    process = subprocess.Popen(
        [sys.executable, "-m", "supervisor.supervisord", "--nodaemon", "--configuration", str(conf)], env=env
    )
    running = Stack(folder, conf, port, env, process, {**world, "receiver": receiver})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            running.get("/readyz") == 200
            and all(running.heartbeat_age(n) < 10 for n in ("relay", "scheduler", "worker"))
        ):
            time.sleep(0.5)
        assert running.get("/readyz") == 200, running.log("web")
        yield running
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
        receiver.server.shutdown()
        connection.close()  # a test may have restarted the server under it


def api_post(stack: Stack, path: str, body: dict, key: str) -> tuple[int, dict]:
    """One API call to the stack's web process, as an integration makes it (retried by the caller)."""
    host = stack.world["hosts"]["agent"]
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.port}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Host": host,
            "Authorization": f"Bearer {stack.world['key']}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    except OSError:
        return 0, {}
