"""Scheduler jobs over every manufacturer's hotline schema: due clocks, and texted-only results
closed as "closed — not verified".

Listed in ``SCHEDULER_JOBS``; ``manage.py run_scheduler`` calls each in a loop
and sleeps until the earliest next due time they return (or its idle poll,
which picks up work created meanwhile). One hotline's failure is logged and
the others' clocks go on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from tenants.context import each_tenant
from tenants.models import TenantType

from .services.callbacks import work_orders_close_unverified
from .services.clocks import clocks_fire_due


def _every_hotline(work: Callable[[], dt.datetime | None], name: str) -> float | None:
    """Run ``work`` in each hotline schema; seconds until the earliest next due time, or None."""
    done = each_tenant(lambda _hotline: work(), tenant_type=TenantType.HOTLINE, name=name)
    upcoming = [due for due in done.results.values() if due is not None]
    return None if not upcoming else max((min(upcoming) - timezone.now()).total_seconds(), 0.0)


def fire_due_clocks() -> float | None:
    """Fire due clocks everywhere."""
    return _every_hotline(lambda: clocks_fire_due()[1], "clocks")


def close_unverified() -> float | None:
    """Close every hotline's texted-only results as "closed — not verified" when the policy says."""
    return _every_hotline(work_orders_close_unverified, "closed — not verified")
