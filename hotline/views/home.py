"""The customer-service centre's start page (the day's figures) and its dealer network."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.portal import live_page
from tenants.permissions import may
from tenants.selectors import network_of_manufacturer

from ..selectors import dashboard_for_hotline, regions_of
from .forms import day_bounds


@login_required
@live_page
def home(request: HttpRequest) -> HttpResponse:
    """Agents: their open work orders, callbacks due today, numbers to verify. Supervisors and
    administrators also: overdue now, due within 2 h, awaiting parts by age, decisions
    waiting, by dealer and region, today's intake against yesterday's. Every figure links to
    the board filtered to the work orders it counts; the page follows live."""
    today, _end = day_bounds("today")
    dashboard = dashboard_for_hotline(user_id=request.user.pk, today=today)
    return render(
        request,
        "hotline/home.html",
        {
            "manufacturer": request.tenant.manufacturer,
            "d": dashboard,
            "f": dashboard.figures,
            # The supervisors' figures go with their decisions (tenants/permissions.py).
            "is_supervisor": may(request.membership.role, "transfer.decide"),
        },
    )


@login_required
def network(request: HttpRequest) -> HttpResponse:
    manufacturer = request.tenant.manufacturer
    network = list(network_of_manufacturer(manufacturer.pk))
    return render(
        request,
        "hotline/network.html",
        {
            "manufacturer": manufacturer,
            "network": network,
            "dealer_count": len(network),
            "active_count": sum(1 for m in network if m.is_active),
            "regions": regions_of(manufacturer.pk).select_related("parts_centre"),
        },
    )
