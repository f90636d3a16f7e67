"""Administration → root causes: the manufacturer's list a conclusion's root cause comes from."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import RegexValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from config.portal import actor_of, apply_errors
from tenants.permissions import may

from ..models import RootCause
from ..selectors import root_cause_by_id, root_causes
from ..services.conclusions import CODE, CODE_RULE, root_cause_add, root_cause_change, root_causes_ensure


class RootCauseAddForm(forms.Form):
    code = forms.CharField(
        label=_lazy("Code"),
        max_length=40,
        help_text=_lazy("Lower-case letters, digits, - and _; never changes"),
        validators=[RegexValidator(CODE, CODE_RULE)],
    )
    name_zh = forms.CharField(label=_lazy("Name (Chinese)"), max_length=80)
    name_en = forms.CharField(label=_lazy("Name (English)"), max_length=120)


class RootCauseChangeForm(forms.Form):
    name_zh = forms.CharField(label=_lazy("Name (Chinese)"), max_length=80)
    name_en = forms.CharField(label=_lazy("Name (English)"), max_length=120)
    active = forms.BooleanField(label=_lazy("In use"), required=False)


def _page(
    request: HttpRequest,
    *,
    add_form: forms.Form | None = None,
    failed: int | None = None,
    change_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    root_causes_ensure()
    rows = [
        {
            "cause": cause,
            "form": change_form
            if failed == cause.pk and change_form is not None
            else RootCauseChangeForm(
                prefix=f"c{cause.pk}",
                initial={"name_zh": cause.name_zh, "name_en": cause.name_en, "active": cause.active},
            ),
        }
        for cause in root_causes()
    ]
    return render(
        request,
        "hotline/admin/root_causes.html",
        {
            "rows": rows,
            "add_form": add_form or RootCauseAddForm(prefix="add"),
            "is_admin": may(request.membership.role, "root_causes.change"),
        },
        status=status,
    )


@login_required
def root_cause_list(request: HttpRequest) -> HttpResponse:
    """The list, and a new root cause added at its end (administrators)."""
    if request.method != "POST":
        return _page(request)
    if not may(request.membership.role, "root_causes.change"):
        raise PermissionDenied(_("Only the customer-service centre's administrators may do this."))
    form = RootCauseAddForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            root_cause_add(actor=actor_of(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Root cause added."))
            return redirect("admin-root-causes")
    return _page(request, add_form=form, status=400)


@login_required
@require_POST
def root_cause_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a root cause or take it out of use (conclusions that name it keep it)."""
    try:
        cause = root_cause_by_id(pk)
    except RootCause.DoesNotExist as exc:
        raise Http404 from exc
    if not may(request.membership.role, "root_causes.change"):
        raise PermissionDenied(_("Only the customer-service centre's administrators may do this."))
    form = RootCauseChangeForm(request.POST, prefix=f"c{cause.pk}")
    if form.is_valid():
        try:
            root_cause_change(actor=actor_of(request), cause_id=cause.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Root cause saved."))
            return redirect("admin-root-causes")
    return _page(request, failed=cause.pk, change_form=form, status=400)
