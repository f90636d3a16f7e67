"""A person's own account: the password, two-factor sign-in, recovery codes, the language."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import AuthEventKind
from ..services.mfa import (
    authenticator_confirm,
    authenticator_of,
    authenticator_pending,
    authenticator_qr_svg,
    authenticator_secret,
    mfa_mandatory_for,
    mfa_turn_off,
    recovery_codes_new,
)
from ..services.signin import auth_event_record
from .auth import CodeForm

SETUP_DEVICE = "account_totp_setup"


def language_set(request: HttpRequest) -> HttpResponse:
    """The top bar's language switch (Django's ``set_language``); a signed-in person's choice is
    also kept on the account, so e-mails and the daily digest are written in it and a sign-in
    on another device starts in it."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and request.user.preferred_language != language
    ):
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "tenants/account.html",
        {
            "password_form": PasswordChangeForm(request.user),
            "authenticator": authenticator_of(request.user),
            "mandatory": mfa_mandatory_for(request.user),
        },
    )


@login_required
@require_POST
@sensitive_post_parameters()
def password_change(request: HttpRequest) -> HttpResponse:
    """A new password; the person's other sessions end (their session hash changes)."""
    form = PasswordChangeForm(request.user, request.POST)
    if form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        auth_event_record(request, AuthEventKind.PASSWORD_CHANGED, user=request.user)
        messages.success(request, _("Password changed. Your other sessions have ended."))
        return redirect("account")
    return render(
        request,
        "tenants/account.html",
        {
            "password_form": form,
            "authenticator": authenticator_of(request.user),
            "mandatory": mfa_mandatory_for(request.user),
        },
        status=400,
    )


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Turn the authenticator on (scan, confirm), replace it, turn it off, or get new recovery codes."""
    user = request.user
    step = request.POST.get("step", "")
    codes: list[str] = []
    form = CodeForm(request.POST if step == "confirm" else None)
    device = TOTPDevice.objects.filter(
        pk=request.session.get(SETUP_DEVICE), user=user, confirmed=False
    ).first()
    if request.method == "POST":
        if step == "start" or (step == "confirm" and device is None):
            device = authenticator_pending(user)
            request.session[SETUP_DEVICE] = device.pk
        elif step == "confirm" and form.is_valid():
            try:
                authenticator_confirm(
                    request=request, user=user, device=device, code=form.cleaned_data["code"]
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("code", message)
            else:
                request.session.pop(SETUP_DEVICE, None)
                codes = recovery_codes_new(request=request, user=user)
                messages.success(request, _("Two-factor sign-in is on."))
                device = None
        elif step == "recovery":
            codes = recovery_codes_new(request=request, user=user)
        elif step == "off":
            try:
                mfa_turn_off(request=request, user=user)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Two-factor sign-in is off."))
            return redirect("account")
    return render(
        request,
        "tenants/two_factor.html",
        {
            "form": form,
            "setup": device,
            "qr": authenticator_qr_svg(device) if device else "",
            "secret": authenticator_secret(device) if device else "",
            "codes": codes,
            "authenticator": authenticator_of(user),
            "mandatory": mfa_mandatory_for(user),
        },
        status=400 if form.errors else 200,
    )
