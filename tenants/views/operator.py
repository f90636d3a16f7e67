"""The platform operators' overview on the public host."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from config.portal import apply_errors, port_of

from ..models import Manufacturer, Tenant, TenantType
from ..permissions import may
from ..selectors import portal_url
from ..services.invitations import dealer_tenant_create, network_invitation_accept


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


class DealerTenantForm(forms.Form):
    slug = forms.CharField(label=_lazy("Host name (slug)"), max_length=40)
    name = forms.CharField(label=_lazy("Name"), max_length=120)


class AcceptForDealerForm(forms.Form):
    code = forms.CharField(label=_lazy("Invitation code"), max_length=80)
    dealer = forms.CharField(label=_lazy("Dealer (slug)"), max_length=40)


def _require(request: HttpRequest, action: str) -> None:
    if not may(getattr(request.membership, "role", ""), action):
        raise PermissionDenied(_("Your role may not do this."))


@login_required
def dealers(request: HttpRequest) -> HttpResponse:
    """Operators create dealer tenants (in no network yet) and accept a network's invitation on a
    dealer's behalf (when the dealer asks them to)."""
    create_form = DealerTenantForm(request.POST if request.POST.get("form") == "create" else None)
    accept_form = AcceptForDealerForm(request.POST if request.POST.get("form") == "accept" else None)
    if request.method == "POST":
        if request.POST.get("form") == "create":
            _require(request, "platform.dealers.create")
            if create_form.is_valid():
                try:
                    tenant = dealer_tenant_create(**create_form.cleaned_data)
                except ValidationError as exc:
                    apply_errors(create_form, exc)
                else:
                    messages.success(request, _("Dealer %(name)s created.") % {"name": tenant.name})
                    return redirect("operator-dealers")
        else:
            _require(request, "platform.invitations.accept")
            if accept_form.is_valid():
                dealer = Tenant.objects.filter(
                    type=TenantType.DEALER, slug=accept_form.cleaned_data["dealer"]
                ).first()
                try:
                    if dealer is None:
                        raise ValidationError({"dealer": [_("No dealer has this slug.")]})
                    place = network_invitation_accept(
                        code=accept_form.cleaned_data["code"], dealer=dealer, by=request.user
                    )
                except ValidationError as exc:
                    apply_errors(accept_form, exc)
                else:
                    messages.success(
                        request,
                        _("%(dealer)s joined the network of %(maker)s.")
                        % {"dealer": dealer.name, "maker": place.manufacturer.name},
                    )
                    return redirect("operator-dealers")
    return render(
        request,
        "tenants/operator_dealers.html",
        {"create_form": create_form, "accept_form": accept_form},
        status=400 if create_form.errors or accept_form.errors else 200,
    )
