"""The README's Quick start: its two commands, and the first one really running the product.

The second command is what CI runs (.ci/run), so this suite running at all proves it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import wait_for

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```(?:sh|bash|shell)?\n(.*?)```", section, re.S).group(1)
    return [
        line.split("#")[0].strip()
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text()
    headings = [line for line in readme.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Quick start"

    assert quick_start_commands() == ["python3 dev.py up", "python3 dev.py test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 dev.py test" in ci
    assert "python3 dev.py lint" in ci


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, host: str, path: str) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class Run:
    """``python3 dev.py up`` in its own process group, as a terminal would run it."""

    def __init__(self, data_dir: Path, port: int) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(DATA_DIR=str(data_dir), WEB_PORT=str(port), PORTAL_PORT=str(port), WORKER_CONCURRENCY="1")
        self.log = data_dir.parent / f"up-{time.monotonic_ns()}.log"
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "dev.py"), "up"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.port = port
        self.data_dir = data_dir

    def output(self) -> str:
        return self.log.read_text()

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            if "Ctrl-C stops everything" in self.output():
                try:
                    if get(self.port, "localhost", "/readyz")[0] == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.5)
        pytest.fail("the product did not become ready:\n" + self.output())

    def supervisorctl(self, *args: str) -> str:
        conf = self.data_dir / "supervisor" / "supervisord.conf"
        command = [str(ROOT / ".venv" / "bin" / "supervisorctl"), "-c", str(conf), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout

    def states(self) -> dict[str, tuple[str, str]]:
        """Each process's supervisor state and pid."""
        found = {}
        for line in self.supervisorctl("status").splitlines():
            name, state, *rest = line.split()
            pid = rest[1].rstrip(",") if rest[:1] == ["pid"] else ""
            found[name] = (state, pid)
        return found

    def ctrl_c(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=60)


@pytest.mark.slow
def test_run_command_starts_every_process_and_stops_cleanly_then_reuses_data(tmp_path):
    data_dir = tmp_path / "data"
    port = free_port()

    first = Run(data_dir, port)
    try:
        first.wait_ready()
        out = first.output()
        # A process counts as started once it has stayed up a few seconds (supervisor's
        # startsecs), which may be after the web process already answers.
        everyone_running = dict.fromkeys(("web", "worker", "scheduler", "relay", "beat"), "RUNNING")

        seen: dict[str, tuple[str, str]] = {}

        def everyone_up() -> bool:
            seen.update(first.states())
            return {name: state for name, (state, _pid) in seen.items()} == everyone_running

        assert wait_for(everyone_up, seconds=30), first.output()
        relay_pid = seen["relay"][1]
        # A process that dies is started again, without a human.
        os.kill(int(relay_pid), signal.SIGKILL)

        def relay_again() -> bool:
            state, pid = first.states()["relay"]
            return state == "RUNNING" and pid != relay_pid

        assert wait_for(relay_again, seconds=30), "the relay was not started again:\n" + first.output()
        assert f"http://huaqi.localhost:{port}/" in out
        assert f"http://gz-junda.localhost:{port}/" in out
        assert "hq.agent" in out
        assert "junda.crm" in out
        assert get(port, "huaqi.localhost", "/login/")[0] == 200
        assert get(port, "nobody.localhost", "/")[0] == 404
    finally:
        first.ctrl_c()
    assert "stopped embedded postgres and redis" in first.output()
    assert not (data_dir / "postgres" / "postmaster.pid").exists()

    second = Run(data_dir, port)
    try:
        second.wait_ready()
        assert "Demo data already complete; nothing added." in second.output()
        assert get(port, "huaqi.localhost", "/login/")[0] == 200
    finally:
        second.ctrl_c()
