"""The manufacturer's administration: SLA policy, calendar, text messages, users and roles, network.

Everyone on the hotline may read these pages; changes go through the services,
which admit only the customer-service centre's administrators.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from config.bounds import DayFormField
from config.portal import actor_of, apply_errors
from tenants.jobs import job_start, job_started
from tenants.models import (
    ApiKey,
    ApiKeyKind,
    ApiKeyScope,
    AuthEventKind,
    NetworkInvitation,
    PartsCentre,
    Region,
)
from tenants.permissions import may
from tenants.selectors import network_of_manufacturer
from tenants.services.api_keys import api_key_create, api_key_revoke
from tenants.services.invitations import (
    dealers_created_by,
    network_dealer_create,
    network_invitation_create,
)
from tenants.services.provisioning import (
    parts_centre_create,
    region_create,
    region_parts_centre_set,
)
from tenants.services.signin import auth_event_record

from ..models import CalendarOverride, OwnerSmsKind, OwnerSmsTemplate
from ..services.clocks import tenant_time_zone
from ..services.owner_sms import DEFAULT_TEXTS, PLACEHOLDERS, owner_sms_template_set
from ..services.policy import (
    KPI_TARGETS,
    WindowSpec,
    calendar_override_set,
    calendar_year_enter,
    calendar_years,
    kpi_targets,
    policy_current,
    policy_publish,
    policy_windows,
)

DIRECTORY_SUFFIXES = (".csv", ".xlsx")
DIRECTORY_MAX_BYTES = 10 * 2**20


def _may(request: HttpRequest, action: str) -> bool:
    """Whether the member's role may take ``action`` here (``tenants/permissions.py``)."""
    return may(request.membership.role, action)


def _refused(request: HttpRequest, exc: PermissionDenied) -> None:
    messages.error(request, str(exc) or _("Only the customer-service centre's administrators may do this."))


def _require(request: HttpRequest, action: str) -> None:
    """A change the member's role may not make: 403, and nothing changes."""
    if not _may(request, action):
        raise PermissionDenied(_("Only the customer-service centre's administrators may do this."))


def _confirm(request: HttpRequest, *, title: str, question: str, button: str, back: str) -> HttpResponse:
    return render(
        request,
        "hotline/admin/confirm.html",
        {"title": title, "question": question, "button": button, "back": back, "is_admin": True},
    )


# --- SLA policy -----------------------------------------------------------------------------


class PolicyForm(forms.Form):
    business_opens = forms.TimeField(label=_lazy("Business hours open"))
    business_closes = forms.TimeField(label=_lazy("Business hours close"))
    repeat_window_days = forms.IntegerField(label=_lazy("Repeat window (days)"), min_value=1, max_value=3650)
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=200)
    target_response_rate = forms.FloatField(
        label=_lazy("Target: timely response, at least %"), min_value=0, max_value=100
    )
    target_completion_rate = forms.FloatField(
        label=_lazy("Target: timely completion, at least %"), min_value=0, max_value=100
    )
    target_repeat_rate = forms.FloatField(
        label=_lazy("Target: repeat complaints, at most %"), min_value=0, max_value=100
    )
    target_reopen_rate = forms.FloatField(
        label=_lazy("Target: reopened, at most %"), min_value=0, max_value=100
    )
    target_high_share = forms.FloatField(
        label=_lazy("Target: fully satisfied (8–10), at least % of scores"), min_value=0, max_value=100
    )

    tech_support_pauses_completion = forms.BooleanField(
        label=_lazy("An open technical-support request pauses the parts work order's completion window"),
        required=False,
    )

    def __init__(self, *args, windows: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.windows = windows
        for i, window in enumerate(windows):
            self.fields[f"w{i}_minutes"] = forms.IntegerField(
                label=_lazy("Minutes"), initial=window.minutes, min_value=1, max_value=60 * 24 * 365
            )
            self.fields[f"w{i}_warn"] = forms.CharField(
                label=_lazy("Warn before (minutes, comma-separated)"),
                required=False,
                initial=", ".join(str(m) for m in window.warn_before),
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"window": w, "minutes": self[f"w{i}_minutes"], "warn": self[f"w{i}_warn"]}
            for i, w in enumerate(self.windows)
        ]

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
    windows = policy_windows(policy)
    initial = {
        "business_opens": policy.business_opens,
        "business_closes": policy.business_closes,
        "repeat_window_days": policy.repeat_window_days,
        "tech_support_pauses_completion": policy.tech_support_pauses_completion,
        **{f"target_{name}": value for name, value in kpi_targets(policy).items()},
    }
    if request.method == "POST":
        _require(request, "policy.change")
    form = PolicyForm(request.POST or None, initial=initial, windows=windows)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        specs = [
            WindowSpec(
                kind=w.kind,
                minutes=d[f"w{i}_minutes"],
                calendar=w.calendar,
                warn_before=d[f"w{i}_warn"],
                second_escalation_after=w.second_escalation_after,
                paused_in=tuple(w.paused_in),
                work_order_type=w.work_order_type,
                severity=w.severity,
                category=w.category,
            )
            for i, w in enumerate(windows)
        ]
        try:
            new = policy_publish(
                actor=actor_of(request),
                windows=specs,
                note=d["note"],
                business_opens=d["business_opens"],
                business_closes=d["business_closes"],
                repeat_window_days=d["repeat_window_days"],
                targets={name: d[f"target_{name}"] for name in KPI_TARGETS},
                tech_support_pauses_completion=d["tech_support_pauses_completion"],
            )
        except PermissionDenied as exc:
            _refused(request, exc)
        except ValidationError as exc:
            errors = exc.message_dict
            for i in range(len(windows)):
                for name, field in (("minutes", "minutes"), ("warn_before", "warn")):
                    for message in errors.pop(f"windows[{i}].{name}", []):
                        form.add_error(f"w{i}_{field}", message)
            for name in KPI_TARGETS:
                for message in errors.pop(f"targets.{name}", []):
                    form.add_error(f"target_{name}", message)
            apply_errors(form, ValidationError(errors))
        else:
            messages.success(
                request,
                _("Policy version %(version)s published; new windows follow it.") % {"version": new.version},
            )
            return redirect("admin-policy")
    return render(
        request,
        "hotline/admin/policy.html",
        {"policy": policy, "form": form, "is_admin": _may(request, "policy.change")},
        status=400 if form.errors else 200,
    )


# --- calendar -------------------------------------------------------------------------------


class OverrideForm(forms.Form):
    day = DayFormField(label=_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.ChoiceField(
        label=_lazy("This day is"),
        choices=[("no", _lazy("a holiday (no work)")), ("yes", _lazy("a make-up working day"))],
    )
    name = forms.CharField(label=_lazy("Name"), required=False, max_length=60)


class YearEnteredForm(forms.Form):
    year = forms.TypedChoiceField(label=_lazy("Year"), coerce=int)

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]


def _tenant_today() -> dt.date:
    return timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(tenant_time_zone()))


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _require(request, "policy.change")
    today = _tenant_today()
    years = calendar_years(today)
    entering = request.method == "POST" and request.POST.get("action") == "enter_year"
    form = OverrideForm(request.POST if request.method == "POST" and not entering else None)
    year_form = YearEnteredForm(
        request.POST if entering else None, years=[y.year for y in years if y.provisional]
    )
    if entering and year_form.is_valid():
        try:
            calendar_year_enter(actor=actor_of(request), year=year_form.cleaned_data["year"])
        except PermissionDenied as exc:
            _refused(request, exc)
        except ValidationError as exc:
            apply_errors(year_form, exc)
        else:
            messages.success(
                request,
                _("%(year)s's schedule is entered; running clocks keep their due times until recalculated.")
                % {"year": year_form.cleaned_data["year"]},
            )
            return redirect("admin-calendar")
    if request.method == "POST" and not entering and form.is_valid():
        d = form.cleaned_data
        try:
            calendar_override_set(
                actor=actor_of(request),
                day=d["day"],
                is_working_day=d["is_working_day"] == "yes",
                name=d["name"],
            )
        except PermissionDenied as exc:
            _refused(request, exc)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Calendar updated."))
            return redirect("admin-calendar")
    return render(
        request,
        "hotline/admin/calendar.html",
        {
            "form": form,
            "year_form": year_form,
            "years": years,
            "is_admin": _may(request, "policy.change"),
            "overrides": CalendarOverride.objects.filter(day__gte=today.replace(month=1, day=1)).order_by(
                "day"
            ),
        },
        status=400 if form.errors or year_form.errors else 200,
    )


# --- text messages --------------------------------------------------------------------------


class SmsForm(forms.Form):
    kind = forms.ChoiceField(label=_lazy("Message"), choices=OwnerSmsKind.choices)
    body = forms.CharField(label=_lazy("Text"), widget=forms.Textarea(attrs={"rows": 3}))
    provider_template_code = forms.CharField(
        label=_lazy("Provider template code"), required=False, max_length=40
    )


@login_required
def sms_templates(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _require(request, "sms.change")
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
    rows = [
        {
            "kind": kind,
            "label": label,
            "body": saved[kind].body if kind in saved else DEFAULT_TEXTS[kind],
            "code": saved[kind].provider_template_code if kind in saved else "",
            "default": kind not in saved,
        }
        for kind, label in OwnerSmsKind.choices
    ]
    return render(
        request,
        "hotline/admin/sms.html",
        {
            "form": form,
            "rows": rows,
            "is_admin": _may(request, "sms.change"),
            "placeholders": ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
        },
        status=400 if form.errors else 200,
    )


# --- API keys -------------------------------------------------------------------------------


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_lazy("Name (the system that will use it)"), required=False, max_length=120)
    kind = forms.ChoiceField(label=_lazy("Kind"), choices=ApiKeyKind.choices)
    parts_centre = forms.ModelChoiceField(
        label=_lazy("Parts centre (parts-centre keys only)"),
        queryset=PartsCentre.objects.none(),
        required=False,
    )
    scope = forms.ChoiceField(label=_lazy("Scope"), choices=ApiKeyScope.choices)

    def __init__(self, *args, manufacturer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parts_centre"].queryset = PartsCentre.objects.filter(manufacturer=manufacturer).order_by(
            "code"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == ApiKeyKind.PARTS_CENTRE and not data.get("parts_centre"):
            self.add_error("parts_centre", _("Choose the parts centre this key is for."))
        if data.get("kind") == ApiKeyKind.INTEGRATION and data.get("parts_centre"):
            self.add_error(
                "parts_centre", _("An integration's key belongs to no parts centre; leave this empty.")
            )
        return data


@login_required
def api_keys(request: HttpRequest) -> HttpResponse:
    """The hotline's API keys; a new key is shown in full on this one answer only."""
    form = ApiKeyForm(request.POST or None, manufacturer=request.tenant.manufacturer)
    issued = None
    if request.method == "POST":
        _require(request, "api_keys.manage")
        if form.is_valid():
            d = form.cleaned_data
            try:
                issued = api_key_create(
                    tenant=request.tenant, name=d["name"], scope=d["scope"], parts_centre=d["parts_centre"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                auth_event_record(
                    request, AuthEventKind.API_KEY_CREATED, by=request.user, prefix=issued.api_key.prefix,
                    name=issued.api_key.name, scope=issued.api_key.scope,
                )  # fmt: skip
                form = ApiKeyForm(manufacturer=request.tenant.manufacturer)
    keys = ApiKey.objects.filter(tenant=request.tenant).select_related("parts_centre").order_by("-created_at")
    response = render(
        request,
        "hotline/admin/api_keys.html",
        {
            "form": form,
            "keys": keys,
            "issued": issued,
            "is_admin": _may(request, "api_keys.manage"),
        },
        status=400 if form.errors else 200,
    )
    if issued is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = get_object_or_404(ApiKey, pk=pk, tenant=request.tenant)
    _require(request, "api_keys.manage")
    if request.method == "POST":
        api_key_revoke(tenant=request.tenant, prefix=api_key.prefix)
        auth_event_record(request, AuthEventKind.API_KEY_REVOKED, by=request.user, prefix=api_key.prefix)
        messages.success(
            request, _("Key %(prefix)s revoked; it no longer works.") % {"prefix": api_key.prefix}
        )
        return redirect("admin-api-keys")
    return _confirm(
        request,
        title=_("Revoke API key"),
        back="admin-api-keys",
        question=_(
            "Revoke the key %(prefix)s (%(name)s)? Systems using it stop working at once; "
            "this cannot be undone."
        )
        % {"prefix": api_key.prefix, "name": api_key.name},
        button=_("Revoke"),
    )


class DealerForm(forms.Form):
    dealer_code = forms.CharField(label=_lazy("Dealer code"), required=False, max_length=32)
    slug = forms.CharField(label=_lazy("Host name (slug)"), required=False, max_length=63)
    name = forms.CharField(label=_lazy("Name"), required=False, max_length=120)
    region = forms.ChoiceField(label=_lazy("Region"), required=False)
    province = forms.CharField(label=_lazy("Province"), required=False, max_length=30)
    city = forms.CharField(label=_lazy("City"), required=False, max_length=30)

    def __init__(self, *args, manufacturer, **kwargs) -> None:
        super().__init__(*args, prefix="dealer", **kwargs)
        self.fields["region"].choices = [("", "—")] + [
            (r.code, f"{r.name} ({r.code})")
            for r in Region.objects.filter(manufacturer=manufacturer).order_by("code")
        ]
        self.fields["slug"].help_text = _(
            "A new dealer's portal opens at <slug>.%(domain)s. A dealer that already works on the "
            "platform (for another brand) joins by invitation instead."
        ) % {"domain": settings.BASE_DOMAIN}


class DealerInviteForm(forms.Form):
    dealer_code = forms.CharField(label=_lazy("Dealer code"), required=False, max_length=32)
    region = forms.ModelChoiceField(label=_lazy("Region"), queryset=Region.objects.none(), required=False)
    province = forms.CharField(label=_lazy("Province"), required=False, max_length=30)
    city = forms.CharField(label=_lazy("City"), required=False, max_length=30)
    note = forms.CharField(label=_lazy("Note to the dealer"), required=False, max_length=200)

    def __init__(self, *args, manufacturer, **kwargs) -> None:
        super().__init__(*args, prefix="invite", **kwargs)
        self.fields["region"].queryset = Region.objects.filter(manufacturer=manufacturer).order_by("code")


class RegionForm(forms.Form):
    code = forms.CharField(label=_lazy("Region code"), required=False, max_length=32)
    name = forms.CharField(label=_lazy("Name"), required=False, max_length=60)
    parts_centre = forms.ModelChoiceField(
        label=_lazy("Parts centre"), queryset=PartsCentre.objects.none(), required=False
    )

    def __init__(self, *args, manufacturer, **kwargs) -> None:
        super().__init__(*args, prefix="region", **kwargs)
        self.fields["parts_centre"].queryset = PartsCentre.objects.filter(manufacturer=manufacturer).order_by(
            "code"
        )


class PartsCentreForm(forms.Form):
    code = forms.CharField(label=_lazy("Parts centre code"), required=False, max_length=32)
    name = forms.CharField(label=_lazy("Name"), required=False, max_length=120)
    city = forms.CharField(label=_lazy("City"), required=False, max_length=60)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.pop("manufacturer", None)
        super().__init__(*args, prefix="centre", **kwargs)


class RegionCentreForm(forms.Form):
    parts_centre = forms.ModelChoiceField(
        label=_lazy("Parts centre"), queryset=PartsCentre.objects.none(), required=False
    )

    def __init__(self, *args, manufacturer, region: Region, **kwargs) -> None:
        super().__init__(
            *args, prefix=f"r{region.pk}", initial={"parts_centre": region.parts_centre_id}, **kwargs
        )
        self.fields["parts_centre"].queryset = PartsCentre.objects.filter(manufacturer=manufacturer).order_by(
            "code"
        )


def _network_page(
    request: HttpRequest, bound: forms.Form | None = None, region_id: int | None = None, issued_code=None
) -> HttpResponse:
    """The network page; ``bound`` is the form just sent back with its errors (status 400)."""
    manufacturer = request.tenant.manufacturer
    forms_ = {
        name: cls() if cls is DirectoryUploadForm else cls(manufacturer=manufacturer)
        for name, cls in (
            ("dealer_form", DealerForm),
            ("invite_form", DealerInviteForm),
            ("region_form", RegionForm),
            ("centre_form", PartsCentreForm),
            ("upload_form", DirectoryUploadForm),
        )
    }
    for name in forms_:
        if bound is not None and isinstance(bound, type(forms_[name])):
            forms_[name] = bound
    regions = list(
        Region.objects.filter(manufacturer=manufacturer).select_related("parts_centre").order_by("code")
    )
    rows = [
        (r, bound if region_id == r.pk else RegionCentreForm(manufacturer=manufacturer, region=r))
        for r in regions
    ]
    return render(
        request,
        "hotline/admin/network.html",
        {
            **forms_,
            "region_rows": rows,
            "is_admin": _may(request, "network.manage"),
            "centres": PartsCentre.objects.filter(manufacturer=manufacturer).order_by("code"),
            "network": network_of_manufacturer(manufacturer.pk),
            "issued_code": issued_code,
            "invitations": NetworkInvitation.objects.filter(
                manufacturer=manufacturer, accepted_at__isnull=True, revoked_at__isnull=True
            ).select_related("region")[:50],
            "created": dealers_created_by(manufacturer),
            "quota": manufacturer.dealer_creation_quota,
        },
        status=400 if bound is not None and bound.errors else 200,
    )


@login_required
def network(request: HttpRequest) -> HttpResponse:
    """Regions, their parts centres and the network's dealers; administrators add to them."""
    return _network_page(request)


def _network_change(request: HttpRequest, form: forms.Form, change: Any, **page: Any) -> HttpResponse:
    """A valid form goes to ``change(cleaned_data)``, a service call returning the success
    message; a refusal puts the service's errors next to the fields and changes nothing."""
    if form.is_valid():
        try:
            message = change(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("admin-network")
    return _network_page(request, form, **page)


@login_required
def network_dealer_add(request: HttpRequest) -> HttpResponse:
    """A *new* dealer tenant in this network, within the hotline's quota (an existing dealer is
    invited: ``network_dealer_invite``)."""
    if request.method != "POST":
        return redirect("admin-network")
    _require(request, "network.manage")
    manufacturer = request.tenant.manufacturer

    def add(d: dict) -> str:
        region = Region.objects.filter(manufacturer=manufacturer, code=d["region"]).first()
        membership = network_dealer_create(
            manufacturer=manufacturer,
            dealer_code=d["dealer_code"],
            slug=d["slug"],
            name=d["name"],
            region=region,
            province=d["province"],
            city=d["city"],
            time_zone=request.tenant.time_zone,  # a new dealer keeps the hotline's clock
        )
        return _("%(dealer)s joined the network as %(code)s.") % {
            "dealer": membership.dealer.name,
            "code": membership.dealer_code,
        }

    return _network_change(request, DealerForm(request.POST, manufacturer=manufacturer), add)


class DirectoryUploadForm(forms.Form):
    file = forms.FileField(
        label=_lazy("Directory file (CSV or XLSX)"),
        help_text=_lazy(
            "One dealer per row: manufacturer, dealer_code, slug, name, region, province, city "
            "(or their Chinese headings), optionally active."
        ),
    )
    only_valid = forms.BooleanField(label=_lazy("Import the valid rows even if some are bad"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in DIRECTORY_SUFFIXES:
            raise ValidationError(_("Choose a .csv or .xlsx file."))
        if upload.size > DIRECTORY_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": DIRECTORY_MAX_BYTES // 2**20}
            )
        return upload


@login_required
def network_import(request: HttpRequest) -> HttpResponse:
    """A directory file, imported in the background; the person follows it on the Files page."""
    if request.method != "POST":
        return redirect("admin-network")
    _require(request, "network.manage")
    form = DirectoryUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _network_page(request, form)
    upload = form.cleaned_data["file"]
    stored = default_storage.save(
        f"uploads/{request.tenant.schema_name}/{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}", upload
    )
    job = job_start(
        tenant=request.tenant,
        user=request.user,
        role=request.membership.role,
        kind="import.dealers",
        data={"upload": stored, "only_valid": form.cleaned_data["only_valid"]},
    )
    messages.success(request, job_started(job))
    return redirect("jobs")


@login_required
def network_dealer_invite(request: HttpRequest) -> HttpResponse:
    """An invitation for a dealer to join: its code is shown once, to hand to the dealer."""
    if request.method != "POST":
        return redirect("admin-network")
    _require(request, "network.manage")
    manufacturer = request.tenant.manufacturer
    form = DealerInviteForm(request.POST, manufacturer=manufacturer)
    if form.is_valid():
        d = form.cleaned_data
        try:
            issued = network_invitation_create(
                request=request,
                manufacturer=manufacturer,
                by=request.user,
                dealer_code=d["dealer_code"],
                region=d["region"],
                province=d["province"],
                city=d["city"],
                note=d["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _network_page(request, issued_code=issued)
    return _network_page(request, form)


@login_required
def network_region_add(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("admin-network")
    _require(request, "network.manage")
    manufacturer = request.tenant.manufacturer

    def add(d: dict) -> str:
        region = region_create(
            manufacturer=manufacturer,
            code=d["code"].strip(),
            name=d["name"].strip(),
            parts_centre=d["parts_centre"],
        )
        return _("Region %(name)s added.") % {"name": region.name}

    return _network_change(request, RegionForm(request.POST, manufacturer=manufacturer), add)


@login_required
def network_centre_add(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("admin-network")
    _require(request, "network.manage")
    manufacturer = request.tenant.manufacturer

    def add(d: dict) -> str:
        centre = parts_centre_create(
            manufacturer=manufacturer, code=d["code"].strip(), name=d["name"].strip(), city=d["city"].strip()
        )
        return _("Parts centre %(name)s added.") % {"name": centre.name}

    return _network_change(request, PartsCentreForm(request.POST), add)


@login_required
def network_region_centre(request: HttpRequest, pk: int) -> HttpResponse:
    manufacturer = request.tenant.manufacturer
    region = get_object_or_404(Region, pk=pk, manufacturer=manufacturer)
    if request.method != "POST":
        return redirect("admin-network")
    _require(request, "network.manage")

    def change(d: dict) -> str:
        region_parts_centre_set(manufacturer=manufacturer, region=region, parts_centre=d["parts_centre"])
        return _("Region %(name)s is now served by %(centre)s.") % {
            "name": region.name,
            "centre": region.parts_centre.name,
        }

    return _network_change(
        request,
        RegionCentreForm(request.POST, manufacturer=manufacturer, region=region),
        change,
        region_id=region.pk,
    )
