"""WebSocket entry: one gate from the handshake to the live consumer.

django-tenants resolves tenants for HTTP only. Here, in one step and one trip to
a thread, the gate checks what the HTTP stack checks for a page: the host is an
allowed one and names a hotline's or a dealer's tenant, the page that opens the
socket came from the same origin, the session cookie names a session that has
not ended (idle, too old, another password), its user is an active member of
that tenant, and a role that needs a second factor gave one. Anyone else is
refused at the handshake (4404), whatever the reason, so a refusal tells nothing.

One gate rather than a stack of middleware (origin validator, tenant, cookies,
session, user, membership, router): each layer of a stack keeps its own copy of
the connection's scope and a suspended frame for as long as the socket is open.
The consumer keeps what it needs afterwards: the tenant, the member's user id and
role, and the session's key. The sockets of one tenant share one tenant instance
per process, for as long as its row reads the same at each handshake. The
consumer runs its database work in that tenant's schema within the synchronous
function, since Django connections are per thread.
"""

from __future__ import annotations

import weakref
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from django.conf import settings
from django.http.cookie import parse_cookie
from django.http.request import validate_host
from django_otp import DEVICE_ID_SESSION_KEY

from tenants.models import Tenant, TenantType
from tenants.permissions import mfa_required
from tenants.selectors import (
    membership_for,
    normalise_host,
    session_expired,
    session_user,
    tenant_for_hostname,
)

from .consumers import LiveConsumer, loop_slots

LIVE_PATH = "/ws/live/"
# Handshakes checked at once by a process (by one thread, one after the other). In a storm of
# reconnections the others wait here, each holding no more than its place in line: handed to
# the thread all at once, each held a call of its own in the thread's queue until its turn, and
# what those held, freed among the sockets' lasting objects, left the process about 8 KiB larger
# per open socket (docs/benchmarks.md).
ADMISSIONS_AT_ONCE = 4
# Hotline and dealer hosts serve the live socket, as their URLconfs serve pages; the public host none.
LIVE_TENANT_TYPES = (TenantType.HOTLINE, TenantType.DEALER)


def _header(scope: dict[str, Any], wanted: bytes) -> str:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return ""


DEFAULT_PORTS = {"http": 80, "https": 443}


def _port_of_host(host: str) -> int | None:
    """The port a Host header names, or the portal's default one when it names none."""
    _name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and not host.endswith("]"):
        return int(port)
    return DEFAULT_PORTS.get(settings.PORTAL_SCHEME)


def same_origin(host: str, origin: str) -> bool:
    """Whether the page that opens a socket (``Origin``) was served by this host and port.

    Scheme, name and port must all agree: another service on the same name but
    another port is another origin, and may not use the visitor's session here.
    """
    try:
        parts = urlsplit(origin)
        origin_port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or origin_port is None:
        return False
    return normalise_host(parts.hostname) == normalise_host(host) and origin_port == _port_of_host(host)


def _allowed_hosts() -> list[str]:
    """``ALLOWED_HOSTS`` as Django's HTTP handling reads it (local names while debugging with none)."""
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def admit(host: str, cookie: str) -> tuple[Tenant, int, str, str] | None:
    """Who may open the live socket on ``host`` with this ``Cookie`` header: the host's tenant,
    the member's user id and role, and the session's key; None for anyone else."""
    tenant = tenant_for_hostname(host)
    if tenant is None or tenant.type not in LIVE_TENANT_TYPES:
        return None
    key = parse_cookie(cookie).get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    if session_expired(session):
        return None
    # The session's user as Django reads it, the password's session hash verified.
    user = session_user(session)
    membership = membership_for(user, tenant) if user is not None else None
    # A role that needs a second factor needs a session that gave one (django-otp marks it).
    if membership is None or (mfa_required(membership.role) and not session.get(DEVICE_ID_SESSION_KEY)):
        return None
    return tenant, membership.user_id, membership.role, key


# The tenant instances the open sockets of this process hold, by the rows they were read from
# (the tenant's and its manufacturer's): a tenant's sockets share one while its rows are unchanged.
_TENANTS: weakref.WeakValueDictionary[tuple, Tenant] = weakref.WeakValueDictionary()


def _row(instance: Any) -> tuple | None:
    if instance is None:
        return None
    return tuple(getattr(instance, field.attname) for field in instance._meta.concrete_fields)


def one_per_process(tenant: Tenant) -> Tenant:
    """The instance of ``tenant`` this process's other sockets hold when its rows read the same
    as the ones just read; otherwise ``tenant`` itself, which later sockets then share."""
    return _TENANTS.setdefault((_row(tenant), _row(tenant._state.fields_cache.get("manufacturer"))), tenant)


class LiveGate:
    """The ``websocket`` application: admitted connections go on to ``LiveConsumer``.

    The page that opens the socket must come from the same origin (scheme, host
    and port): a page on one tenant's host (sibling subdomains are same-site for
    cookies), or on another port of the same host, may not open a tenant's
    socket with the visitor's session there.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        consumer = await self.consumer_for(scope)
        if consumer is None:
            await send({"type": "websocket.close", "code": 4404})
            return None
        return await consumer(scope, receive, send)

    async def consumer_for(self, scope: dict[str, Any]) -> LiveConsumer | None:
        """The consumer of an admitted connection, or None. (Its own frame: what the checks read
        is gone once they are done, not kept for as long as the socket is open.)"""
        raw_host = _header(scope, b"host")
        host = normalise_host(raw_host)
        if not (
            scope.get("path") == LIVE_PATH
            and host
            and validate_host(host, _allowed_hosts())
            and same_origin(raw_host, _header(scope, b"origin"))
        ):
            return None
        async with loop_slots("admission", ADMISSIONS_AT_ONCE):
            admitted = await database_sync_to_async(admit)(host, _header(scope, b"cookie"))
        if admitted is None:
            return None
        tenant, user_id, role, session_key = admitted
        return LiveConsumer(one_per_process(tenant), user_id, role, session_key)


websocket_application = LiveGate()
