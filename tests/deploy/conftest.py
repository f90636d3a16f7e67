"""Fixtures of the chart and image tests (marked ``deploy``; ``-m "not deploy"`` skips them)."""

from __future__ import annotations

import pytest

from . import tools
from .chart import Helm


@pytest.fixture(scope="session")
def helm_binary():
    try:
        return tools.helm()
    except tools.Missing as missing:
        pytest.fail(str(missing))


@pytest.fixture(scope="session")
def helm(helm_binary) -> Helm:
    return Helm(helm_binary)


def pytest_terminal_summary(terminalreporter) -> None:
    if tools.REPORT:
        r = tools.REPORT
        terminalreporter.write_line(
            f"image {r['image']}: {int(r['size']) / 1e6:.0f} MB, built in {float(r['seconds']):.0f} s "
            f"on {r['base']} (ready in {float(r['base_seconds']):.0f} s)"
        )
