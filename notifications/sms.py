"""Text messages to car owners: a provider interface, a console/file backend, Alibaba Cloud SMS.

``SMS_BACKEND`` names the backend class. The default writes each message to
the log (and to ``SMS_FILE`` when set), so development needs no provider
account. ``AliyunSmsBackend`` speaks Alibaba Cloud's SendSms API (RPC style,
signature version 1.0, HMAC-SHA1); ``SMS_ALIYUN_ENDPOINT`` points it elsewhere,
e.g. at a local test server.
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
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

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
ALIYUN_PERMANENT = frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT",
                              "isv.TEMPLATE_MISSING_PARAMETERS", "isv.SMS_TEMPLATE_ILLEGAL",
                              "isv.SMS_SIGNATURE_ILLEGAL", "isv.INVALID_PARAMETERS"})


class SmsBackend:
    def send(self, message: SmsMessage) -> SmsResult:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Logs each message (and appends it as a JSON line to ``SMS_FILE`` when set)."""

    def send(self, message: SmsMessage) -> SmsResult:
        if not MOBILE_RE.match(message.mobile):
            return SmsResult(ok=False, error=f"invalid mobile number {message.mobile!r}",
                             permanent=True)
        logger.info("SMS to %s: %s", message.mobile, message.text)
        path = getattr(settings, "SMS_FILE", "")
        if path:
            with Path(path).open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"mobile": message.mobile, "text": message.text,
                                         "template": message.template_code,
                                         "params": message.params}, ensure_ascii=False) + "\n")
        return SmsResult(ok=True, provider_id=f"console-{uuid.uuid4().hex[:12]}")


def aliyun_percent(value: str) -> str:
    """Alibaba Cloud's percent-encoding: RFC 3986, with ``~`` kept and spaces as %20."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{aliyun_percent(k)}={aliyun_percent(v)}"
                         for k, v in sorted(params.items()))
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
            return SmsResult(ok=False, error=f"invalid mobile number {message.mobile!r}",
                             permanent=True)
        params = {
            "AccessKeyId": self.key_id, "Action": "SendSms", "Format": "JSON",
            "PhoneNumbers": message.mobile, "RegionId": "cn-hangzhou",
            "SignName": self.sign_name, "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
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
            return SmsResult(ok=False, error=f"HTTP {exc.code} {body.get('Code', '')} "
                                             f"{body.get('Message', '')}".strip(),
                             permanent=body.get("Code") in ALIYUN_PERMANENT)
        except Exception as exc:  # any transport failure is a failed attempt, never a crash
            return SmsResult(ok=False, error=f"{type(exc).__name__}: "
                                             f"{getattr(exc, 'reason', exc)}"[:300])
        if body.get("Code") == "OK":
            return SmsResult(ok=True, provider_id=str(body.get("BizId", "")))
        return SmsResult(ok=False, error=f"{body.get('Code')} {body.get('Message')}"[:300],
                         permanent=body.get("Code") in ALIYUN_PERMANENT)


def _json_or_empty(raw: bytes) -> dict:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {}


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
