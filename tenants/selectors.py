"""Reads of the tenant registry, networks and memberships (public schema)."""

from __future__ import annotations

import functools
import json
import time
import types
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_tenants.utils import get_public_schema_name

from config.postgresql.base import DatabaseWrapper
from config.rows import Join, Rows

from .models import Membership, NetworkMembership, SavedView, Tenant, TenantType, User

# Session keys: when the person signed in, and when the session was last used.
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"


def session_expired(session: Mapping[str, Any], now: float | None = None) -> bool:
    """Idle past ``SESSION_IDLE_SECONDS``, or older than ``SESSION_COOKIE_AGE`` since sign-in."""
    now = time.time() if now is None else now
    started, seen = session.get(SIGNED_IN_AT), session.get(LAST_SEEN)
    return bool(
        (seen is not None and now - seen > settings.SESSION_IDLE_SECONDS)
        or (started is not None and now - started > settings.SESSION_COOKIE_AGE)
    )


def _secrets() -> tuple[str, ...]:
    """The key sessions are signed with now, then the earlier ones still accepted
    (``SECRET_KEY_FALLBACKS``, while a new key is rolled out)."""
    return (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)


@functools.lru_cache(maxsize=8192)
def _session_data(encoded: str, _secrets: tuple[str, ...]) -> Mapping[str, Any]:
    """A stored session's data, decoded once while it is unchanged (the live sweep reads every
    open socket's session every few seconds). Read-only: the same mapping is handed out again."""
    return types.MappingProxyType(SessionStore().decode(encoded))


@functools.lru_cache(maxsize=8192)
def _session_auth_hashes(password: str, _secrets: tuple[str, ...]) -> tuple[str, ...]:
    """The hashes a session made with this (hashed) password may carry, under the current key
    and under each earlier one still accepted: computed once per password."""
    user = User(password=password)
    return (user.get_session_auth_hash(), *user.get_session_auth_fallback_hash())


def _hash_matches(session_hash: str, password: str, secrets: tuple[str, ...]) -> bool:
    """Whether a session's hash was made with this (hashed) password, under the current key or
    an earlier one still accepted (``secrets``), as Django's ``get_user`` checks it."""
    made = _session_auth_hashes(password, secrets)
    return bool(session_hash) and any(constant_time_compare(session_hash, one) for one in made)


@functools.lru_cache(maxsize=8192)
def _made_with(encoded: str, password: str, secrets: tuple[str, ...]) -> bool:
    """Whether a stored session was made with this (hashed) password: checked once while
    neither changes."""
    return _hash_matches(_session_data(encoded, secrets).get(HASH_SESSION_KEY, ""), password, secrets)


def session_user(session: Mapping[str, Any]) -> User | None:
    """The person a stored session is signed in as, read as Django's ``get_user`` reads it (the
    backend that signed them in, an active user, the password's session hash), or None; the
    session is left as it is. (Django's ``get_user``, meeting a hash made under an earlier key,
    moves the session to a new key, which a WebSocket handshake could not give the browser: the
    person's next page does that.)"""
    try:
        user_id = User._meta.pk.to_python(session[SESSION_KEY])
        backend = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    if backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = load_backend(backend).get_user(user_id)
    if user is None or not _hash_matches(session.get(HASH_SESSION_KEY, ""), user.password, _secrets()):
        return None
    return user


def sessions_alive(keys: Iterable[str]) -> set[str]:
    """Of the session keys given, those still signed in: stored, not expired, not idle or too
    old, and made with the user's current password (a new password ends the others)."""
    keys = [k for k in set(keys) if k]
    if not keys:
        return set()
    now, secret = time.time(), _secrets()
    stored = _public_rows(_SESSIONS_STORED, [json.dumps(keys), timezone.now()])
    users = {key: int(_session_data(encoded, secret).get(SESSION_KEY) or 0) for key, encoded in stored}
    ids = list(set(users.values()) - {0})
    passwords = dict(_public_rows(_PASSWORDS_ACTIVE, [json.dumps(ids)])) if ids else {}
    alive = set()
    for key, encoded in stored:
        password = passwords.get(users[key])
        if (
            password is not None
            and _made_with(encoded, password, secret)
            and not session_expired(_session_data(encoded, secret), now)
        ):
            alive.add(key)
    return alive


def normalise_host(host: str) -> str:
    """``WWW.Huaqi.localhost:8000`` → ``huaqi.localhost``: how HTTP and WebSocket both look hosts up."""
    host = host.split(":")[0].strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


# Every request reads its tenant by host, with the hotline's manufacturer (dealer tenants have
# none): in the public schema, named, whatever the session's search path.
_PUBLIC = get_public_schema_name()
_TENANT_BY_HOST = Rows(Tenant, Join("manufacturer"), schema=_PUBLIC)
_BY_HOST = f't.id = (SELECT tenant_id FROM "{_PUBLIC}"."tenants_domain" WHERE domain = %s)'  # noqa: S608 (the schema's name from settings)
# The tenant's search path, as django-tenants' SET writes it (config/postgresql), set for the
# session as SET does (a rollback undoes it).
_PATH, _PATH_PARAMS = DatabaseWrapper.search_path_of("t.schema_name")
_PATH_SET = f", set_config('search_path', {_PATH}, false)"


# The live sweep checks every open socket's session and membership every few seconds: fixed
# statements, prepared once per connection, each with its list of keys as one JSON parameter (an
# ORM query with a list of a hundred keys costs more to build than to answer, and psycopg dumps
# an array parameter element by element in Python).
_SESSIONS_STORED = (
    f"SELECT s.session_key, s.session_data FROM json_array_elements_text(%s::json) AS k (key) "  # noqa: S608 (names from settings and models)
    f'JOIN "{_PUBLIC}"."{Session._meta.db_table}" s ON s.session_key = k.key WHERE s.expire_date > %s'
)
_PASSWORDS_ACTIVE = (
    f"SELECT u.id, u.password FROM json_array_elements_text(%s::json) AS k (id) "  # noqa: S608
    f'JOIN "{_PUBLIC}"."{User._meta.db_table}" u ON u.id = k.id::bigint WHERE u.is_active'
)
_MEMBERSHIPS_ACTIVE = (
    f"SELECT m.user_id, m.tenant_id FROM json_array_elements(%s::json) AS p (pair) "  # noqa: S608
    f'JOIN "{_PUBLIC}"."{Membership._meta.db_table}" m '
    "ON m.user_id = (p.pair->>0)::bigint AND m.tenant_id = (p.pair->>1)::bigint "
    f'JOIN "{_PUBLIC}"."{User._meta.db_table}" u ON u.id = m.user_id '
    "WHERE m.is_active AND u.is_active"
)


def _public_rows(sql: str, params: list[Any]) -> list[tuple]:
    """The rows of one of the fixed statements above (every table named with its schema, so
    whatever search path the connection has set for its tenant serves)."""
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def tenant_for_hostname(hostname: str) -> Tenant | None:
    """The tenant a host name resolves to (a hotline's with its manufacturer read too), or None."""
    return _TENANT_BY_HOST.one(_BY_HOST, [normalise_host(hostname)])


def tenant_for_hostname_setting_path(hostname: str) -> tuple[Tenant | None, str]:
    """``tenant_for_hostname`` for a request: the same statement, sent with the session's search
    path left as it is, sets the path of the tenant it finds (``config/postgresql``); returns
    the tenant and the path set (None and "" when none is found: the path stays as it was)."""
    with connection.search_path_left_alone():
        tenant, also = _TENANT_BY_HOST.one_with(
            _PATH_SET, _BY_HOST, [*_PATH_PARAMS, normalise_host(hostname)]
        )
    return tenant, (also[0] if also else "")


def membership_for(user: User, tenant: Tenant) -> Membership | None:
    """The user's active membership of ``tenant``, or None: the one gate to a tenant's host."""
    if not user.is_authenticated or not user.is_active:
        return None
    membership = Membership.objects.filter(user=user, tenant=tenant, is_active=True).first()
    if membership is not None:
        membership.tenant = tenant  # the caller's instance, not a second copy joined in
    return membership


def memberships_active(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of the (user id, tenant id) pairs given, those that are still active memberships."""
    if not pairs:
        return set()
    return set(_public_rows(_MEMBERSHIPS_ACTIVE, [json.dumps(list(pairs))])) & pairs


def memberships_of(user: User) -> QuerySet[Membership]:
    """Every tenant the user may work in, for the tenant switcher."""
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("tenant")
        .order_by("tenant__type", "tenant__name")
    )


def portal_url(tenant: Tenant, path: str = "/", *, port: int | str | None = None) -> str:
    """The address of a tenant's portal, e.g. ``http://gd-hotline.localhost:8000/``.

    ``port``: the one the reader came in on (a page links to the same server it was served
    by; 0: the scheme's default, as the reader's browser had it); None: ``PORTAL_PORT``.
    """
    host = (
        settings.BASE_DOMAIN
        if tenant.type == TenantType.PUBLIC
        else (f"{tenant.slug}.{settings.BASE_DOMAIN}")
    )
    default_port = {"http": 80, "https": 443}.get(settings.PORTAL_SCHEME)
    number = settings.PORTAL_PORT if port is None else (int(port) or default_port)
    suffix = "" if default_port == number else f":{number}"
    return f"{settings.PORTAL_SCHEME}://{host}{suffix}{path}"


def networks_of_dealer(dealer: Tenant) -> QuerySet[NetworkMembership]:
    """The dealer's places in manufacturers' networks, active or not."""
    return (
        NetworkMembership.objects.filter(dealer=dealer)
        .select_related("manufacturer", "region", "region__parts_centre")
        .order_by("manufacturer__code")
    )


def network_of_manufacturer(manufacturer_id: int) -> QuerySet[NetworkMembership]:
    return (
        NetworkMembership.objects.filter(manufacturer_id=manufacturer_id)
        .select_related("dealer", "region")
        .order_by("region__code", "dealer_code")
    )


def dealers_active_in(manufacturer_id: int) -> set[int]:
    """The ids of the dealers that are active members of the manufacturer's network now (read on
    every relay pass and dispatch: plain SQL, no query to build)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT dealer_id FROM tenants_networkmembership WHERE manufacturer_id = %s AND is_active",
            [manufacturer_id],
        )
        return {dealer_id for (dealer_id,) in cursor.fetchall()}


def staff_of(tenant: Tenant) -> QuerySet[Membership]:
    """The people working for a tenant now, with their user, by user name."""
    return (
        Membership.objects.filter(tenant=tenant, is_active=True)
        .select_related("user")
        .order_by("user__username")
    )


def saved_views_for(tenant: Tenant, user: User, page: str) -> list[SavedView]:
    """The person's own views of a list and those shared by others of the same tenant."""
    return list(
        SavedView.objects.filter(tenant=tenant, page=page)
        .filter(Q(owner=user) | Q(shared=True))
        .select_related("owner")
        .order_by("name", "pk")
    )
