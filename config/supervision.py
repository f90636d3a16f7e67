"""Every process of the Procfile under supervisord: one that exits is started again.

``dev.py up`` (and the fault tests) run the stack this way. Each process's output
goes to its own log file, which ``follow`` prints with the process's name in
front, as one stream. A process that dies early is retried with a growing pause
(supervisord's start back-off); one that dies after running is started again at
once. In production Kubernetes does this (docs/deploy.md, docs/operations.md).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

# A process counts as started after this many seconds; dying sooner is retried with back-off.
START_SECONDS = 3
STOP_WAIT_SECONDS = 15
# A Unix socket's path has room for 107 bytes (sun_path); supervisord refuses a longer one.
SOCKET_PATH_BYTES = 100


def control_socket(folder: Path) -> Path:
    """Where supervisord listens for its control commands: in ``folder``, or, when that path
    would be too long for a Unix socket (a checkout deep in the file tree), in the temporary
    directory under a name taken from ``folder``."""
    path = folder / "supervisord.sock"
    if len(os.fsencode(path)) <= SOCKET_PATH_BYTES:
        return path
    digest = hashlib.sha256(os.fsencode(folder.resolve())).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"complaint-desk-supervisor-{digest}.sock"


def procfile(path: Path) -> dict[str, str]:
    """``name: command`` lines, in order."""
    processes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


def supervisord_conf(processes: dict[str, str], *, folder: Path, cwd: Path) -> Path:
    """A supervisord configuration for ``processes`` under ``folder`` (logs, pid, socket)."""
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    socket = control_socket(folder)
    sections = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={folder / 'supervisord.log'}",
        f"pidfile={folder / 'supervisord.pid'}",
        "loglevel=warn",
        "",
        "[unix_http_server]",
        f"file={socket}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{socket}",
    ]
    for name, command in processes.items():
        # The Procfile's lines use the shell's ${VAR:-default}: a shell runs each, then becomes it.
        line = f"sh -c {shlex.quote('exec ' + command)}"
        sections += [
            "",
            f"[program:{name}]",
            f"command={line.replace('%', '%%')}",
            f"directory={cwd}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={START_SECONDS}",
            "startretries=100000",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_WAIT_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={logs / (name + '.log')}",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=2",
        ]
    path = folder / "supervisord.conf"
    path.write_text("\n".join(sections) + "\n")
    return path


def follow(names: Iterable[str], folder: Path, out: TextIO, stop: threading.Event) -> None:
    """Print every process's new log lines as ``name | line`` until ``stop`` is set."""
    names = list(names)
    width = max(len(n) for n in names)
    handles: dict[str, TextIO] = {}
    for name in names:
        path = folder / "logs" / f"{name}.log"
        path.touch()
        handle = path.open(encoding="utf-8", errors="replace")
        handle.seek(0, 2)  # only what this run writes
        handles[name] = handle
    while not stop.is_set():
        quiet = True
        for name, handle in list(handles.items()):
            for line in handle.readlines():
                quiet = False
                out.write(f"{name:<{width}} | {line}")
            path = folder / "logs" / f"{name}.log"
            if path.exists() and path.stat().st_ino != os.fstat(handle.fileno()).st_ino:  # rotated
                handle.close()
                handles[name] = path.open(encoding="utf-8", errors="replace")
        out.flush()
        if quiet:
            time.sleep(0.2)
    for handle in handles.values():
        handle.close()
