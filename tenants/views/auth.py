"""Sign-in and sign-out on every host; a user signs in only where they are a member.

Two steps when a second factor is needed (the role needs one, or the person
turned it on): the password, then a code from the authenticator or a recovery
code; a role that needs one and has none sets it up on the way in. Every
attempt counts against the account *and* the device or network it came from
(``tenants.services.signin``), and is written to the audit log.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.decorators import ratelimit

from ..models import AuthEventKind, User
from ..selectors import LAST_SEEN, SIGNED_IN_AT, membership_for
from ..services.mfa import (
    authenticator_confirm,
    authenticator_of,
    authenticator_pending,
    authenticator_qr_svg,
    authenticator_secret,
    second_factor_match,
    second_factor_needed,
)
from ..services.signin import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_MAX_AGE,
    account_key,
    auth_event_record,
    device_cookie,
    signin_failed,
    signin_succeeded,
    signin_wait,
    source_of,
)

PENDING = "signin_pending"  # the session's half-done sign-in: who, since when, where to go


class TenantAuthenticationForm(AuthenticationForm):
    """Valid credentials of a non-member fail exactly like a wrong password."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        tenant = getattr(self.request, "tenant", None)
        if tenant is None or membership_for(user, tenant) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)


def _account_and_source(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key: the account as sign-in reads it (NFKC, case-folded) and the device
    or network the attempt comes from; what a stranger does elsewhere never counts here."""
    source = source_of(request, request.POST.get("username", ""))
    return f"{source.account}|{source.key}"


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return settings.LOGIN_REDIRECT_URL


def _complete(request: HttpRequest, user: User, device: Any | None) -> HttpResponse:
    """The person is in: a new session, marked with its second factor and sign-in time."""
    pending = request.session.get(PENDING) or {}
    goal = pending.get("next") or _next(request)
    username = pending.get("username") or user.username
    source = source_of(request, username)
    login(request, user, backend=pending.get("backend") or "django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    request.session.pop(PENDING, None)
    request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = time.time()
    signin_succeeded(request, source, user=user, second_factor=device is not None)
    response = redirect(goal if goal.startswith("/") else settings.LOGIN_REDIRECT_URL)
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie(request, source.account),
        max_age=DEVICE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    _language_carry(request, response, user)
    return response


def _language_carry(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """A language chosen on this device is the account's if it has none yet; otherwise the
    account's language follows the person to a device that has none chosen."""
    languages = dict(settings.LANGUAGES)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in languages:
        if not user.preferred_language:
            user.preferred_language = chosen
            user.save(update_fields=["preferred_language"])
    elif user.preferred_language in languages:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.preferred_language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > settings.LOGIN_SECOND_STEP_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or membership_for(user, request.tenant) is None:
        return None
    return user


@sensitive_post_parameters("password")
@never_cache
@ratelimit(key="ip", rate=lambda g, r: settings.LOGIN_RATE_PER_IP, method="POST", block=True)
@ratelimit(
    key=_account_and_source, rate=lambda g, r: settings.LOGIN_RATE_PER_USERNAME, method="POST", block=True
)
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and getattr(request, "membership", None) is not None:
        return redirect(_next(request))
    form = TenantAuthenticationForm(request, data=request.POST or None)
    if request.method == "POST":
        username = request.POST.get("username", "")
        source = source_of(request, username)
        wait = signin_wait(source)
        if wait:
            return rate_limited(request, wait=wait)
        if form.is_valid():
            user = form.get_user()
            membership = membership_for(user, request.tenant)
            if not second_factor_needed(user, membership.role if membership else None):
                return _complete(request, user, None)
            request.session.cycle_key()
            request.session[PENDING] = {
                "user": user.pk,
                "at": time.time(),
                "backend": user.backend,
                "next": _next(request),
                "username": username,
            }
            return redirect("login-verify" if authenticator_of(user) else "login-setup")
        known = User.objects.filter(username=form.cleaned_data.get("username") or username).first()
        wait = signin_failed(request, source, username=username, user=known)
        if wait:
            return rate_limited(request, wait=wait)
    return render(request, "tenants/login.html", {"form": form, "next": _next(request)}, status=200)


@never_cache
@ratelimit(key="ip", rate=lambda g, r: settings.LOGIN_RATE_PER_IP, method="POST", block=True)
def login_verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator, or one of the recovery codes."""
    user = _pending_user(request)
    if user is None:
        return redirect("login")
    pending = request.session[PENDING]
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        source = source_of(request, pending.get("username") or user.username)
        wait = signin_wait(source)
        if wait:
            return rate_limited(request, wait=wait)
        if form.is_valid():
            device = second_factor_match(user, form.cleaned_data["code"])
            if device is not None:
                return _complete(request, user, device)
        form.add_error("code", _("The code is not valid."))
        auth_event_record(request, AuthEventKind.MFA_FAILED, user=user)
        wait = signin_failed(request, source, username=source.account, user=user)
        if wait:
            return rate_limited(request, wait=wait)
    return render(request, "tenants/login_verify.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
@ratelimit(key="ip", rate=lambda g, r: settings.LOGIN_RATE_PER_IP, method="POST", block=True)
def login_setup(request: HttpRequest) -> HttpResponse:
    """A role that needs a second factor and has none: scan the secret, prove it with a code."""
    user = _pending_user(request)
    if user is None:
        return redirect("login")
    if authenticator_of(user) is not None:
        return redirect("login-verify")
    pending = request.session[PENDING]
    device = TOTPDevice.objects.filter(pk=pending.get("device"), user=user, confirmed=False).first()
    if device is None:
        device = authenticator_pending(user)
        pending["device"] = device.pk
        request.session.modified = True
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            authenticator_confirm(request=request, user=user, device=device, code=form.cleaned_data["code"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("code", message)
            signin_failed(
                request,
                source_of(request, pending.get("username") or user.username),
                username=account_key(user.username),
                user=user,
            )
        else:
            return _complete(request, user, device)
    return render(
        request,
        "tenants/login_setup.html",
        {"form": form, "qr": authenticator_qr_svg(device), "secret": authenticator_secret(device)},
        status=400 if form.errors else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out: the session ends, and with it its open live sockets (``live`` hears of it)."""
    if request.user.is_authenticated:
        auth_event_record(request, AuthEventKind.SIGNED_OUT, user=request.user)
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


def rate_limited(request: HttpRequest, exception: Exception | None = None, wait: int = 60) -> HttpResponse:
    minutes = max(1, (wait + 59) // 60)
    response = render(
        request,
        "tenants/rate_limited.html",
        {
            "message": _(
                "Too many sign-in attempts. Please wait %(minutes)s minute(s) and try again, "
                "or sign in from a device you have used before."
            )
            % {"minutes": minutes},
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


__all__ = ["login_setup", "login_verify", "login_view", "logout_view", "rate_limited"]
