"""The dealer's own administration: the networks it belongs to, and joining one by invitation.

People and roles, and the sign-in audit log, are the shared pages of
``tenants.views.people``; this page is the dealer's consent to a network: a
manufacturer's invitation code is entered here, shown for what it is, and
accepted (``networks.accept``) or simply not.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from config.bounds import MAX_ID
from config.portal import actor_of, apply_errors
from tenants.permissions import may
from tenants.selectors import networks_of_dealer
from tenants.services.invitations import network_invitation_accept, network_invitation_find
from tenants.services.rescue import network_rescue_declare


class CodeForm(forms.Form):
    code = forms.CharField(label=_lazy("Invitation code"), max_length=80)


class RescueForm(forms.Form):
    """The dealer's 24-hour rescue in one network: offered or not, the duty phone, where it is."""

    place = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    offers_rescue = forms.BooleanField(label=_lazy("We offer 24-hour roadside rescue"), required=False)
    rescue_duty_phone = forms.CharField(label=_lazy("Rescue duty phone"), max_length=20, required=False)
    district = forms.CharField(label=_lazy("District or county"), max_length=30, required=False)
    latitude = forms.CharField(
        label=_lazy("Latitude"),
        max_length=20,
        required=False,
        help_text=_lazy("GCJ-02, as Chinese maps give it"),
    )
    longitude = forms.CharField(
        label=_lazy("Longitude"),
        max_length=20,
        required=False,
        help_text=_lazy("GCJ-02, as Chinese maps give it"),
    )


def _rescue_forms(request: HttpRequest, bound: RescueForm | None = None) -> list[tuple]:
    rows = []
    for place in networks_of_dealer(request.tenant):
        if bound is not None and bound.data.get("place") == str(place.pk):
            form = bound
            form.auto_id = f"id_n{place.pk}_%s"
        else:
            form = RescueForm(
                initial={
                    "place": place.pk,
                    "offers_rescue": place.offers_rescue,
                    "rescue_duty_phone": place.rescue_duty_phone,
                    "district": place.district,
                    "latitude": place.latitude if place.latitude is not None else "",
                    "longitude": place.longitude if place.longitude is not None else "",
                },
                auto_id=f"id_n{place.pk}_%s",
            )
        rows.append((place, form))
    return rows


@login_required
def networks(request: HttpRequest) -> HttpResponse:
    """The dealer's networks; an administrator looks at an invitation code, then accepts it."""
    can_accept = may(request.membership.role, "networks.accept")
    form = CodeForm(request.POST or None)
    preview = None
    if request.method == "POST":
        if not can_accept:
            raise PermissionDenied(_("Your role may not do this."))
        if form.is_valid():
            code = form.cleaned_data["code"].strip()
            if request.POST.get("step") == "accept":
                try:
                    place = network_invitation_accept(code=code, dealer=request.tenant, by=request.user)
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(
                        request,
                        _("%(dealer)s joined the network of %(maker)s as %(code)s.")
                        % {
                            "dealer": request.tenant.name,
                            "maker": place.manufacturer.name,
                            "code": place.dealer_code,
                        },
                    )
                    return redirect("admin-networks")
            else:
                preview = network_invitation_find(code)
                if preview is None:
                    form.add_error("code", _("This code is not valid (unknown, used or expired)."))
    return render(
        request,
        "dealers/admin/networks.html",
        {
            "form": form,
            "preview": preview,
            "is_admin": can_accept,
            "networks": networks_of_dealer(request.tenant),
            "rescue_rows": _rescue_forms(request) if may(request.membership.role, "networks.rescue") else [],
        },
        status=400 if form.errors else 200,
    )


@login_required
def network_rescue(request: HttpRequest) -> HttpResponse:
    """The dealer declares its 24-hour rescue in one of its networks (another dealer's place: 404)."""
    if request.method != "POST":
        return redirect("admin-networks")
    if not may(request.membership.role, "networks.rescue"):
        raise PermissionDenied(_("Your role may not do this."))
    form = RescueForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            place = network_rescue_declare(
                actor=actor_of(request),
                dealer=request.tenant,
                place_id=d["place"],
                offers_rescue=d["offers_rescue"],
                duty_phone=d["rescue_duty_phone"],
                district=d["district"],
                latitude=d["latitude"],
                longitude=d["longitude"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Rescue service saved for %(maker)s.") % {"maker": place.manufacturer.name},
            )
            return redirect("admin-networks")
    return render(
        request,
        "dealers/admin/networks.html",
        {
            "form": CodeForm(),
            "is_admin": may(request.membership.role, "networks.accept"),
            "networks": networks_of_dealer(request.tenant),
            "rescue_rows": _rescue_forms(request, form),
        },
        status=400,
    )
