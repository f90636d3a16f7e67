"""Webhooks: signed deliveries from the relay, retried with back-off, logged, replayable."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.services.work_orders import work_order_create
from live.relay import relay_everywhere
from live.tasks import outbound_sweep
from notifications.models import WebhookDelivery
from notifications.webhooks import webhook_delivery_replay, webhook_endpoint_create
from tenants.models import WebhookBacklog

from ..conftest import dispatch_relayed, join, parts_intake, work_outbound

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP server on 127.0.0.1 that records requests; ``/flaky`` fails the first N."""

    def __init__(self, failures: int = 0) -> None:
        self.requests: list[dict] = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                flaky = self.path == "/flaky" and receiver.failures > 0
                receiver.failures -= flaky
                status = 500 if flaky else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def setup(manufacturer, receiver):
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    with tenant_context(manufacturer.hotline):
        hotline_hook = webhook_endpoint_create(url=receiver.url, event_kinds=["work_order.dispatched"])
    with tenant_context(dealer):
        dealer_hook = webhook_endpoint_create(url=receiver.url)
    agent = Actor(user_id=1, name="李娜", tenant_id=manufacturer.hotline_id, role="hotline_agent")
    with tenant_context(manufacturer.hotline):
        work_order = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=dealer.pk)
        )
    relay_everywhere()
    dispatch_relayed()
    return {
        "dealer": dealer,
        "hotline_hook": hotline_hook,
        "dealer_hook": dealer_hook,
        "work_order": work_order,
        "hotline": manufacturer.hotline,
    }


def test_signed_deliveries_reach_each_tenants_endpoint(setup, receiver):
    work_outbound()

    by_secret: dict[str, list] = {}
    for request in receiver.requests:
        for name in ("hotline_hook", "dealer_hook"):
            hook = setup[name]
            expected = (
                "sha256="
                + hmac.new(
                    hook.secret.encode(),
                    request["headers"]["X-Timestamp"].encode() + b"." + request["body"],
                    hashlib.sha256,
                ).hexdigest()
            )
            if hmac.compare_digest(expected, request["headers"]["X-Signature"]):
                by_secret.setdefault(name, []).append(json.loads(request["body"]))
    hotline_kinds = [m["kind"] for m in by_secret["hotline_hook"]]
    dealer_kinds = [m["kind"] for m in by_secret["dealer_hook"]]
    assert hotline_kinds == ["work_order.dispatched"]  # it asked for that event only
    assert dealer_kinds[:2] == ["work_order.created", "work_order.dispatched"]
    assert len(receiver.requests) == 1 + len(dealer_kinds)
    outbound_sweep()  # nothing left to send: the sweep takes the tenants off the backlog
    assert not WebhookBacklog.objects.exists()


def test_a_failing_receiver_is_retried_with_back_off_and_logged(setup, receiver):
    receiver.failures = 2
    now = timezone.now()
    with tenant_context(setup["hotline"]):
        hook = setup["hotline_hook"]
        hook.url = receiver.url.replace("/hook", "/flaky")
        hook.save()
        delivery = WebhookDelivery.objects.get()

    work_outbound(now)  # fails: retry in 30 s
    with tenant_context(setup["hotline"]):
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == now + dt.timedelta(seconds=30)
    before = len(receiver.requests)
    work_outbound(now + dt.timedelta(seconds=10))  # not due yet
    assert len(receiver.requests) == before
    work_outbound(now + dt.timedelta(seconds=31))  # fails again: retry in 60 s
    with tenant_context(setup["hotline"]):
        delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + dt.timedelta(seconds=91)
    work_outbound(now + dt.timedelta(seconds=92))  # succeeds

    with tenant_context(setup["hotline"]):
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 204)


def test_an_event_queued_twice_is_delivered_once(setup, receiver):
    from notifications.webhooks import webhooks_enqueue

    work_outbound()
    first = len(receiver.requests)
    with tenant_context(setup["hotline"]):
        payload = WebhookDelivery.objects.get().payload
        queued = webhooks_enqueue(setup["hotline"].pk, setup["hotline"].pk, [payload])
        rows = WebhookDelivery.objects.count()
    work_outbound()

    assert queued == 1  # offered again ...
    assert rows == 1  # ... but the delivery exists once
    assert len(receiver.requests) == first


def test_a_delivery_can_be_replayed_by_hand(setup, receiver):
    work_outbound()
    with tenant_context(setup["hotline"]):
        delivery = WebhookDelivery.objects.get()
        webhook_delivery_replay(delivery.pk)
    work_outbound()

    with tenant_context(setup["hotline"]):
        delivery.refresh_from_db()
    assert delivery.attempts == 2
    hotline_requests = [
        r for r in receiver.requests if r["headers"]["X-Event-Kind"] == "work_order.dispatched"
    ]
    assert len(hotline_requests) == 3  # hotline twice, dealer once


def test_production_endpoints_must_be_https(settings, hotline):
    settings.WEBHOOKS_REQUIRE_HTTPS = True

    with tenant_context(hotline), pytest.raises(ValidationError) as caught:
        webhook_endpoint_create(url="http://example.invalid/hook")

    assert "url" in caught.value.message_dict


def test_a_redirect_is_a_failed_attempt_not_a_delivery(setup, receiver):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(302)
            self.send_header("Location", receiver.url)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tenant_context(setup["hotline"]):
            hook = setup["hotline_hook"]
            hook.url = f"http://127.0.0.1:{server.server_address[1]}/moved"
            hook.save()
        work_outbound()
        with tenant_context(setup["hotline"]):
            delivery = WebhookDelivery.objects.get()
    finally:
        server.shutdown()
        server.server_close()
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)


def test_one_work_orders_deliveries_reach_an_endpoint_in_order(setup, receiver):
    receiver.failures = 1
    now = timezone.now()
    with tenant_context(setup["dealer"]):
        hook = setup["dealer_hook"]
        hook.url = receiver.url.replace("/hook", "/flaky")
        hook.save()
        first, second = list(WebhookDelivery.objects.order_by("id"))[:2]

    work_outbound(now)  # the first fails; the second must wait behind it

    with tenant_context(setup["dealer"]):
        first.refresh_from_db()
        second.refresh_from_db()
    assert (first.status, first.attempts) == ("pending", 1)
    assert (second.status, second.attempts) == ("pending", 0)
    work_outbound(now + dt.timedelta(seconds=31))
    kinds = [json.loads(r["body"])["kind"] for r in receiver.requests if r["path"] == "/flaky"]
    with tenant_context(setup["dealer"]):
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    # The failed first event was sent again before anything after it.
    assert kinds[:3] == ["work_order.created", "work_order.created", "work_order.dispatched"]
