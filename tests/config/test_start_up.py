"""The processes a supervisor restarts start fast: nothing they do not use is imported at start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import process_env

ROOT = Path(__file__).resolve().parents[2]


def imported_by(*command: str) -> set[str]:
    """The top-level packages ``manage.py <command>`` imports, run as its own process."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "manage.py", *command],
        cwd=ROOT,
        env=process_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }


@pytest.mark.parametrize("command", [("run_scheduler", "--once"), ("run_relay", "--once")])
def test_a_restarted_scheduler_or_relay_does_not_load_the_spreadsheet_library(committed_tenants, command):
    imported = imported_by(*command)

    assert "django" in imported  # the process did run
    assert "openpyxl" not in imported  # a third of a second and 30 MiB, for exports only
