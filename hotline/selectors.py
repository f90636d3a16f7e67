"""Reads of the hotline schema, named for what they return."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import OPEN_STATES, Owner, Vehicle, WorkOrder


def owners_matching(query: str) -> QuerySet[Owner]:
    """Owners found again by mobile number, licence plate or VIN (exact, case-insensitive)."""
    query = (query or "").strip().upper()
    if not query:
        return Owner.objects.none()
    return (Owner.objects.filter(Q(mobile=query) | Q(vehicles__plate=query)
                                 | Q(vehicles__vin=query))
            .prefetch_related("vehicles").distinct().order_by("-created_at"))


def vehicles_of(owner: Owner) -> QuerySet[Vehicle]:
    return owner.vehicles.order_by("-purchase_date")


def open_work_orders_of(owner: Owner) -> QuerySet[WorkOrder]:
    """For the intake warning: this owner already has work orders in progress."""
    return WorkOrder.objects.filter(owner=owner, state__in=OPEN_STATES).order_by("-received_at")
