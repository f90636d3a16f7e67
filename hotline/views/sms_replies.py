"""The providers' push of owners' replies (上行短信) to the manufacturer's hotline host.

``POST /sms/replies/<provider>/<token>/``: providers cannot sign their pushes
in a way we can check, so the URL carries a secret per hotline
(``notifications.sms.sms_reply_token``, keyed with ``SMS_REPLY_SECRET``),
compared in constant time. A wrong token, an unknown provider, another
hotline's token or no ``SMS_REPLY_SECRET`` at all gets the site's plain 404.
A body over ``SMS_REPLY_MAX_BODY_BYTES`` is refused (413, also when sent
chunked: ``config.body_limit``), a reply's text over 500 characters too (400),
and each hotline takes at most ``SMS_REPLY_RATE`` pushes (429). Answers are in
the shape each provider expects, so it stops retrying.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from hotline.services.owner_sms import owner_sms_replies_receive
from notifications.sms import REPLY_PARSERS, SmsReplyPayloadError, sms_reply_token_valid


def _length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _answer(
    provider: str, status: int, message: str, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    code = 0 if status == 200 else status
    body: dict[str, object] = (
        {"code": code, "msg": message} if provider == "aliyun" else {"result": code, "errmsg": message}
    )
    if errors:
        body["errors"] = errors
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def sms_replies(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    parse = REPLY_PARSERS.get(provider)
    if parse is None or not sms_reply_token_valid(request.tenant.schema_name, token):
        raise Http404
    if request.method != "POST":
        response = _answer(provider, 405, _("Replies are pushed with POST."))
        response["Allow"] = "POST"
        return response
    if _length(request) > settings.SMS_REPLY_MAX_BODY_BYTES:
        limit = settings.SMS_REPLY_MAX_BODY_BYTES
        return _answer(
            provider, 413, _("The request body may be at most %(limit)s bytes.") % {"limit": limit}
        )
    if is_ratelimited(
        request,
        group="sms-replies",
        key=lambda _group, r: r.tenant.schema_name,
        rate=settings.SMS_REPLY_RATE,
        increment=True,
    ):
        response = _answer(provider, 429, _("Too many pushes; try again in a minute."))
        response["Retry-After"] = "60"
        return response
    try:
        replies = parse(request.body)
    except SmsReplyPayloadError as exc:
        summary = "; ".join(
            f"{field}: {' '.join(map(str, messages))}" for field, messages in exc.errors.items()
        )
        return _answer(provider, 400, summary, exc.errors)
    owner_sms_replies_receive(replies)
    return _answer(provider, 200, "成功" if provider == "aliyun" else "OK")
