"""The manufacturer's administration: SLA policy, calendar, text messages, users and roles, network.

Everyone on the hotline may read these pages; changes go through the services,
which admit only the customer-service centre's administrators.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from config.portal import actor_of, apply_errors
from tenants.models import Membership, PartsCentre, Region, Role, User
from tenants.models.identity import ROLES_BY_TENANT_TYPE
from tenants.selectors import network_of_manufacturer
from tenants.services.provisioning import membership_grant, user_create

from ..models import CalendarOverride, OwnerSmsKind, OwnerSmsTemplate
from ..services.owner_sms import DEFAULT_TEXTS, PLACEHOLDERS, owner_sms_template_set
from ..services.policy import ADMIN_ROLES, WindowSpec, calendar_override_set, policy_current, policy_publish


def _is_admin(request: HttpRequest) -> bool:
    return request.membership.role in ADMIN_ROLES


def _refused(request: HttpRequest, exc: PermissionDenied) -> None:
    messages.error(request, str(exc) or _("Only the customer-service centre's administrators may do this."))


# --- SLA policy -----------------------------------------------------------------------------

class PolicyForm(forms.Form):
    business_opens = forms.TimeField(label=_lazy("Business hours open"))
    business_closes = forms.TimeField(label=_lazy("Business hours close"))
    repeat_window_days = forms.IntegerField(label=_lazy("Repeat window (days)"))
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args, windows: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.windows = windows
        for i, window in enumerate(windows):
            self.fields[f"w{i}_minutes"] = forms.IntegerField(label=_lazy("Minutes"), initial=window.minutes)
            self.fields[f"w{i}_warn"] = forms.CharField(
                label=_lazy("Warn before (minutes, comma-separated)"), required=False,
                initial=", ".join(str(m) for m in window.warn_before))

    def rows(self) -> list[dict[str, Any]]:
        return [{"window": w, "minutes": self[f"w{i}_minutes"], "warn": self[f"w{i}_warn"]}
                for i, w in enumerate(self.windows)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for i in range(len(self.windows)):
            raw = data.get(f"w{i}_warn") or ""
            try:
                data[f"w{i}_warn"] = tuple(int(x) for x in raw.replace("，", ",").split(",") if x.strip())
            except ValueError:
                self.add_error(f"w{i}_warn", _("Write whole numbers of minutes separated by commas."))
        return data


@login_required
def sla_policy(request: HttpRequest) -> HttpResponse:
    policy = policy_current()
    windows = list(policy.windows.order_by("id"))
    initial = {"business_opens": policy.business_opens, "business_closes": policy.business_closes,
               "repeat_window_days": policy.repeat_window_days}
    form = PolicyForm(request.POST or None, initial=initial, windows=windows)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        specs = [WindowSpec(kind=w.kind, minutes=d[f"w{i}_minutes"], calendar=w.calendar,
                            warn_before=d[f"w{i}_warn"], second_escalation_after=w.second_escalation_after,
                            paused_in=tuple(w.paused_in), work_order_type=w.work_order_type,
                            severity=w.severity, category=w.category) for i, w in enumerate(windows)]
        try:
            new = policy_publish(actor=actor_of(request), windows=specs, note=d["note"],
                                 business_opens=d["business_opens"], business_closes=d["business_closes"],
                                 repeat_window_days=d["repeat_window_days"])
        except PermissionDenied as exc:
            _refused(request, exc)
        except ValidationError as exc:
            errors = exc.message_dict
            for i in range(len(windows)):
                for name, field in (("minutes", "minutes"), ("warn_before", "warn")):
                    for message in errors.pop(f"windows[{i}].{name}", []):
                        form.add_error(f"w{i}_{field}", message)
            apply_errors(form, ValidationError(errors))
        else:
            messages.success(request, _("Policy version %(version)s published; new windows follow it.")
                             % {"version": new.version})
            return redirect("admin-policy")
    return render(request, "hotline/admin/policy.html", {
        "policy": policy, "form": form, "is_admin": _is_admin(request)}, status=400 if form.errors else 200)


# --- calendar -------------------------------------------------------------------------------

class OverrideForm(forms.Form):
    day = forms.DateField(label=_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.ChoiceField(label=_lazy("This day is"), choices=[
        ("no", _lazy("a holiday (no work)")), ("yes", _lazy("a make-up working day"))])
    name = forms.CharField(label=_lazy("Name"), required=False, max_length=60)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            calendar_override_set(actor=actor_of(request), day=d["day"],
                                  is_working_day=d["is_working_day"] == "yes", name=d["name"])
        except PermissionDenied as exc:
            _refused(request, exc)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Calendar updated."))
            return redirect("admin-calendar")
    today = dt.date.today()  # noqa: DTZ011 (a list of dates, not an instant)
    return render(request, "hotline/admin/calendar.html", {
        "form": form, "is_admin": _is_admin(request),
        "overrides": CalendarOverride.objects.filter(
            day__gte=today.replace(month=1, day=1)).order_by("day"),
    }, status=400 if form.errors else 200)


# --- text messages --------------------------------------------------------------------------

class SmsForm(forms.Form):
    kind = forms.ChoiceField(label=_lazy("Message"), choices=OwnerSmsKind.choices)
    body = forms.CharField(label=_lazy("Text"), widget=forms.Textarea(attrs={"rows": 3}))
    provider_template_code = forms.CharField(label=_lazy("Provider template code"), required=False,
                                             max_length=40)


@login_required
def sms_templates(request: HttpRequest) -> HttpResponse:
    form = SmsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            owner_sms_template_set(actor=actor_of(request), **form.cleaned_data)
        except PermissionDenied as exc:
            _refused(request, exc)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Message text saved."))
            return redirect("admin-sms")
    saved = {t.kind: t for t in OwnerSmsTemplate.objects.all()}
    rows = [{"kind": kind, "label": label,
             "body": saved[kind].body if kind in saved else DEFAULT_TEXTS[kind],
             "code": saved[kind].provider_template_code if kind in saved else "",
             "default": kind not in saved}
            for kind, label in OwnerSmsKind.choices]
    return render(request, "hotline/admin/sms.html", {
        "form": form, "rows": rows, "is_admin": _is_admin(request),
        "placeholders": ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
    }, status=400 if form.errors else 200)


# --- users and roles ------------------------------------------------------------------------

class MemberForm(forms.Form):
    username = forms.CharField(label=_lazy("User name"), max_length=150)
    full_name = forms.CharField(label=_lazy("Full name"), required=False, max_length=60)
    password = forms.CharField(label=_lazy("Password (new users only)"), required=False,
                               widget=forms.PasswordInput)
    role = forms.ChoiceField(label=_lazy("Role"))

    def __init__(self, *args, tenant_type: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in Role.values
                                       if r in ROLES_BY_TENANT_TYPE[tenant_type]]


@login_required
def users(request: HttpRequest) -> HttpResponse:
    form = MemberForm(request.POST or None, tenant_type=request.tenant.type)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if not _is_admin(request):
            _refused(request, PermissionDenied(
                _("Only the customer-service centre's administrators may do this.")))
        else:
            try:
                with transaction.atomic():
                    user = User.objects.filter(username=d["username"]).first() or user_create(
                        username=d["username"], password=d["password"], full_name=d["full_name"])
                    membership_grant(user=user, tenant=request.tenant, role=d["role"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("%(user)s is now a member here.") % {"user": d["username"]})
                return redirect("admin-users")
    members = (Membership.objects.filter(tenant=request.tenant).select_related("user")
               .order_by("role", "user__username"))
    return render(request, "hotline/admin/users.html", {
        "form": form, "members": members, "is_admin": _is_admin(request),
    }, status=400 if form.errors else 200)


@login_required
def network(request: HttpRequest) -> HttpResponse:
    """Regions, their parts centres and the network's dealers (changed with the provisioning commands)."""
    manufacturer = request.tenant.manufacturer
    return render(request, "hotline/admin/network.html", {
        "regions": Region.objects.filter(manufacturer=manufacturer).select_related("parts_centre")
        .order_by("code"),
        "centres": PartsCentre.objects.filter(manufacturer=manufacturer).order_by("code"),
        "network": network_of_manufacturer(manufacturer.pk),
    })
