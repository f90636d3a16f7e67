"""Pages every portal shares: the tenant switcher."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..selectors import memberships_of, portal_url


@login_required
def switch_tenant(request: HttpRequest) -> HttpResponse:
    """Every tenant the user belongs to, with the address of its portal."""
    places = [
        {"membership": m, "url": portal_url(m.tenant), "current": m.tenant_id == request.tenant.pk}
        for m in memberships_of(request.user)
    ]
    return render(request, "tenants/switch.html", {"places": places})
