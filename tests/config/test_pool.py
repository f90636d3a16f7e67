"""Connections that scale: the web process serves 200 requests at once from a bounded pool, also
through PgBouncer in session mode (when installed), each tenant's answers from its own schema."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.services.work_orders import work_order_create
from tenants.services.api_keys import api_key_create

from ..conftest import host_of, join, parts_intake, processes_database_url

pytestmark = pytest.mark.django_db(transaction=True)

POOL_MAX = 6
ROOT = Path(settings.BASE_DIR)
PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else ""
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _owner_of(db: dict) -> str:
    """The system user running the database server (its socket folder's owner), or nobody."""
    import pwd

    folder = db["HOST"] if db["HOST"].startswith("/") else ""
    return pwd.getpwuid(os.stat(folder).st_uid).pw_name if folder else "nobody"


@contextmanager
def _web(database_url: str, application_name: str) -> Iterator[int]:
    """The product's web process, as the Procfile runs it, on the test database."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "DB_POOL_MAX_SIZE": str(POOL_MAX),
        "DB_APPLICATION_NAME": application_name,
        # Every request at once, so that the pool alone bounds the connections.
        "WEB_REQUESTS_AT_ONCE": "1000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--lifespan", "off",
         "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(15)


@pytest.fixture
def two_hotlines(manufacturer, other_manufacturer):
    """Each hotline with one work order and an API key; their answers must never mix."""
    made = {}
    for maker, code in ((manufacturer, "HQ-GD-001"), (other_manufacturer, "DY-GD-001")):
        dealer = join(maker, f"d-{code.lower()}", code).dealer
        actor = Actor(user_id=1, name="李娜", tenant_id=maker.hotline_id, role="hotline_agent")
        with tenant_context(maker.hotline):
            number = work_order_create(
                manufacturer=maker, actor=actor, intake=parts_intake(dealer_id=dealer.pk)
            ).number
        key = api_key_create(tenant=maker.hotline, name="呼叫中心", scope="read").secret
        made[maker.code] = {"host": host_of(maker.hotline), "key": key, "number": number}
    connection.set_schema_to_public()
    return made


def _burst(port: int, hotlines: dict, requests: int, application_name: str) -> tuple[list, int]:
    """``requests`` API reads at once, half per hotline; the most backends the web held meanwhile."""
    peak = [0]
    stop = threading.Event()
    db = connection.settings_dict

    def watch() -> None:
        import psycopg

        with psycopg.connect(host=db["HOST"], port=db["PORT"] or None, user=db["USER"], dbname=db["NAME"],
                             autocommit=True) as conn:  # fmt: skip
            while not stop.is_set():
                (count,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
                ).fetchone()
                peak[0] = max(peak[0], count)
                time.sleep(0.02)

    def read(i: int) -> tuple[str, str, int]:
        code = sorted(hotlines)[i % 2]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/work-orders/",
            headers={"Host": hotlines[code]["host"], "Authorization": f"Bearer {hotlines[code]['key']}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            body = response.read().decode()
            return code, body, response.status

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(max_workers=requests) as pool:
        answers = list(pool.map(read, range(requests)))
    stop.set()
    watcher.join(5)
    return answers, peak[0]


def _each_from_its_own_schema(answers: list, hotlines: dict) -> None:
    for code, body, status in answers:
        other = next(c for c in hotlines if c != code)
        assert status == 200
        assert hotlines[code]["number"] in body
        assert hotlines[other]["number"] not in body


def test_two_hundred_requests_at_once_share_a_bounded_pool(committed_tenants, two_hotlines):
    with _web(processes_database_url(), "web-pool-test") as port:
        answers, peak = _burst(port, two_hotlines, 200, "web-pool-test")

    _each_from_its_own_schema(answers, two_hotlines)
    assert 1 <= peak <= POOL_MAX


@pytest.mark.skipif(not PGBOUNCER, reason="PgBouncer is not installed (Debian package pgbouncer)")
def test_through_pgbouncer_in_session_mode(committed_tenants, two_hotlines):
    db = connection.settings_dict
    port = _free_port()
    tmp_path = Path(tempfile.mkdtemp(prefix="pgbouncer-"))  # a place the other user can reach
    user = _owner_of(db) if os.geteuid() == 0 else ""
    if user:  # PgBouncer refuses to run as root: as root, it runs as the database's own system user
        shutil.chown(tmp_path, user)
    upstream = f"host={db['HOST']} port={db['PORT'] or 5432} dbname={db['NAME']} user={db['USER']}"
    ini = tmp_path / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"{db['NAME']} = {upstream}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {tmp_path / 'users.txt'}\n"
        "pool_mode = session\n"
        f"default_pool_size = {POOL_MAX}\nmax_client_conn = 400\n"
        "ignore_startup_parameters = application_name\n"
        f"logfile = {tmp_path / 'pgbouncer.log'}\npidfile = {tmp_path / 'pgbouncer.pid'}\n"
    )
    (tmp_path / "users.txt").write_text(f'"{db["USER"]}" ""\n')
    bouncer = subprocess.Popen([PGBOUNCER, *(["-u", user] if user else []), str(ini)])
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert bouncer.poll() is None, (tmp_path / "pgbouncer.log").read_text()
            time.sleep(0.1)
        with _web(f"postgresql://{db['USER']}@127.0.0.1:{port}/{db['NAME']}", "web-bouncer-test") as web_port:
            answers, _peak = _burst(web_port, two_hotlines, 200, "web-bouncer-test")
    finally:
        bouncer.terminate()
        bouncer.wait(10)
        shutil.rmtree(tmp_path, ignore_errors=True)

    _each_from_its_own_schema(answers, two_hotlines)
