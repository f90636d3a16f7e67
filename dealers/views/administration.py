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

from config.portal import apply_errors
from tenants.permissions import may
from tenants.selectors import networks_of_dealer
from tenants.services.invitations import network_invitation_accept, network_invitation_find


class CodeForm(forms.Form):
    code = forms.CharField(label=_lazy("Invitation code"), max_length=80)


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
        },
        status=400 if form.errors else 200,
    )
