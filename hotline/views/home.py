"""The customer-service centre's start page and its dealer network."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.selectors import network_of_manufacturer


@login_required
def home(request: HttpRequest) -> HttpResponse:
    manufacturer = request.tenant.manufacturer
    network = list(network_of_manufacturer(manufacturer.pk))
    return render(
        request,
        "hotline/home.html",
        {
            "manufacturer": manufacturer,
            "dealer_count": len(network),
            "active_count": sum(1 for m in network if m.is_active),
            "regions": manufacturer.regions.select_related("parts_centre").order_by("code"),
        },
    )


@login_required
def network(request: HttpRequest) -> HttpResponse:
    manufacturer = request.tenant.manufacturer
    return render(
        request,
        "hotline/network.html",
        {
            "manufacturer": manufacturer,
            "network": network_of_manufacturer(manufacturer.pk),
        },
    )
