"""A tenant's people and its sign-in audit log, for hotlines and dealers alike.

An administrator (``staff.manage`` on a hotline, ``dealer.staff.manage`` on a
dealer) invites people by e-mail, changes their role here, or revokes them;
nothing here looks up, creates or reveals a global account. The audit log
(``audit.read``, ``dealer.audit.read``, ``platform.audit.read``) lists what
happened on this tenant's host and downloads as CSV or XLSX.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from config.exports import table_download
from config.portal import apply_errors

from ..models import AuthEvent, AuthEventKind, Invitation, Membership, PartsCentre, Role, TenantType
from ..models.identity import CENTRE_ROLES, ROLES_BY_TENANT_TYPE
from ..permissions import may
from ..services.invitations import invitation_send, member_role_change
from ..services.provisioning import membership_revoke
from ..services.signin import auth_event_record

STAFF_ACTION = {TenantType.HOTLINE: "staff.manage", TenantType.DEALER: "dealer.staff.manage"}
AUDIT_ACTION = {
    TenantType.HOTLINE: "audit.read",
    TenantType.DEALER: "dealer.audit.read",
    TenantType.PUBLIC: "platform.audit.read",
}


def _role_choices(tenant_type: str) -> list[tuple[str, str]]:
    return [(r, Role(r).label) for r in Role.values if r in ROLES_BY_TENANT_TYPE[tenant_type]]


def _require(request: HttpRequest, actions: dict[str, str]) -> None:
    action = actions.get(request.tenant.type)
    if action is None or not may(request.membership.role, action):
        raise PermissionDenied(_("Your role may not do this."))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_lazy("E-mail"))
    full_name = forms.CharField(label=_lazy("Full name"), required=False, max_length=60)
    role = forms.ChoiceField(label=_lazy("Role"))
    parts_centre = forms.ModelChoiceField(
        label=_lazy("Parts centre"),
        queryset=PartsCentre.objects.none(),
        required=False,
        help_text=_lazy("Parts-centre staff only: the centre whose requests they work."),
    )

    def __init__(self, *args, tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(tenant.type)
        manufacturer = getattr(tenant, "manufacturer", None) if tenant.type == TenantType.HOTLINE else None
        if manufacturer is None:
            del self.fields["parts_centre"]
        else:
            self.fields["parts_centre"].queryset = PartsCentre.objects.filter(manufacturer=manufacturer)


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    """The people here and their roles; administrators invite, change roles and revoke."""
    can_manage = may(request.membership.role, STAFF_ACTION.get(request.tenant.type, ""))
    form = InviteForm(request.POST or None, tenant=request.tenant)
    sent = None
    if request.method == "POST":
        _require(request, STAFF_ACTION)
        if form.is_valid():
            d = form.cleaned_data
            try:
                sent = invitation_send(
                    request=request,
                    tenant=request.tenant,
                    by=request.user,
                    email=d["email"],
                    role=d["role"],
                    full_name=d["full_name"],
                    parts_centre=d.get("parts_centre"),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": d["email"]})
                form = InviteForm(tenant=request.tenant)
    members = (
        Membership.objects.filter(tenant=request.tenant)
        .select_related("user", "parts_centre")
        .order_by("role", "user__username")
    )
    return render(
        request,
        "tenants/staff.html",
        {
            "form": form,
            "members": members,
            "sent": sent,
            # A parts centre's role is given by invitation, for its centre, and not changed into here.
            "roles": [(r, label) for r, label in _role_choices(request.tenant.type) if r not in CENTRE_ROLES],
            "is_admin": can_manage,
            "invitations": Invitation.objects.select_related("parts_centre").filter(
                tenant=request.tenant,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def staff_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("user", "tenant"), pk=pk, tenant=request.tenant
    )
    _require(request, STAFF_ACTION)
    try:
        member_role_change(
            request=request, membership=membership, role=request.POST.get("role", ""), by=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s here.")
            % {"user": membership.user.get_full_name(), "role": Role(membership.role).label},
        )
    return redirect("admin-users")


@login_required
def staff_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then end a person's membership here (their role elsewhere is untouched)."""
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk, tenant=request.tenant)
    _require(request, STAFF_ACTION)
    if request.method == "POST":
        try:
            membership_revoke(membership=membership, by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            auth_event_record(request, AuthEventKind.MEMBER_REVOKED, user=membership.user, by=request.user)
            messages.success(
                request, _("%(user)s can no longer sign in here.") % {"user": membership.user.username}
            )
        return redirect("admin-users")
    return render(
        request,
        "tenants/confirm.html",
        {
            "title": _("Revoke membership"),
            "question": _(
                "Revoke the membership of %(user)s? They can no longer sign in here; "
                "an invitation brings them back."
            )
            % {"user": membership.user.username},
            "button": _("Revoke"),
            "back": "admin-users",
        },
    )


class AuditFilter(forms.Form):
    since = forms.DateField(
        label=_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(label=_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_lazy("What"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _lazy("All")), *AuthEventKind.choices]


AUDIT_ROWS = 500


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """What happened at sign-in on this host (and to its people's roles and keys), newest first."""
    _require(request, AUDIT_ACTION)
    form = AuditFilter(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    events = AuthEvent.objects.filter(tenant=request.tenant).select_related("user", "by")
    zone = timezone.get_current_timezone()
    if values.get("since"):
        events = events.filter(at__gte=dt.datetime.combine(values["since"], dt.time.min, zone))
    if values.get("until"):
        events = events.filter(
            at__lt=dt.datetime.combine(values["until"] + dt.timedelta(days=1), dt.time.min, zone)
        )
    if values.get("kind"):
        events = events.filter(kind=values["kind"])
    headers = [_("When"), _("What"), _("User name"), _("Person"), _("By"), _("Address"), _("Details")]
    rows = [
        [
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.get_kind_display(),
            e.username,
            e.user.get_full_name() if e.user else "",
            e.by.get_full_name() if e.by else "",
            e.address or "",
            ", ".join(f"{k}={v}" for k, v in sorted(e.data.items())),
        ]
        for e in events[: 10 * AUDIT_ROWS if request.GET.get("export") else AUDIT_ROWS]
    ]
    if request.GET.get("export"):
        return table_download(f"audit-{request.tenant.slug}", headers, rows, request.GET.get("format", "csv"))
    return render(
        request,
        "tenants/audit.html",
        {"form": form, "headers": headers, "rows": rows, "query": request.GET.urlencode()},
    )
