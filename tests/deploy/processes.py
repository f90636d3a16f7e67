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


def procfile(path: Path = ROOT / "Procfile") -> dict[str, str]:
    processes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


def entrypoint_commands(path: Path = ENTRYPOINT) -> dict[str, str]:
    """Each ``case`` arm of the entry point: its name and the command line it execs."""
    arms = re.findall(r"^ {4}([a-z]+)\)\n(.*?)^ {8};;", path.read_text(), re.S | re.M)
    commands = {}
    for name, body in arms:
        execs = [line.strip() for line in body.splitlines() if line.strip().startswith("exec ")]
        assert len(execs) == 1, f"entrypoint arm {name} must exec exactly one command"
        commands[name] = execs[0].removeprefix("exec ").removesuffix(' "$@"')
    return commands


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
