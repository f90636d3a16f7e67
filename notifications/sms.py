"""Text messages to car owners: a provider interface, a console/file backend, two providers.

``SMS_BACKEND`` names the backend class. The default writes each message to
the log (and to ``SMS_FILE`` when set), so development needs no provider
account. ``AliyunSmsBackend`` speaks Alibaba Cloud's SendSms API (RPC style,
signature version 1.0, HMAC-SHA1); ``TencentSmsBackend`` speaks Tencent Cloud's
SendSms API (version 2021-01-11, TC3-HMAC-SHA256). ``SMS_ALIYUN_ENDPOINT`` and
``SMS_TENCENT_ENDPOINT`` point them elsewhere, e.g. at a local test server.

Replies owners text back (上行短信) arrive as the provider's push to a per-hotline
URL whose last part is ``sms_reply_token``; ``REPLY_PARSERS`` read each
provider's push into ``InboundSms`` values or refuse it, naming the field.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from config.api.parsers import json_loads_bounded

logger = logging.getLogger(__name__)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class SmsMessage:
    mobile: str
    text: str  # the message as the owner reads it
    template_code: str = ""  # the provider's approved template, when it needs one
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SmsResult:
    ok: bool
    provider_id: str = ""
    error: str = ""
    permanent: bool = False  # retrying cannot help (an invalid number, a refused template)


# Alibaba Cloud error codes that no retry will cure.
ALIYUN_PERMANENT = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.INVALID_PARAMETERS",
    }
)


class SmsBackend:
    def send(self, message: SmsMessage) -> SmsResult:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Logs each message (and appends it as a JSON line to ``SMS_FILE`` when set)."""

    def send(self, message: SmsMessage) -> SmsResult:
        if not MOBILE_RE.match(message.mobile):
            return SmsResult(ok=False, error=f"invalid mobile number {message.mobile!r}", permanent=True)
        logger.info("SMS to %s: %s", message.mobile, message.text)
        path = getattr(settings, "SMS_FILE", "")
        if path:
            with Path(path).open("a", encoding="utf-8") as handle:
                handle.write(
                    json.dumps(
                        {
                            "mobile": message.mobile,
                            "text": message.text,
                            "template": message.template_code,
                            "params": message.params,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        return SmsResult(ok=True, provider_id=f"console-{uuid.uuid4().hex[:12]}")


def aliyun_percent(value: str) -> str:
    """Alibaba Cloud's percent-encoding: RFC 3986, with ``~`` kept and spaces as %20."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{aliyun_percent(k)}={aliyun_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend(SmsBackend):
    """Alibaba Cloud SMS (dysmsapi, version 2017-05-25): ``SendSms`` with a template."""

    def __init__(self) -> None:
        self.endpoint = getattr(settings, "SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
        self.key_id = settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.secret = settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.sign_name = settings.SMS_ALIYUN_SIGN_NAME

    def send(self, message: SmsMessage) -> SmsResult:
        if not MOBILE_RE.match(message.mobile):
            return SmsResult(ok=False, error=f"invalid mobile number {message.mobile!r}", permanent=True)
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.mobile,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": message.template_code,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False),
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, self.secret)
        url = f"{self.endpoint}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            body = _json_or_empty(exc.read())
            return SmsResult(
                ok=False,
                error=f"HTTP {exc.code} {body.get('Code', '')} {body.get('Message', '')}".strip(),
                permanent=body.get("Code") in ALIYUN_PERMANENT,
            )
        except Exception as exc:  # any transport failure is a failed attempt, never a crash
            return SmsResult(ok=False, error=f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:300])
        if body.get("Code") == "OK":
            return SmsResult(ok=True, provider_id=str(body.get("BizId", "")))
        return SmsResult(
            ok=False,
            error=f"{body.get('Code')} {body.get('Message')}"[:300],
            permanent=body.get("Code") in ALIYUN_PERMANENT,
        )


def _json_or_empty(raw: bytes) -> dict:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {}


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


# Tencent Cloud error codes that no retry will cure.
TENCENT_PERMANENT = frozenset(
    {
        "InvalidParameterValue.IncorrectPhoneNumber",
        "InvalidParameterValue.TemplateParameterFormatError",
        "InvalidParameterValue.TemplateParameterLengthLimit",
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
        "InvalidParameterValue.SdkAppIdNotExist",
        "FailedOperation.PhoneNumberInBlacklist",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.MissingTemplateToModify",
        "FailedOperation.MissingSignature",
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
        "UnsupportedOperation.UnsupportedRegion",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.UnauthorizedOperation",
    }
)


TC3_SIGNED_HEADERS = "content-type;host;x-tc-action"


def tc3_signing_key(secret_key: str, date: str, service: str) -> bytes:
    key = hmac.new(f"TC3{secret_key}".encode(), date.encode(), hashlib.sha256).digest()
    key = hmac.new(key, service.encode(), hashlib.sha256).digest()
    return hmac.new(key, b"tc3_request", hashlib.sha256).digest()


def tc3_signature(
    *,
    secret_key: str,
    service: str,
    host: str,
    action: str,
    payload: bytes,
    timestamp: int,
    content_type: str = "application/json; charset=utf-8",
) -> str:
    """Tencent Cloud API 3.0 request signature (TC3-HMAC-SHA256) of a POST to ``/``."""
    # Names and values in lower case, in the order of TC3_SIGNED_HEADERS.
    canonical_headers = "".join(
        f"{name}:{value.strip().lower()}\n"
        for name, value in (("content-type", content_type), ("host", host), ("x-tc-action", action))
    )
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, TC3_SIGNED_HEADERS, hashlib.sha256(payload).hexdigest()]
    )
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            f"{date}/{service}/tc3_request",
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    return hmac.new(tc3_signing_key(secret_key, date, service), to_sign.encode(), hashlib.sha256).hexdigest()


class TencentSmsBackend(SmsBackend):
    """Tencent Cloud SMS (sms, version 2021-01-11): ``SendSms`` with a template."""

    service = "sms"
    content_type = "application/json; charset=utf-8"

    def __init__(self) -> None:
        self.endpoint = getattr(settings, "SMS_TENCENT_ENDPOINT", "https://sms.tencentcloudapi.com/")
        self.secret_id = settings.SMS_TENCENT_SECRET_ID
        self.secret_key = settings.SMS_TENCENT_SECRET_KEY
        self.app_id = settings.SMS_TENCENT_SDK_APP_ID
        self.sign_name = settings.SMS_TENCENT_SIGN_NAME
        self.region = getattr(settings, "SMS_TENCENT_REGION", "ap-guangzhou")

    def send(self, message: SmsMessage) -> SmsResult:
        if not MOBILE_RE.match(message.mobile):
            return SmsResult(ok=False, error=f"invalid mobile number {message.mobile!r}", permanent=True)
        payload = json.dumps(
            {
                "PhoneNumberSet": [f"+86{message.mobile}"],
                "SmsSdkAppId": self.app_id,
                "SignName": self.sign_name,
                "TemplateId": message.template_code,
                "TemplateParamSet": list(message.params.values()),
            },
            ensure_ascii=False,
        ).encode()
        host = urllib.parse.urlsplit(self.endpoint).netloc
        timestamp = int(dt.datetime.now(dt.UTC).timestamp())
        date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
        signature = tc3_signature(
            secret_key=self.secret_key,
            service=self.service,
            host=host,
            action="SendSms",
            payload=payload,
            timestamp=timestamp,
            content_type=self.content_type,
        )
        authorization = (
            f"TC3-HMAC-SHA256 Credential={self.secret_id}/{date}/{self.service}/"
            f"tc3_request, SignedHeaders={TC3_SIGNED_HEADERS}, Signature={signature}"
        )
        headers = {
            "Authorization": authorization,
            "Content-Type": self.content_type,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.region,
        }
        request = urllib.request.Request(  # noqa: S310
            self.endpoint, data=payload, method="POST", headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                body = json.loads(response.read() or b"{}").get("Response", {})
        except urllib.error.HTTPError as exc:
            return SmsResult(ok=False, error=f"HTTP {exc.code}")
        except Exception as exc:  # any transport failure is a failed attempt, never a crash
            return SmsResult(ok=False, error=f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:300])
        if not isinstance(body, dict):
            return SmsResult(ok=False, error="unreadable response")
        error = body.get("Error")
        if isinstance(error, dict):  # the request as a whole was refused
            return SmsResult(
                ok=False,
                error=f"{error.get('Code')} {error.get('Message')}"[:300],
                permanent=error.get("Code") in TENCENT_PERMANENT,
            )
        statuses = body.get("SendStatusSet") or [{}]
        status = statuses[0] if isinstance(statuses[0], dict) else {}
        if status.get("Code") == "Ok":
            return SmsResult(ok=True, provider_id=str(status.get("SerialNo", "")))
        return SmsResult(
            ok=False,
            error=f"{status.get('Code')} {status.get('Message')}"[:300],
            permanent=status.get("Code") in TENCENT_PERMANENT,
        )


# ---- Replies owners text back -------------------------------------------------------------

PROVIDER_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")  # both providers report Beijing time


@dataclass(frozen=True)
class InboundSms:
    provider: str
    reply_id: str  # the provider's identity of this reply: a repeated push carries the same
    mobile: str
    text: str
    sent_at: dt.datetime | None


class SmsReplyPayloadError(ValueError):
    """A push that cannot be read; ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def sms_reply_token(schema_name: str) -> str | None:
    """The secret last part of a hotline's reply URL: an HMAC of its schema name.

    Keyed with ``SMS_REPLY_SECRET``, a secret of its own (never ``SECRET_KEY``,
    whose development default is public); without it no URL exists and replies
    are refused. Changing the key changes every hotline's URL. No hotline's
    token says anything about another's.
    """
    secret = getattr(settings, "SMS_REPLY_SECRET", "")
    if not secret:
        return None
    return salted_hmac(
        "complaint-desk.sms-reply", schema_name, secret=secret, algorithm="sha256"
    ).hexdigest()[:40]


def sms_reply_token_valid(schema_name: str, token: str) -> bool:
    expected = sms_reply_token(schema_name)
    return expected is not None and constant_time_compare(expected, token)


MOBILE_IN_REPLY_RE = re.compile(r"^\+?[\d\s-]{5,20}$")


def _json_body(raw: bytes) -> object:
    try:
        return json_loads_bounded(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SmsReplyPayloadError({"body": [_("The body is not valid JSON.")]}) from None


# The longest reply text kept: a long SMS is at most a few hundred characters.
MAX_REPLY_TEXT = 500


def _text_field(
    item: dict,
    key: str,
    where: str,
    errors: dict[str, list[str]],
    message: str,
    pattern: re.Pattern[str] | None = None,
) -> str:
    value = item.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or (pattern is not None and not pattern.match(value)):
        errors[f"{where}.{key}"] = [message]
        return ""
    if len(value) > MAX_REPLY_TEXT:
        errors[f"{where}.{key}"] = [_("At most %(limit)s characters.") % {"limit": MAX_REPLY_TEXT}]
        return ""
    return value


def _replies(
    items: list,
    one: Callable[[dict, str, dict[str, list[str]]], InboundSms | None],
) -> list[InboundSms]:
    """Each item through ``one(item, where, errors)``; all errors reported, or every reply."""
    errors: dict[str, list[str]] = {}
    replies = []
    for index, item in enumerate(items):
        where = f"[{index}]"
        if not isinstance(item, dict):
            errors[where] = [_("Each reply must be a JSON object.")]
            continue
        reply = one(item, where, errors)
        if reply is not None:
            replies.append(reply)
    if errors:
        raise SmsReplyPayloadError(errors)
    return replies


def _mobile(item: dict, key: str, where: str, errors: dict[str, list[str]]) -> str:
    return _text_field(
        item, key, where, errors, _("A mobile number is required (digits, +86 allowed)."), MOBILE_IN_REPLY_RE
    )


def aliyun_replies(raw: bytes) -> list[InboundSms]:
    """Alibaba Cloud's SmsUpReport push: a JSON array of replies, each with its sequence_id."""
    body = _json_body(raw)
    if not isinstance(body, list):
        raise SmsReplyPayloadError({"body": [_("The body must be a JSON array of replies.")]})

    def one(item: dict, where: str, errors: dict[str, list[str]]) -> InboundSms:
        mobile = _mobile(item, "phone_number", where, errors)
        text = _text_field(item, "content", where, errors, _("The reply's text is required."))
        reply_id = _text_field(
            item,
            "sequence_id",
            where,
            errors,
            _("The reply's sequence number is required (digits)."),
            re.compile(r"^\d{1,40}$"),
        )
        sent_at = None
        if item.get("send_time") not in (None, ""):
            try:
                sent_at = dt.datetime.strptime(str(item["send_time"]), "%Y-%m-%d %H:%M:%S").replace(
                    tzinfo=PROVIDER_ZONE
                )
            except ValueError:
                errors[f"{where}.send_time"] = [_("The send time reads YYYY-MM-DD HH:MM:SS.")]
        return InboundSms(provider="aliyun", reply_id=reply_id, mobile=mobile, text=text, sent_at=sent_at)

    return _replies(body, one)


def tencent_replies(raw: bytes) -> list[InboundSms]:
    """Tencent Cloud's reply callback: one JSON object (or an array of them).

    Tencent sends no identity for a reply, so the number, the time and the text
    stand for it: the same push repeated is recognised as one reply.
    """
    body = _json_body(raw)
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise SmsReplyPayloadError({"body": [_("The body must be a JSON object or an array of them.")]})

    def one(item: dict, where: str, errors: dict[str, list[str]]) -> InboundSms | None:
        mobile = _mobile(item, "mobile", where, errors)
        nation = str(item.get("nationcode") or "86").lstrip("+")
        text = _text_field(item, "text", where, errors, _("The reply's text is required."))
        when = item.get("time")
        if isinstance(when, str) and when.isdigit():
            when = int(when)
        if not isinstance(when, int) or isinstance(when, bool) or not 0 < when < 4_102_444_800:
            errors[f"{where}.time"] = [_("The time is a Unix timestamp in seconds.")]
            return None
        if mobile and nation != "86" and not mobile.startswith("+"):
            mobile = f"+{nation}{mobile}"
        digest = hashlib.sha256(f"{nation}|{mobile}|{when}|{text}".encode()).hexdigest()[:40]
        return InboundSms(
            provider="tencent",
            reply_id=digest,
            mobile=mobile,
            text=text,
            sent_at=dt.datetime.fromtimestamp(when, dt.UTC),
        )

    return _replies(items, one)


REPLY_PARSERS = {"aliyun": aliyun_replies, "tencent": tencent_replies}
