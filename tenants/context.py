"""The tenant a database connection works in, and the loops over tenants.

Apart from the dealer gateway (``dealers/gateway.py``) and a few declared
places (``tests/test_layout.py`` lists them), code never switches schemas: it
runs in the schema a request, a task or one of these loops set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.db import connection
from django_tenants.utils import tenant_context

from .models import Tenant

logger = logging.getLogger(__name__)
T = TypeVar("T")


def current_tenant() -> Tenant:
    """The tenant whose schema the connection is in now."""
    return connection.tenant


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
