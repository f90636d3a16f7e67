"""The product's processes as the Procfile, the image's entry point and the settings name them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
SETTINGS = ROOT / "config" / "settings"

# Reading a variable: env("X"), env.int("X", ...), os.environ["X"], os.environ.get("X"),
# and ${X...} in a shell command line.
_PYTHON_READ = re.compile(
    r"""(?:\benv(?:\.\w+)?\(|os\.environ(?:\.get\(|\[)|os\.getenv\()\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_SHELL_READ = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")
_HEARTBEAT = re.compile(r"""\bheartbeat\(\s*["']([a-z]+)["']""")
# The product's packages (pyproject.toml's, as the Dockerfile copies them).
PACKAGES = ("config", "tenants", "hotline", "dealers", "parts_tickets", "notifications", "live")


def procfile(path: Path = ROOT / "Procfile") -> dict[str, str]:
    processes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


# The entry point's arms that are not Procfile processes, and what each is for.
NOT_PROCESSES = {
    "migrate": "the migration (the chart's Job): public schema, type templates, tenant schemas",
    "manage": "any management command (kubectl exec)",
    "alive": "the liveness check of a process's heartbeat (the chart's exec probes); execs nothing",
}


def entrypoint_arms(path: Path = ENTRYPOINT) -> dict[str, str]:
    """Each ``case`` arm of the entry point: its name and its body."""
    arms = re.findall(r"^ {4}([a-z]+)\)\n(.*?)^ {8};;", path.read_text(), re.S | re.M)
    return dict(arms)


def entrypoint_commands(path: Path = ENTRYPOINT) -> dict[str, str]:
    """The command line each arm execs: exactly one for a process (the Procfile's), at most one
    for the arms that are no process (``NOT_PROCESSES``: ``alive`` execs nothing)."""
    commands = {}
    for name, body in entrypoint_arms(path).items():
        execs = [line.strip() for line in body.splitlines() if line.strip().startswith("exec ")]
        if name in NOT_PROCESSES:
            assert len(execs) <= 1, f"entrypoint arm {name} must exec at most one command"
        else:
            assert len(execs) == 1, f"entrypoint arm {name} (a process) must exec exactly one command"
        if execs:
            commands[name] = execs[0].removeprefix("exec ").removesuffix(' "$@"')
    return commands


def entrypoint_processes(path: Path = ENTRYPOINT) -> set[str]:
    """The arms that run a process of the Procfile."""
    return set(entrypoint_arms(path)) - set(NOT_PROCESSES)


def variables_read(*texts: str) -> set[str]:
    """The environment variables these settings modules or command lines read."""
    found: set[str] = set()
    for text in texts:
        found |= set(_PYTHON_READ.findall(text)) | set(_SHELL_READ.findall(text))
    return found


def product_variables() -> set[str]:
    """Every variable the product reads: its settings, the Procfile and the entry point."""
    texts = [path.read_text() for path in sorted(SETTINGS.glob("*.py"))]
    return variables_read(*texts, (ROOT / "Procfile").read_text(), ENTRYPOINT.read_text())


def heartbeating_processes() -> set[str]:
    """The processes whose loop touches a heartbeat file: ``heartbeat("<process>")`` in the
    product's code (config/heartbeat.py)."""
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found |= set(_HEARTBEAT.findall(path.read_text()))
    return found
