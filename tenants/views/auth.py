"""Sign-in and sign-out on every host; a user signs in only where they are a member."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django_ratelimit.decorators import ratelimit

from ..selectors import membership_for


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


def _username(group: str, request: HttpRequest) -> str:
    return (request.POST.get("username") or "").strip().lower()


@method_decorator(
    ratelimit(key="ip", rate=lambda g, r: settings.LOGIN_RATE_PER_IP, method="POST", block=True),
    name="post",
)
@method_decorator(
    ratelimit(key=_username, rate=lambda g, r: settings.LOGIN_RATE_PER_USERNAME, method="POST", block=True),
    name="post",
)
class LoginView(auth_views.LoginView):
    form_class = TenantAuthenticationForm
    template_name = "tenants/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    response = render(
        request,
        "tenants/rate_limited.html",
        {
            "message": _("Too many sign-in attempts. Please wait a minute and try again."),
        },
        status=429,
    )
    response["Retry-After"] = "60"
    return response
