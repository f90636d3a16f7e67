"""The tenant a database connection works in, and the loops over tenants.

Apart from the dealer gateway (``dealers/gateway.py``) and a few declared
places (``tests/test_layout.py`` lists them), code never switches schemas: it
runs in the schema a request, a task or one of these loops set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from celery import current_app
from django.db import InterfaceError, OperationalError, connection, transaction
from django_tenants.utils import get_public_schema_name, tenant_context
from redis.exceptions import RedisError

from .models import Tenant

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Trouble reaching our own database or Redis for a moment: a task that meets it is tried again.
TRANSIENT = (OperationalError, InterfaceError, RedisError, ConnectionError, TimeoutError)


def current_tenant() -> Tenant:
    """The tenant whose schema the connection is in now."""
    return connection.tenant


def enqueue_in(tenant: Tenant, task: str, *args: Any) -> None:
    """Queue the task named ``task`` now, to run in ``tenant``'s schema (a sweep's re-queue, the
    relay's held dispatch tasks)."""
    _enqueue(tenant.schema_name, task, args)


def enqueue_public(task: str, *args: Any) -> None:
    """Queue the task named ``task`` now, to run in the public schema (it visits tenants itself)."""
    _enqueue(get_public_schema_name(), task, args)


def _enqueue(schema: str, task: str, args: tuple) -> None:
    try:
        current_app.send_task(task, args=args, headers={"_schema_name": schema})
    except Exception:  # the broker is away: the next sweep tries again
        logger.warning("could not queue %s%r in %s", task, args, schema, exc_info=True)


def enqueue_on_commit(task: str, *args: Any) -> None:
    """Queue the task named ``task`` with ``args`` once the current transaction commits, to run
    in this schema (by name: the services that queue a task need not import it).

    The schema is taken now, not at the commit (the committing code may be in
    another schema by then). A broker that is away loses nothing: the row the task
    works on is still pending, and the periodic sweep queues it again.
    """
    schema = connection.schema_name

    def send() -> None:
        try:
            current_app.send_task(task, args=args, headers={"_schema_name": schema})
        except Exception:  # the broker is away: the sweep picks the row up later
            logger.warning("could not queue %s%r in %s; the sweep will", task, args, schema, exc_info=True)

    transaction.on_commit(send)


@dataclass
class TenantPass(Generic[T]):
    """What one pass over tenants did: each tenant's result, and the tenants that failed."""

    results: dict[int, T] = field(default_factory=dict)
    failed: dict[int, Exception] = field(default_factory=dict)


def each_tenant(
    work: Callable[[Tenant], T],
    *,
    tenant_type: str | None = None,
    tenants: Iterable[Tenant] | None = None,
    name: str = "",
) -> TenantPass[T]:
    """Run ``work`` in each tenant's schema: of a type, or the tenants given.

    One tenant's failure is logged with the tenant and counted; the loop goes
    on with the next, so one broken schema never stops the others.
    """
    if tenants is None:
        tenants = Tenant.objects.filter(type=tenant_type).order_by("pk")
    done: TenantPass[T] = TenantPass()
    for tenant in tenants:
        try:
            with tenant_context(tenant):
                done.results[tenant.pk] = work(tenant)
        except Exception as exc:  # one tenant's trouble must not hold up the others
            logger.exception("%s failed for tenant %s (id %s)", name or work.__name__, tenant.slug, tenant.pk)
            done.failed[tenant.pk] = exc
    return done
