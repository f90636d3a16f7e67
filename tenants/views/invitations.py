"""Taking an invitation, on the inviting tenant's own host.

The person either signs in with the account they have (password, and a code
where they use a second factor) or makes a new one; only then do they become a
member. The page says the same for a wrong password and an unknown user name,
and every attempt counts against the sign-in limits.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.decorators import ratelimit

from config.portal import apply_errors

from ..services.invitations import invitation_accept, invitation_open
from ..services.mfa import authenticator_of, second_factor_match
from ..services.provisioning import user_create
from ..services.signin import signin_failed, signin_wait, source_of


class ExistingAccountForm(forms.Form):
    username = forms.CharField(label=_lazy("User name"), max_length=150)
    password = forms.CharField(label=_lazy("Password"), widget=forms.PasswordInput)
    code = forms.CharField(label=_lazy("Two-factor code (if you use one)"), required=False, max_length=20)


class NewAccountForm(forms.Form):
    new_username = forms.CharField(label=_lazy("User name"), max_length=150)
    full_name = forms.CharField(label=_lazy("Full name"), max_length=60)
    new_password = forms.CharField(label=_lazy("Password"), widget=forms.PasswordInput)


@sensitive_post_parameters("password", "new_password")
@never_cache
@ratelimit(key="ip", rate=lambda g, r: settings.LOGIN_RATE_PER_IP, method="POST", block=True)
def invitation_take(request: HttpRequest, secret: str) -> HttpResponse:
    invitation = invitation_open(request.tenant, secret)
    if invitation is None:
        raise Http404
    existing = ExistingAccountForm(request.POST if request.POST.get("with") == "existing" else None)
    new = NewAccountForm(
        request.POST if request.POST.get("with") == "new" else None,
        initial={"full_name": invitation.full_name},
    )
    if request.method == "POST":
        if request.POST.get("with") == "existing" and existing.is_valid():
            d = existing.cleaned_data
            source = source_of(request, d["username"])
            if signin_wait(source):
                existing.add_error(None, _("Too many attempts. Please wait a few minutes and try again."))
            else:
                user = authenticate(request, username=d["username"], password=d["password"])
                if user is not None and authenticator_of(user) is not None:
                    user = user if second_factor_match(user, d["code"]) is not None else None
                if user is None:
                    signin_failed(request, source, username=d["username"], user=None)
                    existing.add_error(None, _("The user name, the password or the code is not right."))
                else:
                    invitation_accept(request=request, invitation=invitation, user=user)
                    messages.success(
                        request, _("You have joined %(tenant)s. Sign in.") % {"tenant": request.tenant.name}
                    )
                    return redirect("login")
        elif request.POST.get("with") == "new" and new.is_valid():
            d = new.cleaned_data
            try:
                with transaction.atomic():
                    user = user_create(
                        username=d["new_username"],
                        password=d["new_password"],
                        full_name=d["full_name"],
                        email=invitation.email,
                    )
                    invitation_accept(request=request, invitation=invitation, user=user)
            except ValidationError as exc:
                apply_errors(
                    new, exc, {"username": "new_username", "password": "new_password", "__all__": "__all__"}
                )
            else:
                messages.success(
                    request, _("You have joined %(tenant)s. Sign in.") % {"tenant": request.tenant.name}
                )
                return redirect("login")
    return render(
        request,
        "tenants/invitation.html",
        {"invitation": invitation, "existing": existing, "new": new},
        status=400 if existing.errors or new.errors else 200,
    )
