"""The dealer's start page: the day's work across every network it serves."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.portal import live_page
from tenants.selectors import networks_of_dealer

from ..gateway import DealerGateway


@login_required
@live_page
def dashboard(request: HttpRequest) -> HttpResponse:
    """My work, due within 2 h, overdue, awaiting parts by age, callbacks running; each figure
    links to the inbox filtered to the work orders it counts; the page follows live."""
    data = DealerGateway(request.tenant).dashboard(user_id=request.user.pk)
    return render(
        request,
        "dealers/dashboard.html",
        {
            "f": data["figures"],
            "awaiting": data["awaiting_parts"],
            "networks": networks_of_dealer(request.tenant),
        },
    )
