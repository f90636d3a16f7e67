"""Scheduler jobs over every manufacturer's hotline schema: due clocks, texts to owners.

Listed in ``SCHEDULER_JOBS``; ``manage.py run_scheduler`` calls each in a loop
and sleeps until the earliest next due time they return (or its idle poll,
which picks up work created meanwhile).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.models import Tenant, TenantType

from .services.clocks import clocks_fire_due


def _every_hotline(work: Callable[[], dt.datetime | None]) -> float | None:
    """Run ``work`` in each hotline schema; seconds until the earliest next due time, or None."""
    next_due = None
    for hotline in Tenant.objects.filter(type=TenantType.HOTLINE).order_by("pk"):
        with tenant_context(hotline):
            upcoming = work()
        if upcoming is not None and (next_due is None or upcoming < next_due):
            next_due = upcoming
    return None if next_due is None else max((next_due - timezone.now()).total_seconds(), 0.0)


def fire_due_clocks() -> float | None:
    """Fire due clocks everywhere."""
    return _every_hotline(lambda: clocks_fire_due()[1])


def send_owner_sms() -> float | None:
    """Send every hotline's due text messages to owners."""
    from .services.owner_sms import owner_sms_send_due

    return _every_hotline(owner_sms_send_due)
