"""Heartbeats: a long-running process touches its file each time round its loop.

A liveness probe (``docker/entrypoint.sh alive <process>``) fails when the file is
older than the process's allowance, so a wedged relay, scheduler or worker is
told apart from a healthy idle one (an idle loop still goes round every second
or so) and restarted.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from django.conf import settings


def heartbeat_path(process: str) -> Path:
    return Path(settings.HEARTBEAT_DIR) / f"{process}.alive"


# A loop going round many times a second touches its file once a second: the allowances are a
# minute or so, and each touch is a few system calls.
EVERY = 1.0
_touched: dict[tuple[str, str], float] = {}


def heartbeat(process: str) -> None:
    """This process is alive and going round its loop now."""
    now, key = time.monotonic(), (settings.HEARTBEAT_DIR, process)
    if now - _touched.get(key, -math.inf) < EVERY:
        return  # (before any path is built: this is called every time round a busy loop)
    path = heartbeat_path(process)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:  # a read-only or full disk must not stop the work itself
        return
    _touched[key] = now


def heartbeat_age(process: str) -> float | None:
    """Seconds since the process last went round its loop, or None if it never did."""
    try:
        return time.time() - os.stat(heartbeat_path(process)).st_mtime
    except OSError:
        return None
