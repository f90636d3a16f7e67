"""``migrate_tenants`` run as an operator runs it: a child process over many dealer schemas.

Each test gets a database of its own, copied from one prepared per module: the
public schema, the templates and a dozen dealer schemas migrated with phase ``a`` of
``rollout_app`` (one table). The test then runs the command with phase ``b`` (an
additive migration) or ``c`` (one with ``RunPython``) and reads the result from
the database. The app logs every ``post_migrate`` signal with the schema it was
sent in, which tells the per-schema (normal) path from the fast path.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEALERS = [f"rt_d{i:03d}" for i in range(12)]
SEED = """
from tenants.services.provisioning import DealerSpec, dealer_provision, manufacturer_create, region_create
m = manufacturer_create(code="RT", name="Rollout Motors", slug="rollout-motors", work_order_prefix="RT")
region_create(manufacturer=m, code="SOUTH", name="South")
for i in range({count}):
    spec = DealerSpec("RT", f"RT-{{i:03d}}", f"rt-d{{i:03d}}", f"Dealer {{i}}", "SOUTH", "广东", "广州")
    dealer_provision(spec)
"""

pytestmark = pytest.mark.slow


def server_url(database: str) -> str:
    """A URL for ``database`` on the server the test database lives on."""
    db = settings.DATABASES["default"]
    user = quote(db["USER"] or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{user}{password}@{quote(db['HOST'], safe='')}{port}/{database}"


def connect(database: str, **kwargs) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=database,
        user=db["USER"] or "postgres",
        password=db.get("PASSWORD") or None,
        host=db["HOST"] or None,
        port=db.get("PORT") or None,
        **kwargs,
    )


def child_env(database: str, phase: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.tenants.rollout_settings",
        "DATABASE_URL": server_url(database),
        "ROLLOUT_PHASE": phase,
        "TENANT_ROLLOUT_BATCH_SIZE": "3",
        **extra,
    }


def manage(database: str, *args: str, phase: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=child_env(database, phase, **(env or {})),
        text=True,
        capture_output=True,
        check=False,
    )


def create_database(name: str, template: str | None = None) -> None:
    with connect("postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def drop_database(name: str) -> None:
    with connect("postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_name() -> str:
    return f"test_{settings.DATABASES['default']['NAME'].removeprefix('test_')}_rollout"[:50]


@pytest.fixture(scope="module")
def prepared() -> Iterator[str]:
    """A database with the public schema, the templates and 12 dealers, all at phase a."""
    name = base_name()
    create_database(name)
    for args in (
        ["migrate_tenants", "--executor", "standard", "-v", "0"],
        ["shell", "-c", SEED.format(count=12)],
    ):
        done = manage(name, *args, phase="a")
        assert done.returncode == 0, done.stderr
    yield name
    drop_database(name)


@dataclass
class Rollout:
    database: str
    signal_log: Path

    def run(
        self, phase: str = "b", *args: str, executor: str = "standard", env: dict[str, str] | None = None
    ):
        self.signal_log.write_text("")
        return manage(
            self.database,
            "migrate_tenants",
            "--executor",
            executor,
            *args,
            phase=phase,
            env={"ROLLOUT_SIGNAL_LOG": str(self.signal_log), **(env or {})},
        )

    def post_migrate_schemas(self) -> list[str]:
        """The tenant schemas that received a post_migrate signal of their own."""
        return [s for s in self.signal_log.read_text().split() if s in DEALERS]

    def sql(self, statement: str) -> list[tuple]:
        with connect(self.database, autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def with_migration(self, name: str) -> set[str]:
        """Dealer schemas that record ``rollout_app.<name>``."""
        found = set()
        for schema in DEALERS:
            rows = self.sql(
                f"SELECT 1 FROM {schema}.django_migrations WHERE app = 'rollout_app' AND name = '{name}'"  # noqa: S608
            )
            if rows:
                found.add(schema)
        return found

    def complete(self, schema: str) -> bool:
        """Everything the additive migration makes is in ``schema``, as in the template."""
        return self.objects(schema) == self.objects("template_dealer")

    def objects(self, schema: str) -> tuple:
        columns = self.sql(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "  # noqa: S608
            f"WHERE table_schema = '{schema}' AND table_name LIKE 'rollout_app%' ORDER BY 1, 2"
        )
        indexes = self.sql(f"SELECT indexname FROM pg_indexes WHERE schemaname = '{schema}' ORDER BY 1")  # noqa: S608
        return tuple(columns), tuple(indexes)


@pytest.fixture
def rollout(prepared: str, tmp_path: Path) -> Iterator[Rollout]:
    name = f"{prepared}_t"
    create_database(name, template=prepared)
    yield Rollout(name, tmp_path / "post_migrate.log")
    drop_database(name)


def section(output: str, title: str) -> list[str]:
    """The indented lines under a heading of the command's report."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(title):
            found = []
            for item in lines[i + 1 :]:
                if not item.startswith("  "):
                    break
                found.append(item.strip())
            return found
    return []


def test_an_additive_migration_reaches_every_dealer_with_one_post_migrate(rollout: Rollout):
    done = rollout.run("b")

    assert done.returncode == 0, done.stderr
    assert rollout.with_migration("0002_additive") == set(DEALERS)
    assert all(rollout.complete(schema) for schema in DEALERS)
    # The fast path sends post_migrate once for the rollout, never once per schema.
    assert rollout.post_migrate_schemas() == []
    assert "12 of 13 tenant schemas have migrations to apply" in done.stdout
    again = rollout.run("b")
    assert "0 of 13 tenant schemas have migrations to apply" in again.stdout


def test_a_schema_whose_recorded_migrations_differ_takes_the_normal_path_and_ends_correct(rollout: Rollout):
    rollout.sql(
        "INSERT INTO rt_d003.django_migrations (app, name, applied) "
        "VALUES ('rollout_app', '0001_hotfix', now())"
    )

    done = rollout.run("b")

    assert done.returncode == 0, done.stderr
    assert rollout.with_migration("0002_additive") == set(DEALERS)
    assert all(rollout.complete(schema) for schema in DEALERS)
    assert rollout.post_migrate_schemas() == ["rt_d003"]
    assert [line.split(":")[0] for line in section(done.stdout, "Fell back to the normal path")] == [
        "rt_d003"
    ]


def test_a_schema_whose_tables_differ_from_the_template_falls_back_and_ends_correct(rollout: Rollout):
    rollout.sql("ALTER TABLE rt_d005.rollout_app_servicevisit ADD COLUMN legacy_code text")

    done = rollout.run("b")

    assert done.returncode == 0, done.stderr
    assert rollout.with_migration("0002_additive") == set(DEALERS)
    assert all(rollout.complete(schema) for schema in DEALERS if schema != "rt_d005")
    legacy = rollout.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'rt_d005' "
        "AND table_name = 'rollout_app_servicevisit' ORDER BY 1"
    )
    assert [c for (c,) in legacy] == ["at", "channel", "id", "legacy_code", "plate", "walk_in"]
    assert rollout.post_migrate_schemas() == ["rt_d005"]
    assert [line.split(":")[0] for line in section(done.stdout, "Fell back to the normal path")] == [
        "rt_d005"
    ]


@pytest.mark.parametrize("executor", ["standard", "multiprocessing"])
def test_a_failing_schema_is_reported_and_the_others_complete(rollout: Rollout, executor: str):
    rollout.sql("DROP TABLE rt_d007.rollout_app_servicevisit")

    done = rollout.run("b", executor=executor)

    assert done.returncode != 0
    assert rollout.with_migration("0002_additive") == set(DEALERS) - {"rt_d007"}
    assert all(rollout.complete(schema) for schema in DEALERS if schema != "rt_d007")
    failed = section(done.stdout + done.stderr, "Failed")
    assert len(failed) == 1
    assert failed[0].startswith("rt_d007:")
    assert "does not exist" in failed[0]


def test_a_migration_that_runs_python_takes_the_normal_path_everywhere(rollout: Rollout):
    assert rollout.run("b").returncode == 0

    done = rollout.run("c")

    assert done.returncode == 0, done.stderr
    assert rollout.with_migration("0003_fill_channel") == set(DEALERS)
    assert sorted(rollout.post_migrate_schemas()) == DEALERS


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "pod-stopped"])
def test_an_interrupted_rollout_resumes_where_it_stopped(rollout: Rollout, stop: signal.Signals):
    # A dealer's open transaction holds a lock on the table the migration alters, so the
    # rollout waits there until the operator presses Ctrl-C or Kubernetes stops the Job's pod.
    blocker = connect(rollout.database)
    blocker.execute("LOCK TABLE rt_d007.rollout_app_servicevisit IN ACCESS SHARE MODE")
    rollout.signal_log.write_text("")
    child = subprocess.Popen(
        [sys.executable, "manage.py", "migrate_tenants", "--executor", "standard"],
        cwd=ROOT,
        env=child_env(rollout.database, "b", TENANT_ROLLOUT_LOCK_TIMEOUT="10min"),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not rollout.sql(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        ):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the rollout never reached the locked schema"
            time.sleep(0.2)
        child.send_signal(stop)
        out, _err = child.communicate(timeout=60)
    finally:
        blocker.close()
        if child.poll() is None:
            child.kill()

    assert child.returncode != 0
    assert "Interrupted: 6 schemas migrated and committed" in out
    first = rollout.with_migration("0002_additive")
    # Schemas are taken in name order, three to a transaction: the two batches before
    # the one holding rt_d007 were committed, that one was rolled back.
    assert first == set(DEALERS[:6])

    done = rollout.run("b")

    assert done.returncode == 0, done.stderr
    assert "6 of 13 tenant schemas have migrations to apply" in done.stdout
    assert rollout.with_migration("0002_additive") == set(DEALERS)
    assert all(rollout.complete(schema) for schema in DEALERS)


def test_a_lock_timeout_that_is_not_a_duration_is_refused_before_anything_is_migrated(rollout: Rollout):
    done = rollout.run("b", env={"TENANT_ROLLOUT_LOCK_TIMEOUT": "five seconds"})

    assert done.returncode != 0
    assert "TENANT_ROLLOUT_LOCK_TIMEOUT" in done.stderr
    assert rollout.with_migration("0002_additive") == set()
    template = (
        "SELECT 1 FROM template_dealer.django_migrations WHERE app = 'rollout_app' AND name = '0002_additive'"
    )
    assert rollout.sql(template) == []
