"""The notification centre, on every hotline and dealer host: the person's own notifications."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from config.portal import live_page

from .services import notifications_mark_read, notifications_of


@login_required
@live_page
def notification_centre(request: HttpRequest) -> HttpResponse:
    """The latest notifications; POST marks them read (all, or the one given)."""
    if request.method == "POST":
        one = request.POST.get("id")
        notifications_mark_read(request.user.pk, [int(one)] if one and one.isdigit() else None)
        return redirect("notifications")
    items = list(notifications_of(request.user.pk, limit=100))
    for item in items:
        item.url = (
            f"/work-orders/{item.work_order_number}/"
            if request.tenant.type == "hotline"
            else f"/work-orders/{item.manufacturer_code}/{item.work_order_number}/"
        )
    return render(request, "notifications/centre.html", {"items": items})
