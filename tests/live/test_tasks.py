"""Side effects are Celery tasks: a real worker on a real broker dispatches, delivers, e-mails and
texts; the sweep queues again what a lost message left waiting."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery import current_app
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django_tenants.utils import tenant_context
from tenant_schemas_celery.app import CeleryApp

from config.actor import Actor
from hotline.models import OwnerSms, RelayedEvent
from hotline.services.work_orders import work_order_create
from live.relay import relay_everywhere
from live.tasks import dispatch_sweep, outbound_sweep
from notifications.models import Notification, WebhookDelivery
from notifications.webhooks import webhook_endpoint_create
from tenants.models import Role

from ..conftest import celery_on, join, parts_intake, person, run_relay_while, wait_for
from ..notifications.test_webhooks import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def _rabbitmq_here() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture(params=["redis", "rabbitmq"])
def celery_app(request) -> Iterator[CeleryApp]:
    """The project's Celery app on one broker: Redis (the default) or RabbitMQ (when it runs here)."""
    if request.param == "rabbitmq" and not _rabbitmq_here():
        pytest.skip("no RabbitMQ on 127.0.0.1:5672")
    broker = RABBITMQ if request.param == "rabbitmq" else None
    with celery_on(broker, f"complaint_desk_{request.param}") as app:
        yield app


@pytest.fixture
def worker(celery_app, committed_tenants) -> Iterator[None]:
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield


@pytest.fixture
def world(manufacturer, tmp_path, settings):
    """A dealer with a crew and a webhook; a hotline with a webhook; texts to a file, e-mails kept."""
    settings.SMS_FILE = str(tmp_path / "sms.jsonl")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    receiver = Receiver()
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    crm = person("crm", dealer, Role.DEALER_CRM_MANAGER)
    crm.email = "crm@junda.example"
    crm.save()
    with tenant_context(manufacturer.hotline):
        webhook_endpoint_create(url=receiver.url, event_kinds=["work_order.dispatched"])
    with tenant_context(dealer):
        webhook_endpoint_create(url=receiver.url, event_kinds=["work_order.dispatched"])
    yield {
        "manufacturer": manufacturer,
        "dealer": dealer,
        "receiver": receiver,
        "sms": tmp_path / "sms.jsonl",
    }
    receiver.close()


def record_and_relay(world) -> None:
    manufacturer = world["manufacturer"]
    agent = Actor(user_id=1, name="李娜", tenant_id=manufacturer.hotline_id, role="hotline_agent")
    with tenant_context(manufacturer.hotline):
        work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=world["dealer"].pk)
        )
    relay_everywhere()


def test_a_real_worker_does_every_side_effect_of_a_new_work_order(worker, world):
    record_and_relay(world)

    hotline, dealer = world["manufacturer"].hotline, world["dealer"]
    assert wait_for(lambda: len(world["receiver"].requests) == 2)  # the hotline's and the dealer's
    assert wait_for(lambda: world["sms"].exists() and world["sms"].read_text().count("\n") == 1)
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == ["crm@junda.example"]
    with tenant_context(dealer):
        assert list(Notification.objects.values_list("kind", flat=True)) == ["work_order.dispatched"]
        assert wait_for(lambda: WebhookDelivery.objects.get().status == "delivered")
    with tenant_context(hotline):
        assert not RelayedEvent.objects.filter(dispatched_at__isnull=True).exists()
        # The text leaves before its row says so: the worker commits "sent" just after.
        assert wait_for(lambda: OwnerSms.objects.get().status == "sent")
    assert {json.loads(r["body"])["kind"] for r in world["receiver"].requests} == {"work_order.dispatched"}


@contextmanager
def broker_away() -> Iterator[None]:
    """Queuing goes to a broker that is not there (as when Redis is down); the rows are written."""
    working = current_app._get_current_object()
    nowhere = CeleryApp("complaint_desk_nowhere")
    nowhere.config_from_object("django.conf:settings", namespace="CELERY")
    nowhere.conf.broker_url = "redis://127.0.0.1:1/0"
    nowhere.set_current()
    try:
        yield
    finally:
        working.set_current()
        nowhere.close()


def _dispatched(hotline) -> bool:
    with tenant_context(hotline):
        return not RelayedEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_what_a_lost_message_left_waiting_is_queued_again_by_the_sweeps(worker, world, settings):
    """The broker took nothing: the rows wait; the sweeps (beat) queue them; each is done once."""
    settings.OUTBOUND_LEASE_SECONDS = 0
    hotline = world["manufacturer"].hotline
    with broker_away():
        record_and_relay(world)  # neither the dispatch nor anything after it can be queued
    assert not _dispatched(hotline)

    dispatch_sweep()
    assert wait_for(lambda: _dispatched(hotline))
    outbound_sweep()
    outbound_sweep()  # twice: a row queued twice is still sent once

    assert wait_for(lambda: len(world["receiver"].requests) == 2)
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert wait_for(lambda: world["sms"].exists() and world["sms"].read_text().count("\n") >= 1)
    time.sleep(1)  # anything sent twice would have arrived by now
    assert len(world["receiver"].requests) == 2
    assert world["sms"].read_text().count("\n") == 1


def test_the_relay_process_queues_one_dispatch_for_passes_close_together_and_loses_none(redis_worker, world):
    """A hotline's first relayed events are dispatched at once; events relayed within the hold
    after that go out together in one task when it is up; what is still held when the relay
    stops goes out on its way out. Every event's side effects happen, each once."""
    from celery.signals import before_task_publish

    from hotline.models import Outbox
    from hotline.vin import with_check_digit
    from live.dispatch import DISPATCH_TASK

    from ..conftest import VIN, owner, vehicle

    manufacturer, dealer = world["manufacturer"], world["dealer"]
    hotline = manufacturer.hotline
    agent = Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent")
    queued: list[list[int]] = []
    seen: dict[str, object] = {}

    def count(sender=None, body=None, **_):
        if sender == DISPATCH_TASK:
            queued.append(body[0][0])

    def record(n: int) -> set[int]:
        """A work order recorded (its own owner and vehicle) and relayed; its events' ids."""
        with tenant_context(hotline):
            work_order = work_order_create(
                manufacturer=manufacturer,
                actor=agent,
                intake=parts_intake(
                    dealer_id=dealer.pk,
                    owner=owner(mobile=f"1380256{n:04d}"),
                    vehicle=vehicle(vin=with_check_digit(f"{VIN[:13]}{n:04d}"), plate=""),
                ),
            )
            assert wait_for(lambda: not Outbox.objects.exists(), 10)
            return set(
                RelayedEvent.objects.filter(event__work_order=work_order).values_list("event_id", flat=True)
            )

    def dispatched(ids: set[int]) -> bool:
        with tenant_context(hotline):
            return not RelayedEvent.objects.filter(event_id__in=ids, dispatched_at__isnull=True).exists()

    def drive() -> None:
        time.sleep(1)  # the relay listens
        first = record(1)
        seen["first_at_once"] = wait_for(lambda: len(queued) == 1, 2)  # queued, not held (10 s)
        second, third = record(2), record(3)
        seen["held"] = not dispatched(second) and not dispatched(third) and len(queued) == 1
        seen["together"] = wait_for(lambda: dispatched(first | second | third), 25)
        seen["queued"] = [set(ids) for ids in queued]
        seen["events"] = (first, second | third)
        fourth = record(4)
        seen["fourth"] = fourth
        seen["fourth_held"] = len(queued) == 2

    before_task_publish.connect(count)
    try:
        run_relay_while(drive, "--poll", "0.5", "--dispatch-hold", "10")
    finally:
        before_task_publish.disconnect(count)

    assert seen["first_at_once"]
    assert seen["held"]
    assert seen["together"]
    assert seen["queued"] == list(seen["events"])  # two tasks: the first's, then the next two's
    assert seen["fourth_held"]
    assert wait_for(lambda: dispatched(seen["fourth"]), 10)  # held at the stop: queued on the way out
    assert [set(ids) for ids in queued[2:]] == [seen["fourth"]]
    with tenant_context(dealer):
        told = list(Notification.objects.values_list("kind", flat=True))
    assert told.count("work_order.dispatched") == 4  # each work order once


def test_held_dispatch_tasks_go_when_the_hold_is_up_in_tasks_of_a_batch_at_most(redis_worker, world):
    """The relay's hold, on a clock of the test's own: a hotline's events after a quiet spell go at
    once, those within the hold wait for its end (however many passes add to them), and a burst
    goes as tasks of one batch each."""
    from celery.signals import before_task_publish

    from live.dispatch import DISPATCH_TASK
    from live.relay import BATCH, Dispatches

    hotline = world["manufacturer"].hotline
    now = [100.0]
    dispatches = Dispatches(hold=0.5, clock=lambda: now[0])
    queued: list[list[int]] = []

    def count(sender=None, body=None, headers=None, **_):
        if sender == DISPATCH_TASK:
            assert headers["_schema_name"] == hotline.schema_name
            queued.append(body[0][0])

    before_task_publish.connect(count)
    try:
        dispatches.add(hotline, [1, 2])
        assert queued == [[1, 2]]
        assert dispatches.next_in() is None
        now[0] += 0.1
        dispatches.add(hotline, [3])
        now[0] += 0.2
        dispatches.add(hotline, [4])
        dispatches.flush()
        assert queued == [[1, 2]]
        assert dispatches.next_in() == pytest.approx(0.2)
        now[0] += 0.2
        dispatches.flush()
        assert queued == [[1, 2], [3, 4]]
        assert dispatches.next_in() is None

        now[0] += 0.1  # within the hold again: a burst goes at once, a batch a task
        dispatches.add(hotline, list(range(10, 10 + BATCH + 7)))
        assert queued[2:] == [list(range(10, 10 + BATCH)), list(range(10 + BATCH, 10 + BATCH + 7))]

        now[0] += 0.1
        dispatches.add(hotline, [5])
        now[0] += 1.0  # a long pass kept the loop from flushing: the next add sends it all
        dispatches.add(hotline, [6])
        assert queued[4:] == [[5, 6]]

        now[0] += 0.1
        dispatches.add(hotline, [7])
        dispatches.flush(everything=True)  # on the way out
        assert queued[5:] == [[7]]
        assert dispatches.next_in() is None
    finally:
        before_task_publish.disconnect(count)


def test_events_of_several_hotlines_relayed_close_together_go_in_one_task_and_are_each_told_once(
    redis_worker, world
):
    """The relay process holds its dispatch tasks across hotlines: after the first events (queued
    at once, in their hotline), what several hotlines relay within the hold goes as one task, and
    a real worker dispatches each hotline's events in its own schema, once."""
    from celery.signals import before_task_publish

    from hotline.vin import with_check_digit
    from live.dispatch import DISPATCH_MANY_TASK, DISPATCH_TASK
    from live.relay import Dispatches
    from tenants.services.provisioning import manufacturer_create, parts_centre_create, region_create

    from ..conftest import VIN, owner, vehicle

    first = world["manufacturer"]
    second = manufacturer_create(code="DY", name="东岳汽车", slug="dongyue", work_order_prefix="DY")
    centre = parts_centre_create(manufacturer=second, code="PC-DY", name="东岳华南配件中心")
    region_create(manufacturer=second, code="SOUTH", name="华南大区", parts_centre=centre)
    dealers = {first.pk: world["dealer"], second.pk: join(second, "sz-dongyue", "DY-GD-001").dealer}
    person("dy.crm", dealers[second.pk], Role.DEALER_CRM_MANAGER)
    now = [100.0]
    dispatches = Dispatches(hold=0.5, clock=lambda: now[0])
    queued: list[tuple[str, list]] = []

    def count(sender=None, body=None, **_):
        if sender in (DISPATCH_TASK, DISPATCH_MANY_TASK):
            queued.append((sender, body[0][0]))

    def record(manufacturer, n: int) -> None:
        agent = Actor(user_id=1, name="李娜", tenant_id=manufacturer.hotline_id, role="hotline_agent")
        with tenant_context(manufacturer.hotline):
            work_order_create(
                manufacturer=manufacturer,
                actor=agent,
                intake=parts_intake(
                    dealer_id=dealers[manufacturer.pk].pk,
                    owner=owner(mobile=f"1380256{n:04d}"),
                    vehicle=vehicle(vin=with_check_digit(f"{VIN[:13]}{n:04d}"), plate=""),
                ),
            )

    before_task_publish.connect(count)
    try:
        record(first, 1)
        relay_everywhere(dispatches=dispatches)
        assert [name for name, _ in queued] == [DISPATCH_TASK]  # after a quiet spell: at once
        now[0] += 0.1
        record(second, 2)
        record(first, 3)
        relay_everywhere(dispatches=dispatches)
        dispatches.flush()
        assert len(queued) == 1  # held
        now[0] += 0.5
        dispatches.flush()
    finally:
        before_task_publish.disconnect(count)

    assert [name for name, _ in queued] == [DISPATCH_TASK, DISPATCH_MANY_TASK]
    assert sorted(schema for schema, _ in queued[1][1]) == sorted(
        [first.hotline.schema_name, second.hotline.schema_name]
    )
    for manufacturer in (first, second):
        assert wait_for(lambda m=manufacturer: _dispatched(m.hotline))
    time.sleep(1)  # anything dispatched twice would have been told by now
    for manufacturer, work_orders in ((first, 2), (second, 1)):
        with tenant_context(dealers[manufacturer.pk]):
            told = list(Notification.objects.values_list("kind", flat=True))
        assert told.count("work_order.dispatched") == work_orders
