"""Owners' replies pushed by the SMS provider to the hotline's host, through real HTTP requests."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.models import CallbackAttempt, OwnerSms, OwnerSmsReply, WorkOrder
from hotline.services import decisions
from live.relay import relay_everywhere
from notifications.sms import sms_reply_token
from tenants.selectors import portal_url

from ..conftest import client_for, conclusion, work_outbound

pytestmark = pytest.mark.django_db
OWNER = "13802561234"


@pytest.fixture
def score_requested(parts_work_order, hotline, junda_gateway, dealer_actor, agent) -> WorkOrder:
    """Resolved, four callbacks failed, and the owner texted to reply with a score."""
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
    connection.set_schema_to_public()
    relay_everywhere()
    with tenant_context(hotline):
        work_outbound()
        assert OwnerSms.objects.filter(kind="score_request", status="sent").exists()
    connection.set_schema_to_public()
    return parts_work_order


def push(tenant, provider: str, body: object, *, token: str | None = None, **headers: str):
    token = token or sms_reply_token(tenant.schema_name)
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return client_for(tenant).post(
        f"/sms/replies/{provider}/{token}/", raw, content_type="application/json", **headers
    )


def aliyun_reply(content: str, sequence_id: int, phone: str = OWNER) -> dict:
    return {
        "phone_number": phone,
        "send_time": "2026-11-24 10:15:02",
        "content": content,
        "sign_name": "华骐汽车",
        "dest_code": "1234",
        "sequence_id": sequence_id,
    }


def state(hotline, work_order: WorkOrder) -> tuple:
    """What a person would see: the work order, its reached callbacks, the replies kept."""
    with tenant_context(hotline):
        work_order.refresh_from_db()
        reached = list(
            CallbackAttempt.objects.filter(work_order=work_order, outcome="reached").values_list(
                "score", flat=True
            )
        )
        replies = list(
            OwnerSmsReply.objects.order_by("id").values_list(
                "provider", "mobile", "text", "work_order_id", "score"
            )
        )
    return work_order.state, work_order.satisfaction, reached, replies


def test_an_aliyun_push_records_the_score_once_however_often_it_comes(score_requested, hotline):
    body = [
        aliyun_reply("给9分，谢谢", 880001),
        aliyun_reply("请问配件什么时候到？", 880002, phone="13900001111"),
    ]

    first = push(hotline, "aliyun", body)
    again = push(hotline, "aliyun", body)  # the provider retries

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"code": 0, "msg": "成功"}
    assert state(hotline, score_requested) == (
        "resolved",  # a score is not "fixed": a person confirms it
        9,
        [9],
        [
            ("aliyun", OWNER, "给9分，谢谢", score_requested.pk, 9),
            ("aliyun", "13900001111", "请问配件什么时候到？", None, None),  # kept for a person
        ],
    )
    with tenant_context(hotline):
        sent_at = OwnerSmsReply.objects.get(reply_id="880001").sent_at
    assert sent_at.isoformat() == "2026-11-24T02:15:02+00:00"  # Beijing time in the push


def test_a_tencent_push_records_the_score_once(score_requested, hotline):
    body = {
        "extend": "",
        "mobile": OWNER,
        "nationcode": "86",
        "sign": "华骐汽车",
        "text": "4",
        "time": 1795493702,
    }

    first = push(hotline, "tencent", body)
    again = push(hotline, "tencent", body)

    assert first.json() == again.json() == {"result": 0, "errmsg": "OK"}
    work_order_state, satisfaction, reached, replies = state(hotline, score_requested)
    assert (satisfaction, reached) == (4, [4])
    assert work_order_state == "resolved"  # a score never reopens or closes: a person calls back
    assert [r[:2] for r in replies] == [("tencent", OWNER)]


def test_a_reply_nobody_asked_for_is_kept_and_acknowledged(hotline):
    response = push(hotline, "aliyun", [aliyun_reply("9", 770001)])
    abroad = push(
        hotline, "tencent", [{"mobile": "7700 900123", "nationcode": "44", "text": "8", "time": 1795493702}]
    )

    assert response.json() == {"code": 0, "msg": "成功"}  # the provider stops retrying
    assert abroad.json() == {"result": 0, "errmsg": "OK"}
    with tenant_context(hotline):
        replies = list(OwnerSmsReply.objects.values_list("mobile", "text", "work_order_id"))
    assert replies == [(OWNER, "9", None), ("447700900123", "8", None)]


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        (b"{not json", "body", "The body is not valid JSON."),
        ({"phone_number": OWNER}, "body", "The body must be a JSON array of replies."),
        (
            [aliyun_reply("9", 1), {**aliyun_reply("9", 2), "sequence_id": None}],
            "[1].sequence_id",
            "The reply's sequence number is required (digits).",
        ),
        (
            [{**aliyun_reply("9", 3), "send_time": "24/11/2026"}],
            "[0].send_time",
            "The send time reads YYYY-MM-DD HH:MM:SS.",
        ),
        (
            [{**aliyun_reply("9", 4), "phone_number": "call me"}],
            "[0].phone_number",
            "A mobile number is required (digits, +86 allowed).",
        ),
    ],
)
def test_a_bad_aliyun_push_is_refused_naming_the_field_and_changes_nothing(
    score_requested, hotline, body, field, rule
):
    response = push(hotline, "aliyun", body, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["errors"] == {field: [rule]}
    assert response.json()["code"] == 400
    assert state(hotline, score_requested) == ("resolved", None, [], [])


def test_a_bad_push_is_refused_in_chinese_by_default(hotline):
    response = push(hotline, "tencent", {"mobile": OWNER, "text": "9", "time": "yesterday"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"[0].time": ["时间应为以秒计的 Unix 时间戳。"]}
    assert response.json()["result"] == 400
    far_future = push(hotline, "tencent", {"mobile": OWNER, "text": "9", "time": 10**20})
    assert far_future.status_code == 400
    assert list(far_future.json()["errors"]) == ["[0].time"]
    with tenant_context(hotline):
        assert not OwnerSmsReply.objects.exists()


def test_a_wrong_or_foreign_token_finds_nothing_and_changes_nothing(
    score_requested, hotline, other_manufacturer, network
):
    foreign = other_manufacturer.hotline
    body = [aliyun_reply("10", 990001)]
    own_token = sms_reply_token(hotline.schema_name)

    wrong = push(hotline, "aliyun", body, token="0" * 40)
    foreigner = push(hotline, "aliyun", body, token=sms_reply_token(foreign.schema_name))
    on_foreign_host = push(foreign, "aliyun", body, token=own_token)
    on_dealer_host = push(network["junda"], "aliyun", body, token=own_token)
    unknown_provider = push(hotline, "yunpian", body, token=own_token)

    nothing_here = client_for(hotline).get("/no-such-page/")
    for response in (wrong, foreigner, on_foreign_host, on_dealer_host, unknown_provider):
        assert response.status_code == 404
        assert response.content == nothing_here.content  # the plain page: it tells nothing
    assert state(hotline, score_requested) == ("resolved", None, [], [])
    with tenant_context(foreign):
        assert not OwnerSmsReply.objects.exists()


def test_only_a_post_is_a_push(hotline):
    token = sms_reply_token(hotline.schema_name)
    response = client_for(hotline).get(f"/sms/replies/aliyun/{token}/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_each_hotline_has_its_own_reply_url(hotline, other_manufacturer, settings):
    out = StringIO()
    call_command("sms_reply_urls", stdout=out)
    lines = out.getvalue().splitlines()

    token = sms_reply_token(hotline.schema_name)
    url = portal_url(hotline, f"/sms/replies/aliyun/{token}/")
    assert f"{hotline.slug}\taliyun\t{url}" in lines
    assert len(lines) == 4  # two hotlines, two providers
    assert len({line.rsplit("/", 2)[-2] for line in lines}) == 2  # one token per hotline

    settings.SMS_REPLY_SECRET = "rotated"
    assert sms_reply_token(hotline.schema_name) != token


def test_without_a_secret_of_their_own_replies_are_refused(score_requested, hotline, settings):
    """The token used to be keyed with SECRET_KEY, whose development default is public."""
    public_default = sms_reply_token(hotline.schema_name)
    settings.SMS_REPLY_SECRET = ""

    assert sms_reply_token(hotline.schema_name) is None
    response = push(hotline, "aliyun", [aliyun_reply("10", 990101)], token=public_default)
    assert response.status_code == 404
    assert state(hotline, score_requested) == ("resolved", None, [], [])
    with pytest.raises(CommandError, match="SMS_REPLY_SECRET"):
        call_command("sms_reply_urls", stdout=StringIO())


def test_a_reply_longer_than_a_text_message_is_refused_and_nothing_is_kept(score_requested, hotline):
    response = push(hotline, "aliyun", [aliyun_reply("10" + "好" * 100_000, 990102)])

    assert response.status_code in (400, 413)
    with tenant_context(hotline):
        assert not OwnerSmsReply.objects.exists()
    long_text = push(hotline, "aliyun", [aliyun_reply("好" * 501, 990103)])
    assert long_text.status_code == 400
    assert list(long_text.json()["errors"]) == ["[0].content"]
    with tenant_context(hotline):
        assert not OwnerSmsReply.objects.exists()


def test_a_body_over_the_cap_is_refused_before_it_is_read(hotline, settings):
    settings.SMS_REPLY_MAX_BODY_BYTES = 1024
    response = push(hotline, "aliyun", [aliyun_reply("x" * 300, n) for n in range(5)])

    assert response.status_code == 413
    with tenant_context(hotline):
        assert not OwnerSmsReply.objects.exists()


def test_pushes_are_rate_limited_per_hotline(hotline, settings):
    settings.SMS_REPLY_RATE = "3/m"
    answers = [push(hotline, "aliyun", [aliyun_reply("你好", 990200 + n)]).status_code for n in range(5)]

    assert answers == [200, 200, 200, 429, 429]
