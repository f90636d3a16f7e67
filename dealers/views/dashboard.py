"""The dealer's start page: the day's work across every network it serves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.portal import actor_of, live_page
from tenants.permissions import may
from tenants.selectors import networks_of_dealer

from ..digest import digest_choose, digest_wanted
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
            "digest_allowed": (allowed := may(request.membership.role, "dealer.digest")),
            "digest_wanted": allowed and digest_wanted(request.user.pk),
        },
    )


@login_required
@require_POST
def digest(request: HttpRequest) -> HttpResponse:
    """The general manager's choice of the daily digest of new complaints, by e-mail."""
    if not may(request.membership.role, "dealer.digest"):
        raise PermissionDenied
    wanted = request.POST.get("wanted") == "yes"
    digest_choose(actor=actor_of(request), wanted=wanted)
    if wanted:
        messages.success(request, _("You will receive the digest of new complaints every morning at 08:00."))
    else:
        messages.success(request, _("You will no longer receive the daily digest."))
    return redirect("home")
