"""Sign-in limits that a stranger cannot turn against an account's owner, and the audit log.

Attempts are counted per account *and* source. The account is the user name as
sign-in reads it: NFKC-normalised and case-folded, so ``ｈq.supervisor`` and
``HQ.Supervisor`` are the same account to the counters. The source is the
device, when it presents the signed device cookie the account got at an
earlier sign-in, otherwise the client's network (the address, an IPv6 /64),
as the web server reports it (it trusts only the proxies it is told to).

- ``LOGIN_FREE_FAILURES`` failures from one source cost nothing; after them
  each further failure from that source doubles its wait, from 30 s up to
  ``LOGIN_BACKOFF_MAX_SECONDS``. Another source is not affected.
- Failures from sources the account has never signed in from are also counted
  per account and day; past ``LOGIN_NEW_SOURCE_FAILURES_PER_DAY`` only the
  account's known devices may try until the day is over. A patient attacker
  rotating addresses gets that many guesses a day, not thousands; the owner
  on a known device still signs in.
- Every success, failure and pause is an ``AuthEvent``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.http import HttpRequest

from ..models import AuthEvent, AuthEventKind, Tenant, User

DEVICE_COOKIE = "cd_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
BACKOFF_FIRST_SECONDS = 30
DAY = 24 * 3600


def _cache():
    return caches["ratelimit"]


def account_key(username: str) -> str:
    """The user name as the limits count it: NFKC-normalised, case-folded, trimmed."""
    return unicodedata.normalize("NFKC", username or "").casefold().strip()


def client_address(request: HttpRequest) -> str:
    """The client's address as the web server saw it (uvicorn has applied FORWARDED_ALLOW_IPS)."""
    return request.META.get("REMOTE_ADDR", "") or ""


def network_of(address: str) -> str:
    """IPv4: the address; IPv6: its /64 (one subscriber's network)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def device_of(request: HttpRequest, account: str) -> str | None:
    """The device id this browser's signed cookie names for ``account``, or None."""
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt="complaint-desk.signin-device", max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return None
    devices = value.get("a", {}) if isinstance(value, dict) else {}
    device = devices.get(_digest(account))
    return device if isinstance(device, str) else None


def device_cookie(request: HttpRequest, account: str) -> str:
    """The cookie value that marks this browser as a known device of ``account`` (and of the
    accounts it already knew)."""
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    devices: dict[str, str] = {}
    if raw:
        try:
            value = signing.loads(raw, salt="complaint-desk.signin-device", max_age=DEVICE_COOKIE_MAX_AGE)
            devices = dict(value.get("a", {})) if isinstance(value, dict) else {}
        except signing.BadSignature:
            devices = {}
    devices.setdefault(
        _digest(account),
        secrets.token_hex(12),
    )
    # A shared browser keeps the few most recent accounts.
    devices = dict(list(devices.items())[-8:])
    return signing.dumps({"a": devices}, salt="complaint-desk.signin-device")


@dataclass(frozen=True)
class Source:
    account: str
    key: str  # "d:<device>" or "n:<network>"
    known_device: bool


def source_of(request: HttpRequest, username: str) -> Source:
    account = account_key(username)
    device = device_of(request, account)
    if device is not None:
        return Source(account, f"d:{device}", True)
    return Source(account, f"n:{network_of(client_address(request))}", False)


def _keys(source: Source) -> tuple[str, str, str]:
    account = _digest(source.account)
    return (
        f"signin:fails:{account}:{_digest(source.key)}",
        f"signin:until:{account}:{_digest(source.key)}",
        f"signin:new-source-fails:{account}",
    )


def signin_wait(source: Source) -> int:
    """Seconds this source must wait before trying this account again (0: it may try now)."""
    _fails, until_key, account_fails = _keys(source)
    until = _cache().get(until_key) or 0
    wait = int(until - time.time() + 0.999)
    if wait > 0:
        return wait
    if (
        not source.known_device
        and (_cache().get(account_fails) or 0) >= settings.LOGIN_NEW_SOURCE_FAILURES_PER_DAY
    ):
        return DAY
    return 0


def signin_failed(request: HttpRequest, source: Source, *, username: str, user: User | None) -> int:
    """Count a failed attempt; the wait it starts (0: none). Recorded in the audit log."""
    cache = _cache()
    fails_key, until_key, account_fails = _keys(source)
    cache.add(fails_key, 0, DAY)
    fails = cache.incr(fails_key)
    wait = 0
    if fails >= settings.LOGIN_FREE_FAILURES:
        wait = min(
            BACKOFF_FIRST_SECONDS * 2 ** (fails - settings.LOGIN_FREE_FAILURES),
            settings.LOGIN_BACKOFF_MAX_SECONDS,
        )
        cache.set(until_key, time.time() + wait, wait)
    if not source.known_device:
        cache.add(account_fails, 0, DAY)
        if cache.incr(account_fails) == settings.LOGIN_NEW_SOURCE_FAILURES_PER_DAY:
            wait = max(wait, DAY)
    auth_event_record(request, AuthEventKind.SIGNIN_FAILED, user=user, username=source.account)
    if wait:
        auth_event_record(
            request, AuthEventKind.LOCKED_OUT, user=user, username=source.account, seconds=wait,
            source="known device" if source.known_device else "network",
        )  # fmt: skip
    return wait


def signin_succeeded(request: HttpRequest, source: Source, *, user: User, second_factor: bool) -> None:
    """Forget this source's failures; the sign-in is recorded."""
    fails_key, until_key, _account = _keys(source)
    _cache().delete_many([fails_key, until_key])
    auth_event_record(
        request, AuthEventKind.SIGNIN_SUCCEEDED, user=user, username=source.account, mfa=second_factor
    )


def auth_event_record(
    request: HttpRequest | None,
    kind: str,
    *,
    user: User | None = None,
    username: str = "",
    by: User | None = None,
    tenant: Tenant | None = None,
    **data: object,
) -> AuthEvent:
    """One row of the authentication audit log, with where it came from."""
    if tenant is None and request is not None:
        tenant = getattr(request, "tenant", None)
    address = client_address(request) if request is not None else ""
    try:
        ipaddress.ip_address(address)
    except ValueError:
        address = ""
    return AuthEvent.objects.create(
        kind=kind,
        tenant=tenant if tenant is not None and tenant.pk else None,
        user=user if user is not None and user.pk else None,
        username=(username or (account_key(user.username) if user is not None else ""))[:150],
        by=by,
        address=address or None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:200],
        data={k: v for k, v in data.items() if v is not None},
    )
