"""The scheduler job for SLA clocks: fire what is due in every manufacturer's hotline schema.

Listed in ``SCHEDULER_JOBS``; ``manage.py run_scheduler`` calls it in a loop and
sleeps until the earliest next due time it returns (or its idle poll, which
picks up clocks started meanwhile).
"""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.models import Tenant, TenantType

from .services.clocks import clocks_fire_due


def fire_due_clocks() -> float | None:
    """Fire due clocks everywhere; seconds until the next one is due, or None if none is."""
    next_due = None
    for hotline in Tenant.objects.filter(type=TenantType.HOTLINE).order_by("pk"):
        with tenant_context(hotline):
            _fired, upcoming = clocks_fire_due()
        if upcoming is not None and (next_due is None or upcoming < next_due):
            next_due = upcoming
    if next_due is None:
        return None
    return max((next_due - timezone.now()).total_seconds(), 0.0)


def send_owner_sms() -> float | None:
    """Send every hotline's due text messages to owners; seconds until the next, or None."""
    from .services.owner_sms import owner_sms_send_due

    next_due = None
    for hotline in Tenant.objects.filter(type=TenantType.HOTLINE).order_by("pk"):
        with tenant_context(hotline):
            upcoming = owner_sms_send_due()
        if upcoming is not None and (next_due is None or upcoming < next_due):
            next_due = upcoming
    return None if next_due is None else max((next_due - timezone.now()).total_seconds(), 0.0)
