"""Reads of parts-support requests, always for one parts centre."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from tenants.models import NetworkMembership

from .models import PartsRequest


def parts_requests_for_centre(
    *,
    parts_centre_id: int,
    manufacturer_id: int,
    state: str = "",
    dealer_code: str = "",
    since: dt.datetime | None = None,
) -> QuerySet[PartsRequest]:
    """The centre's requests (those of the regions it served when raised), newest first."""
    requests = (
        PartsRequest.objects.filter(parts_centre_id=parts_centre_id)
        .select_related("work_order")
        .prefetch_related("lines")
    )
    if state:
        requests = requests.filter(state=state)
    if dealer_code:
        dealer_ids = NetworkMembership.objects.filter(
            manufacturer_id=manufacturer_id, dealer_code=dealer_code
        ).values_list("dealer_id", flat=True)
        requests = requests.filter(dealer_id__in=list(dealer_ids))
    if since is not None:
        requests = requests.filter(raised_at__gte=since)
    return requests


def parts_request_for_centre(*, parts_centre_id: int, number: str) -> PartsRequest:
    """One of the centre's requests; anything else is ``DoesNotExist`` (404, as if it did not exist)."""
    return (
        PartsRequest.objects.select_related("work_order")
        .prefetch_related("lines")
        .get(parts_centre_id=parts_centre_id, number=number)
    )
