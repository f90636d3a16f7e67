"""Text messages to owners: queued from events, sent through the provider, replies recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import importlib
import json
import re
import threading
import time
import urllib.parse
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.models import Clock, OwnerSms
from hotline.services import decisions
from hotline.services.owner_sms import owner_due_phrase, owner_sms_reply, owner_sms_template_set
from hotline.services.policy import DEFAULT_WINDOWS, WindowSpec, policy_publish
from hotline.services.work_orders import work_order_create
from live.relay import relay_everywhere
from notifications.sms import AliyunSmsBackend, SmsMessage, TencentSmsBackend, aliyun_signature

from ..conftest import conclusion, dispatch_relayed, parts_intake, work_outbound

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def relayed(hotline) -> list[OwnerSms]:
    connection.set_schema_to_public()
    relay_everywhere()
    dispatch_relayed()
    with tenant_context(hotline):
        return list(OwnerSms.objects.select_related("work_order"))


def test_the_owner_is_told_who_will_call_within_what_time(parts_work_order, hotline, settings, tmp_path):
    settings.SMS_FILE = str(tmp_path / "sms.jsonl")
    [sms] = relayed(hotline)

    with tenant_context(hotline):
        work_outbound()
        sms.refresh_from_db()
    lines = [json.loads(x) for x in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert sms.kind == "received"
    assert "gz-junda 4S店" in sms.text
    with tenant_context(hotline):
        due = Clock.objects.get(work_order=parts_work_order, kind="first_contact").due_at
    local = due.astimezone(BEIJING)
    assert re.search(rf"将在(今天|明天) {local:%H:%M} 前与您联系", sms.text)
    assert "小时内" not in sms.text
    assert parts_work_order.number in sms.text
    assert (sms.status, sms.attempts) == ("sent", 1)
    assert lines == [
        {
            "mobile": "13802561234",
            "text": sms.text,
            "template": "",
            "params": {"number": parts_work_order.number},
        }
    ]


def test_a_message_to_an_invalid_number_fails_visibly(parts_work_order, hotline):
    relayed(hotline)
    with tenant_context(hotline):
        OwnerSms.objects.update(mobile="12345")
        work_outbound()
        sms = OwnerSms.objects.get()
    assert (sms.status, sms.error) == ("failed", "invalid mobile number '12345'")


def test_after_four_failed_callbacks_the_owner_replies_with_a_score(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent
):
    n = parts_work_order.number
    junda_gateway.act(
        "contact",
        "HQ",
        n,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="当天处理",
    )
    junda_gateway.act(
        "resolve",
        "HQ",
        n,
        actor=dealer_actor,
        result_summary="已更换",
        owner_acceptance="accepted",
        **conclusion(),
    )
    with tenant_context(hotline):
        for outcome in ("no_answer", "busy", "switched_off", "no_answer"):
            decisions.callback_record(work_order_id=parts_work_order.pk, actor=agent, outcome=outcome)
    messages = relayed(hotline)
    assert [m.kind for m in messages] == ["received", "score_request"]
    with tenant_context(hotline):
        work_outbound()
        assert owner_sms_reply(mobile="13800000000", text="9") is None  # not asked
        assert owner_sms_reply(mobile="13802561234", text="你好") is None  # no score
        assert owner_sms_reply(mobile="13802561234", text="after 3pm") is None  # not a score
        work_order = owner_sms_reply(mobile="+86 138 0256 1234", text="给9分，谢谢")
        callback = work_order.callbacks.order_by("-id").first()
    # The score says how satisfied the owner is, not that the fault is fixed: nothing closes.
    assert (work_order.state, work_order.satisfaction) == ("resolved", 9)
    assert (callback.party, callback.outcome, callback.score, callback.solved) == (
        "owner_sms",
        "reached",
        9,
        None,
    )


class JsonHandler(BaseHTTPRequestHandler):
    """Answers JSON, quietly."""

    def answer(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


class FakeServer:
    """A provider's API on a local port, in a thread, until ``close()``."""

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeAliyun(FakeServer):
    """A local server speaking Alibaba Cloud's SendSms API; it checks the signature."""

    def __init__(self, secret: str, reply: dict) -> None:
        self.calls: list[dict[str, str]] = []
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                query = dict(
                    urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
                )
                fake.calls.append(query)
                signature = query.pop("Signature", "")
                if signature != aliyun_signature(query, secret):
                    body, status = {"Code": "SignatureDoesNotMatch", "Message": "bad"}, 400
                else:
                    body, status = reply, 200
                self.answer(status, body)

        self.serve(Handler)


@pytest.fixture
def aliyun(settings):
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "LTAI-test"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "s3cret"
    settings.SMS_ALIYUN_SIGN_NAME = "华骐汽车"
    servers = []

    def start(reply: dict) -> FakeAliyun:
        server = FakeAliyun("s3cret", reply)
        settings.SMS_ALIYUN_ENDPOINT = server.url
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def test_aliyun_adapter_sends_a_signed_template_message(aliyun):
    server = aliyun({"Code": "OK", "Message": "OK", "BizId": "9002", "RequestId": "r1"})

    result = AliyunSmsBackend().send(
        SmsMessage(
            mobile="13802561234", text="…", template_code="SMS_123", params={"number": "HQ20261124-00001"}
        )
    )

    assert (result.ok, result.provider_id) == (True, "9002")
    call = server.calls[0]
    assert (call["Action"], call["PhoneNumbers"], call["TemplateCode"], call["SignName"]) == (
        "SendSms",
        "13802561234",
        "SMS_123",
        "华骐汽车",
    )
    assert json.loads(call["TemplateParam"]) == {"number": "HQ20261124-00001"}


def test_aliyun_refusals_are_reported(aliyun):
    aliyun({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
    busy = AliyunSmsBackend().send(SmsMessage(mobile="13802561234", text="…"))

    assert not busy.ok
    assert busy.error.startswith("isv.MOBILE_NUMBER_ILLEGAL")
    assert busy.permanent  # no retry will cure it: the message fails at once, visibly


class FakeTencent(FakeServer):
    """A local server speaking Tencent Cloud's SendSms API (2021-01-11).

    It checks the TC3-HMAC-SHA256 signature from the request as received (the
    headers the client says it signed, the body's hash, the credential's date
    and scope) and answers as Tencent does: HTTP 200, with ``Response.Error``
    for a refused request and a ``SendStatusSet`` entry per number otherwise.
    """

    def __init__(self, secret_id: str, secret_key: str, refusals: dict[str, str]) -> None:
        self.calls: list[dict] = []
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                error = fake.check(dict(self.headers.items()), raw, secret_id, secret_key)
                if error:
                    body = {
                        "Response": {"Error": {"Code": error, "Message": "refused"}, "RequestId": "req-err"}
                    }
                else:
                    request = json.loads(raw)
                    fake.calls.append(request)
                    body = {
                        "Response": {
                            "SendStatusSet": [
                                fake.status(number, refusals.get(number))
                                for number in request["PhoneNumberSet"]
                            ],
                            "RequestId": "req-ok",
                        }
                    }
                self.answer(200, body)

        self.serve(Handler)

    @staticmethod
    def status(number: str, refusal: str | None) -> dict:
        if refusal:
            return {
                "SerialNo": "",
                "PhoneNumber": number,
                "Fee": 0,
                "SessionContext": "",
                "Code": refusal,
                "Message": "refused",
                "IsoCode": "CN",
            }
        return {
            "SerialNo": "2433:3400158811",
            "PhoneNumber": number,
            "Fee": 1,
            "SessionContext": "",
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }

    @staticmethod
    def check(headers: dict[str, str], raw: bytes, secret_id: str, secret_key: str) -> str:
        headers = {k.lower(): v for k, v in headers.items()}
        match = re.fullmatch(
            r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>[\d-]+)/sms/"
            r"tc3_request, SignedHeaders=(?P<signed>[a-z;-]+), "
            r"Signature=(?P<signature>[0-9a-f]{64})",
            headers.get("authorization", ""),
        )
        if match is None or match["id"] != secret_id:
            return "AuthFailure.SecretIdNotFound"
        if (headers.get("x-tc-action"), headers.get("x-tc-version")) != ("SendSms", "2021-01-11"):
            return "InvalidAction"
        timestamp = int(headers.get("x-tc-timestamp", "0"))
        date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
        if abs(time.time() - timestamp) > 300 or date != match["date"]:
            return "AuthFailure.SignatureExpire"
        signed = match["signed"].split(";")
        canonical = "\n".join(
            [
                "POST",
                "/",
                "",
                "".join(f"{h}:{headers[h].strip().lower()}\n" for h in signed),
                match["signed"],
                hashlib.sha256(raw).hexdigest(),
            ]
        )
        scope = f"{date}/sms/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = f"TC3{secret_key}".encode()
        for part in (date, "sms", "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if "host" not in signed or not hmac.compare_digest(expected, match["signature"]):
            return "AuthFailure.SignatureFailure"
        return ""


@pytest.fixture
def tencent(settings):
    settings.SMS_TENCENT_SECRET_ID = "AKID-test"
    settings.SMS_TENCENT_SECRET_KEY = "tc-s3cret"
    settings.SMS_TENCENT_SDK_APP_ID = "1400006666"
    settings.SMS_TENCENT_SIGN_NAME = "华骐汽车"
    servers = []

    def start(refusals: dict[str, str] | None = None) -> FakeTencent:
        server = FakeTencent("AKID-test", "tc-s3cret", refusals or {})
        settings.SMS_TENCENT_ENDPOINT = server.url
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def test_tencent_adapter_sends_a_signed_template_message(tencent):
    server = tencent()

    result = TencentSmsBackend().send(
        SmsMessage(
            mobile="13802561234", text="…", template_code="1110", params={"number": "HQ20261124-00001"}
        )
    )

    assert (result.ok, result.provider_id) == (True, "2433:3400158811")
    assert server.calls == [
        {
            "PhoneNumberSet": ["+8613802561234"],
            "SmsSdkAppId": "1400006666",
            "SignName": "华骐汽车",
            "TemplateId": "1110",
            "TemplateParamSet": ["HQ20261124-00001"],
        }
    ]


def test_tencent_refuses_a_request_signed_with_the_wrong_key(tencent, settings):
    server = tencent()
    settings.SMS_TENCENT_SECRET_KEY = "not-the-key"

    result = TencentSmsBackend().send(SmsMessage(mobile="13802561234", text="…"))

    assert not result.ok
    assert result.error.startswith("AuthFailure.SignatureFailure")
    assert not result.permanent  # fixed by correcting the setting; the message waits
    assert server.calls == []


def test_a_number_tencent_refuses_fails_the_message_visibly(parts_work_order, hotline, tencent, settings):
    tencent({"+8613802561234": "InvalidParameterValue.IncorrectPhoneNumber"})
    settings.SMS_BACKEND = "notifications.sms.TencentSmsBackend"
    relayed(hotline)

    with tenant_context(hotline):
        work_outbound()
        sms = OwnerSms.objects.get()
    assert (sms.status, sms.attempts) == ("failed", 1)
    assert sms.error == "InvalidParameterValue.IncorrectPhoneNumber refused"


def test_an_unreachable_tencent_is_a_failed_attempt_to_retry(tencent, settings):
    server = tencent()
    server.close()

    result = TencentSmsBackend().send(SmsMessage(mobile="13802561234", text="…"))

    assert not result.ok
    assert not result.permanent
    assert result.error


def beijing(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


def test_on_business_hours_a_friday_evening_text_promises_monday_morning(
    manufacturer, network, agent, admin, hotline, in_hotline
):
    windows = [
        WindowSpec("first_contact", 120, calendar="business_hours", warn_before=(30,))
        if w.kind == "first_contact" and not w.work_order_type
        else w
        for w in DEFAULT_WINDOWS
    ]
    policy_publish(
        actor=admin, windows=windows, business_opens=dt.time(8, 30), business_closes=dt.time(17, 30)
    )
    # Friday 27 Nov 2026, 17:50 in Beijing, after closing: 2 business hours end Monday 10:30.
    with time_machine.travel(beijing(2026, 11, 27, 17, 50), tick=False):
        work_order = work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    [sms] = relayed(hotline)  # later: "today" and "tomorrow" are as of the dispatch

    assert "将在11月30日 10:30 前与您联系" in sms.text
    assert "小时" not in sms.text
    assert work_order.number in sms.text


def test_an_english_text_promises_the_due_time_in_english(
    manufacturer, network, agent, admin, hotline, in_hotline
):
    owner_sms_template_set(
        actor=admin, kind="received", body="{brand}: {dealer} will call you {due} about {number}."
    )
    with time_machine.travel(beijing(2026, 11, 30, 16, 50), tick=False):  # Monday, wall clock: 18:50
        work_order_create(
            manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
        )
    [sms] = relayed(hotline)  # later: "today" and "tomorrow" are as of the dispatch

    assert "will call you by 18:50 today about" in sms.text


def test_the_due_time_in_the_owners_words():
    now = beijing(2026, 11, 30, 16, 0)

    def phrase(due: dt.datetime, language: str) -> str:
        return owner_due_phrase(due, now=now, time_zone="Asia/Shanghai", language=language)

    assert phrase(beijing(2026, 11, 30, 17, 30), "zh-hans") == "今天 17:30 前"
    assert phrase(beijing(2026, 12, 1, 10, 30), "zh-hans") == "明天 10:30 前"
    assert phrase(beijing(2026, 12, 7, 10, 30), "zh-hans") == "12月7日 10:30 前"
    assert phrase(beijing(2027, 1, 4, 9, 0), "zh-hans") == "2027年1月4日 09:00 前"
    assert phrase(beijing(2026, 11, 30, 17, 30), "en") == "by 17:30 today"
    assert phrase(beijing(2026, 12, 1, 10, 30), "en") == "by 10:30 tomorrow"
    assert phrase(beijing(2026, 12, 1, 10, 30).astimezone(dt.UTC), "en") == "by 10:30 tomorrow"
    assert phrase(beijing(2026, 12, 7, 10, 30), "en") == "by 10:30 on 7 December"
    assert phrase(beijing(2027, 1, 4, 9, 0), "en") == "by 09:00 on 4 January 2027"


def test_a_template_may_not_promise_a_window_length(admin, in_hotline):
    with pytest.raises(ValidationError) as hours:
        owner_sms_template_set(actor=admin, kind="received", body="{dealer}将在 {hours} 小时内与您联系。")
    assert "{due}" in str(hours.value.message_dict["body"])
    with pytest.raises(ValidationError) as elsewhere:
        owner_sms_template_set(actor=admin, kind="parts_arrived", body="配件已到，请在{due}来店。")
    assert "body" in elsewhere.value.message_dict

    owner_sms_template_set(actor=admin, kind="received", body="{dealer}将在{due}与您联系。")


def test_saved_wordings_that_promised_hours_are_rewritten_to_the_due_time():
    migration = importlib.import_module("hotline.migrations.0020_calendar_years")

    def rewritten(body: str) -> str:
        for pattern, replacement in migration.HOURS_PHRASES:
            body = pattern.sub(replacement, body)
        return body

    assert rewritten("{dealer}将在 {hours} 小时内与您联系。") == "{dealer}将在{due}与您联系。"
    assert rewritten("{dealer} will call you within {hours} hours.") == "{dealer} will call you {due}."
