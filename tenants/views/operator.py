"""The platform operators' overview on the public host."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.portal import port_of

from ..models import Manufacturer, Tenant, TenantType
from ..selectors import portal_url


@login_required
def home(request: HttpRequest) -> HttpResponse:
    manufacturers = (
        Manufacturer.objects.select_related("hotline")
        .annotate(
            dealers=Count("network", distinct=True),
            active_dealers=Count("network", filter=Q(network__is_active=True), distinct=True),
            region_count=Count("regions", distinct=True),
            centre_count=Count("parts_centres", distinct=True),
        )
        .order_by("code")
    )
    rows = [
        {"manufacturer": m, "url": portal_url(m.hotline, port=port_of(request) or 0)} for m in manufacturers
    ]
    return render(
        request,
        "tenants/operator_home.html",
        {
            "rows": rows,
            "dealer_count": Tenant.objects.filter(type=TenantType.DEALER).count(),
        },
    )
