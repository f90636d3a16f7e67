"""The one-command start's supervisor, wherever the checkout lies."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from config.supervision import supervisord_conf

SUPERVISORCTL = Path(sys.executable).with_name("supervisorctl")
SUPERVISORD = Path(sys.executable).with_name("supervisord")


def test_a_checkout_deep_in_the_file_tree_still_starts_its_processes(tmp_path):
    # A folder whose socket path would not fit a Unix socket's 107 bytes.
    folder = tmp_path.joinpath(*["a-rather-long-folder-name"] * 5, ".data", "supervisor")
    conf = supervisord_conf({"sleeper": "sleep 60"}, folder=folder, cwd=tmp_path)
    supervisor = subprocess.Popen(
        [str(SUPERVISORD), "--nodaemon", "--configuration", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = ""
        deadline = time.monotonic() + 30
        while "RUNNING" not in status and time.monotonic() < deadline:
            assert supervisor.poll() is None, supervisor.stdout.read()
            status = subprocess.run(
                [str(SUPERVISORCTL), "--configuration", str(conf), "status"],
                capture_output=True,
                text=True,
            ).stdout
            time.sleep(0.3)
        assert "sleeper" in status
        assert "RUNNING" in status
    finally:
        supervisor.terminate()
        supervisor.wait(timeout=30)
