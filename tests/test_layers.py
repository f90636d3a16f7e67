"""The layers hold (docs/architecture.md): the import contracts pass, and they would catch a breach."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("config", "tenants", "notifications", "hotline", "parts_tickets", "dealers", "live")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        check=False,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The project's packages and contracts, copied to a place a test may break."""
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward", "contract"),
    [
        ("tenants/probe.py", "import hotline.models", "The apps in one direction"),
        ("hotline/probe.py", "from parts_tickets import services", "The apps in one direction"),
        ("notifications/probe.py", "from live import relay", "The apps in one direction"),
        ("config/api/probe.py", "from tenants.models import ApiKey", "The ground"),
        ("live/probe.py", "from config import urls_hotline", "Nothing imports the entry points"),
    ],
)
def test_an_upward_import_breaks_a_contract(tree_copy, module, upward, contract):
    (tree_copy / module).write_text(f"{upward}\n")

    result = lint_imports(tree_copy)

    assert result.returncode == 1
    assert f"{contract}" in result.stdout
    assert "BROKEN" in result.stdout


def _private_names_from_other_apps(path: Path, root: Path = ROOT) -> list[str]:
    app = path.relative_to(root).parts[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            other = node.module.split(".")[0]
            if other in APPS and other != app:
                found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    return found


def test_no_app_imports_another_apps_private_names():
    offenders = {
        str(path.relative_to(ROOT)): names
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if (names := _private_names_from_other_apps(path))
    }

    assert offenders == {}


def test_the_private_name_check_catches_one(tmp_path):
    probe = tmp_path / "dealers" / "probe.py"
    probe.parent.mkdir()
    probe.write_text("from hotline.services.work_orders import _reopen\n")

    assert _private_names_from_other_apps(probe, tmp_path) == ["hotline.services.work_orders._reopen"]
