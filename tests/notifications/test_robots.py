"""Group-chat robots: news posted to WeCom and DingTalk, signed, within size and rate, digests,
throttles respected, one robot's failure isolated, the sweep, and each tenant's robots its own."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.services.work_orders import work_order_create
from live.relay import relay_everywhere
from live.tasks import outbound_sweep
from notifications.models import Notification, RobotDelivery
from notifications.robots import (
    MARKDOWN_BYTES,
    TEXT_BYTES,
    robot_create,
    robot_delivery_attempt,
    robot_test_send,
    robots_enqueue,
    utf8_cut,
)
from notifications.tasks import robot_delivery_send
from tenants.models import Role, WebhookBacklog

from ..conftest import client_for, dispatch_relayed, join, parts_intake, person

pytestmark = pytest.mark.django_db

KINDS = ["work_order.dispatched", "clock.warning", "clock.breached", "dealer.assigned"]
KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
TOKEN = "c0ffee0123456789"
SECRET = "SEC000000000000000000000000000000000000000000000000000000000000000"


class FakeRobot:
    """A local WeCom/DingTalk robot: checks what the real one checks (the key or token, DingTalk's
    signature and the timestamp's freshness, the content's bytes, 20 messages a minute) and
    answers as they do (``errcode`` 0, or the throttle's 45009 / 130101)."""

    def __init__(self, kind: str, *, secret: str = "", down: bool = False) -> None:
        self.kind, self.secret, self.down = kind, secret, down
        self.received: list[dict] = []
        self.refused: list[int] = []
        self.sent_at: list[float] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                code, message = fake.check(self.path, body)
                if fake.down:
                    self.send_response(502)
                    self.end_headers()
                    return
                reply = json.dumps({"errcode": code, "errmsg": message}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        port = self.server.server_address[1]
        if kind == "wecom":
            self.url = f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={KEY}"
        else:
            self.url = f"http://127.0.0.1:{port}/robot/send?access_token={TOKEN}"

    def check(self, path: str, body: bytes) -> tuple[int, str]:
        query = parse_qs(urlsplit(path).query)
        message = json.loads(body)
        if self.kind == "wecom":
            if query.get("key") != [KEY]:
                return self.refuse(93000, "invalid webhook url")
        else:
            if query.get("access_token") != [TOKEN]:
                return self.refuse(300001, "token is not exist")
            if self.secret:
                stamp = (query.get("timestamp") or ["0"])[0]
                expected = base64.b64encode(
                    hmac.new(
                        self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256
                    ).digest()
                ).decode()
                if abs(time.time() * 1000 - int(stamp)) > 3600 * 1000:
                    return self.refuse(310000, "timestamp expired")
                if query.get("sign") != [expected]:
                    return self.refuse(310000, "sign not match")
        kind = message["msgtype"]
        content = message[kind].get("content") or message[kind].get("text") or ""
        if len(content.encode()) > (TEXT_BYTES if kind == "text" else MARKDOWN_BYTES):
            return self.refuse(40058, "content exceed max length")
        now = time.time()
        if len([t for t in self.sent_at if t > now - 60]) >= 20:
            return self.refuse(45009 if self.kind == "wecom" else 130101, "send too fast")
        self.sent_at.append(now)
        self.received.append(message)
        return 0, "ok"

    def refuse(self, code: int, message: str) -> tuple[int, str]:
        self.refused.append(code)
        return code, message

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _fresh_limits():
    redis.Redis.from_url(settings.REDIS_URL).flushdb()


@pytest.fixture
def wecom():
    fake = FakeRobot("wecom")
    yield fake
    fake.close()


@pytest.fixture
def dingtalk():
    fake = FakeRobot("dingtalk", secret=SECRET)
    yield fake
    fake.close()


@pytest.fixture
def junda(manufacturer):
    dealer = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    crm = person("junda.crm", dealer, Role.DEALER_CRM_MANAGER)
    crm.mobile = "13800000001"
    crm.save()
    return {"manufacturer": manufacturer, "dealer": dealer, "crm": crm}


def register(tenant, fake: FakeRobot, kinds=KINDS, **changes):
    with tenant_context(tenant):
        return robot_create(
            kind=fake.kind,
            name=changes.pop("name", f"{fake.kind} 群"),
            url=changes.pop("url", fake.url),
            secret=changes.pop("secret", fake.secret),
            event_kinds=kinds,
            known_kinds=KINDS,
        )


def record(junda) -> str:
    manufacturer = junda["manufacturer"]
    agent = Actor(user_id=1, name="李娜", tenant_id=manufacturer.hotline_id, role="hotline_agent")
    with tenant_context(manufacturer.hotline):
        work_order = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=junda["dealer"].pk)
        )
    relay_everywhere()
    dispatch_relayed()
    return work_order.number


def send_due(tenant, now=None) -> None:
    with tenant_context(tenant):
        for delivery_id in RobotDelivery.objects.filter(status="pending").values_list("pk", flat=True):
            robot_delivery_attempt(delivery_id, now=now)


def news(n: int, number: str = "HQ20261201-00001") -> list[dict]:
    return [
        {
            "stream": 1,
            "event_id": 1000 + i,
            "kind": "clock.warning",
            "number": number,
            "manufacturer_code": "HQ",
            "facts": {
                "by": "system",
                "data": {"clock_kind": "first_contact", "due_at": "2026-12-01T18:00:00+08:00"},
                "labels": {"clock_kind": "First contact"},
            },
            "title": number,
            "at": timezone.now(),
            "named": [],
        }
        for i in range(n)
    ]


def test_a_new_work_order_reaches_the_dealers_wecom_group_with_what_happened_and_a_link(junda, wecom):
    register(junda["dealer"], wecom)
    number = record(junda)
    send_due(junda["dealer"])

    assert len(wecom.received) == 1
    content = wecom.received[0]["markdown"]["content"]
    assert f"李娜 将新工单 {number} 派给 gz-junda 4S店" in content
    assert f"gz-junda.{settings.BASE_DOMAIN}" in content
    assert f"/work-orders/HQ/{number}/" in content
    with tenant_context(junda["dealer"]):
        delivery = RobotDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 1, "")


def test_a_dingtalk_robot_gets_signed_messages_and_a_wrong_secret_is_logged(junda, dingtalk):
    register(junda["dealer"], dingtalk)
    wrong = register(junda["dealer"], dingtalk, name="错误密钥", secret="SECwrong")
    record(junda)
    send_due(junda["dealer"])

    assert len(dingtalk.received) == 1  # the right secret's
    assert dingtalk.received[0]["msgtype"] == "markdown"
    assert 310000 in dingtalk.refused
    with tenant_context(junda["dealer"]):
        failed = RobotDelivery.objects.get(robot=wrong)
    assert failed.status == "pending"
    assert failed.attempts == 1
    assert "310000" in failed.last_error
    assert failed.next_attempt_at > timezone.now()


def test_an_assignment_mentions_the_assignee_by_mobile_unless_they_turned_it_off(junda, wecom):
    from dealers.gateway import DealerGateway
    from notifications.models import NotificationChannels

    register(junda["dealer"], wecom)
    number = record(junda)
    send_due(junda["dealer"])
    manager = Actor(user_id=None, name="张伟", tenant_id=junda["dealer"].pk, role="service_manager")
    with tenant_context(junda["dealer"]):
        DealerGateway(junda["dealer"]).act("assign", "HQ", number, actor=manager, assignee_id=junda["crm"].pk)
    send_due(junda["dealer"])
    text = wecom.received[-1]["text"]
    assert text["mentioned_mobile_list"] == ["13800000001"]
    assert f"系统 将工单 {number} 分派给 junda.crm" in text["content"]
    with tenant_context(junda["dealer"]):
        told = Notification.objects.get(kind="dealer.assigned")
        assert told.user_id == junda["crm"].pk

        NotificationChannels.objects.create(user_id=junda["crm"].pk, robot_mention=False)
        DealerGateway(junda["dealer"]).act("assign", "HQ", number, actor=manager, assignee_id=junda["crm"].pk)
    send_due(junda["dealer"])
    assert wecom.received[-1]["msgtype"] == "markdown"


def test_a_burst_over_twenty_a_minute_is_held_and_sent_as_one_digest(junda, wecom):
    register(junda["dealer"], wecom, kinds=["clock.warning"])
    with tenant_context(junda["dealer"]):
        robots_enqueue(junda["dealer"].pk, news(25))
    now = timezone.now()
    send_due(junda["dealer"], now)

    assert len(wecom.received) == 20
    assert wecom.refused == []
    with tenant_context(junda["dealer"]):
        held = RobotDelivery.objects.filter(status="pending", held=True)
        assert held.count() == 5
        assert all(d.next_attempt_at > now for d in held)
    send_due(junda["dealer"], now + dt.timedelta(seconds=30))  # the minute is still full
    assert len(wecom.received) == 20

    time.sleep(0.1)
    wecom.sent_at.clear()  # the fake's minute passes with ours
    send_due(junda["dealer"], now + dt.timedelta(seconds=61))
    assert len(wecom.received) == 21
    digest = wecom.received[-1]["markdown"]["content"]
    assert "5 条动态" in digest
    assert digest.count("HQ20261201-00001") >= 5
    with tenant_context(junda["dealer"]):
        assert not RobotDelivery.objects.filter(status="pending").exists()
        assert RobotDelivery.objects.filter(digest__isnull=False).count() == 5


def test_a_throttle_answer_blocks_the_robot_and_the_news_waits_for_it(junda, wecom):
    register(junda["dealer"], wecom, kinds=["clock.warning"])
    wecom.sent_at[:] = [time.time()] * 20  # the robot's minute is full elsewhere (another system)
    with tenant_context(junda["dealer"]):
        robots_enqueue(junda["dealer"].pk, news(1))
    now = timezone.now()
    send_due(junda["dealer"], now)
    assert wecom.refused == [45009]
    with tenant_context(junda["dealer"]):
        delivery = RobotDelivery.objects.get()
    assert "45009" in delivery.last_error
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=5)

    with tenant_context(junda["dealer"]):
        robots_enqueue(junda["dealer"].pk, news(2)[1:])
    send_due(junda["dealer"], now + dt.timedelta(seconds=10))  # blocked: not even tried
    assert wecom.refused == [45009]
    assert wecom.received == []

    wecom.sent_at.clear()
    send_due(junda["dealer"], now + dt.timedelta(minutes=5, seconds=1))
    assert len(wecom.received) == 1  # both, in one digest
    with tenant_context(junda["dealer"]):
        assert set(RobotDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_failing_robot_holds_up_neither_another_robot_nor_the_notifications(junda, wecom):
    down = FakeRobot("wecom", down=True)
    try:
        register(junda["dealer"], down, name="坏的")
        register(junda["dealer"], wecom, name="好的")
        record(junda)
        send_due(junda["dealer"])
    finally:
        down.close()
    assert len(wecom.received) == 1
    with tenant_context(junda["dealer"]):
        bad = RobotDelivery.objects.get(robot__name="坏的")
        assert Notification.objects.filter(user_id=junda["crm"].pk).exists()
    assert (bad.status, bad.attempts, bad.last_error) == ("pending", 1, "HTTP 502")


def test_messages_are_cut_to_the_robots_byte_limits_between_characters():
    text = "配" * 3000
    cut = utf8_cut(text, MARKDOWN_BYTES)
    assert len(cut.encode()) <= MARKDOWN_BYTES
    assert cut.endswith("…")
    assert cut[:-1] == "配" * len(cut[:-1])
    assert utf8_cut("short", 10) == "short"


def test_a_long_report_is_posted_within_the_limit(junda, wecom):
    register(junda["dealer"], wecom, kinds=["clock.warning"])
    long_news = news(1)
    long_news[0]["facts"]["labels"] = {"clock_kind": "长" * 3000}
    with tenant_context(junda["dealer"]):
        robots_enqueue(junda["dealer"].pk, long_news)
    send_due(junda["dealer"])
    assert len(wecom.received) == 1
    assert wecom.refused == []


def test_the_sweep_queues_a_delivery_whose_task_was_lost(junda, wecom, settings):
    settings.OUTBOUND_LEASE_SECONDS = 0
    register(junda["dealer"], wecom, kinds=["clock.warning"])
    with tenant_context(junda["dealer"]):
        robots_enqueue(junda["dealer"].pk, news(1))
        RobotDelivery.objects.update(enqueued_at=None)  # its task never reached the broker
    assert WebhookBacklog.objects.filter(tenant_id=junda["dealer"].pk).exists()
    outbound_sweep(now=(timezone.now() + dt.timedelta(seconds=1)).isoformat())
    with tenant_context(junda["dealer"]):
        delivery = RobotDelivery.objects.get()
        assert delivery.enqueued_at is not None  # queued again
        robot_delivery_send(delivery.pk)  # what the worker does with it
        delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert len(wecom.received) == 1


def test_registering_checks_the_address_the_key_and_the_secret(junda, wecom, settings):
    with pytest.raises(ValidationError) as missing_key:
        register(junda["dealer"], wecom, url=wecom.url.split("?")[0])
    assert "url" in missing_key.value.message_dict
    with pytest.raises(ValidationError) as no_secret:
        register(junda["dealer"], wecom, secret="abc")
    assert "secret" in no_secret.value.message_dict
    with pytest.raises(ValidationError) as no_kinds:
        register(junda["dealer"], wecom, kinds=[])
    assert "event_kinds" in no_kinds.value.message_dict
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    with pytest.raises(ValidationError) as inward:
        register(junda["dealer"], wecom)
    assert "公共互联网" in str(inward.value.message_dict["url"])


def test_the_test_button_posts_now_and_logs_it(junda, dingtalk):
    robot = register(junda["dealer"], dingtalk)
    with tenant_context(junda["dealer"]):
        delivery = robot_test_send(robot_id=robot.pk)
    assert delivery.status == "delivered"
    assert "测试消息" in dingtalk.received[0]["text"]["content"]


def test_an_administrator_manages_robots_and_never_sees_the_key_or_secret_again(junda, dingtalk):
    admin = person("junda.gm", junda["dealer"], Role.GENERAL_MANAGER)
    browser = client_for(junda["dealer"], admin)
    answer = browser.post(
        "/administration/robots/",
        {
            "kind": "dingtalk",
            "name": "服务群",
            "url": dingtalk.url,
            "secret": SECRET,
            "event_kinds": ["clock.breached"],
        },
    )
    assert answer.status_code == 302
    page = browser.get(answer["Location"])
    html = page.content.decode()
    assert "服务群" in html
    assert TOKEN not in html
    assert SECRET not in html
    assert TOKEN[-4:] in html  # masked: the last characters only
    answer = browser.post(answer["Location"].rstrip("/") + "/test/")
    assert "测试消息已送达" in browser.get(answer["Location"]).content.decode()
    bad = browser.post(
        "/administration/robots/",
        {"kind": "wecom", "name": "x", "url": "ftp://x", "event_kinds": ["clock.breached"]},
    )
    assert bad.status_code == 400
    assert "有效" in bad.content.decode()


def test_a_robot_of_one_tenant_is_a_404_to_another_and_staff_may_not_manage(junda, manufacturer, dingtalk):
    other = join(manufacturer, "sz-pengcheng", "HQ-GD-002", city="深圳").dealer
    robot = register(junda["dealer"], dingtalk)
    stranger = client_for(other, person("pc.gm", other, Role.GENERAL_MANAGER))
    assert stranger.get(f"/administration/robots/{robot.pk}/").status_code == 404
    assert stranger.post(f"/administration/robots/{robot.pk}/test/").status_code == 404
    assert "服务群" not in stranger.get("/administration/robots/").content.decode()
    advisor = client_for(junda["dealer"], person("junda.sa", junda["dealer"], Role.SERVICE_ADVISOR))
    assert advisor.get(f"/administration/robots/{robot.pk}/").status_code == 403


def test_a_hotline_robot_links_to_the_hotlines_own_work_order_page(manufacturer, wecom):
    hotline = manufacturer.hotline
    with tenant_context(hotline):
        robot_create(
            kind="wecom", name="客服群", url=wecom.url, event_kinds=["clock.warning"], known_kinds=KINDS
        )
        robots_enqueue(hotline.pk, news(1, number="HQ20261201-00009"))
    send_due(hotline)
    content = wecom.received[0]["markdown"]["content"]
    assert f"{hotline.slug}.{settings.BASE_DOMAIN}" in content
    assert "/work-orders/HQ20261201-00009/" in content
    assert "工单 HQ20261201-00009 的「首次联系」时限将于" in content


def test_dingtalk_mentions_people_by_mobile_in_a_text_message(junda, dingtalk):
    register(junda["dealer"], dingtalk, kinds=["clock.warning"])
    item = news(1)
    item[0]["named"] = [junda["crm"].pk]
    with tenant_context(junda["dealer"]):
        robots_enqueue(junda["dealer"].pk, item)
    send_due(junda["dealer"])
    message = dingtalk.received[0]
    assert message["msgtype"] == "text"
    assert message["at"] == {"atMobiles": ["13800000001"]}
    assert "@13800000001" in message["text"]["content"]


def test_news_of_a_car_another_dealer_rescues_names_the_work_order_without_a_link(junda, wecom):
    kind = "rescue.servicing_dealer_informed"
    with tenant_context(junda["dealer"]):
        robot_create(
            kind="wecom", name="客服群", url=wecom.url, event_kinds=[kind], known_kinds=[*KINDS, kind]
        )
        told = news(1, number="HQ20261201-00007")
        told[0].update(
            kind=kind,
            facts={
                "by": "system",
                "data": {"rescuing_dealer_name": "深圳鹏程", "city": "深圳市"},
                "labels": {},
            },
        )
        robots_enqueue(junda["dealer"].pk, told)
    send_due(junda["dealer"])
    content = wecom.received[0]["markdown"]["content"]
    assert "深圳鹏程 正在 深圳市 救援贵店客户的车辆（工单 HQ20261201-00007）" in content
    assert "/work-orders/" not in content  # the work order is the rescuing dealer's: nothing to open
