"""The customer-service centre's start page: its dealer network at a glance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.selectors import network_of_manufacturer


@login_required
def home(request: HttpRequest) -> HttpResponse:
    manufacturer = request.tenant.manufacturer
    network = list(network_of_manufacturer(manufacturer.pk))
    regions = manufacturer.regions.select_related("parts_centre").order_by("code")
    return render(request, "hotline/home.html", {
        "manufacturer": manufacturer,
        "network": network,
        "active_count": sum(1 for m in network if m.is_active),
        "regions": regions,
    })
