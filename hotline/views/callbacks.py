"""The hotline's callback pages: the callback policy (who verifies, who closes) and the queue
of owners' numbers to verify."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from config.portal import actor_of, apply_errors
from tenants.permissions import may

from ..models import CallbackPolicy, HotlineVerification
from ..selectors import number_checks_pending
from ..services.callbacks import callback_policy_current, callback_policy_publish, number_check_decide


class CallbackPolicyForm(forms.Form):
    hotline_verifies = forms.ChoiceField(
        label=_lazy("The hotline verifies by its own callback"), choices=HotlineVerification.choices
    )
    sample_percent = forms.IntegerField(
        label=_lazy("Sample (%)"), min_value=0, max_value=100, help_text=_lazy("With “a random sample”.")
    )
    score_threshold = forms.IntegerField(
        label=_lazy("Verify dealer callbacks scoring below"),
        min_value=1,
        max_value=10,
        help_text=_lazy("With “only where the dealer's callback is missing, failed or poor”."),
    )
    dealer_may_close = forms.BooleanField(
        label=_lazy(
            "A dealer's own successful callback closes the work order where the hotline does not verify"
        ),
        required=False,
    )
    dealer_callback_days_after_closure = forms.IntegerField(
        label=_lazy("Dealer callbacks accepted after closure (days)"), min_value=0, max_value=90
    )
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=200)


@login_required
def callback_policy(request: HttpRequest) -> HttpResponse:
    """The current callback policy and its versions; administrators publish a new version."""
    current = callback_policy_current()
    if request.method == "POST" and not may(request.membership.role, "callback_policy.change"):
        raise PermissionDenied(_("Only the customer-service centre's administrators may do this."))
    initial = {
        name: getattr(current, name)
        for name in (
            "hotline_verifies",
            "sample_percent",
            "score_threshold",
            "dealer_may_close",
            "dealer_callback_days_after_closure",
        )
    }
    form = CallbackPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            policy = callback_policy_publish(actor=actor_of(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Callback policy version %(v)s published.") % {"v": policy.version})
            return redirect("admin-callbacks")
    return render(
        request,
        "hotline/admin/callbacks.html",
        {
            "form": form,
            "current": current,
            "versions": CallbackPolicy.objects.order_by("-version")[:20],
            "is_admin": may(request.membership.role, "callback_policy.change"),
        },
        status=400 if form.errors else 200,
    )


class NumberCheckForm(forms.Form):
    check = forms.IntegerField(widget=forms.HiddenInput)
    mobile = forms.CharField(label=_lazy("Corrected mobile"), required=False, max_length=20)
    unreachable = forms.BooleanField(label=_lazy("The owner cannot be reached"), required=False)
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=500)


@login_required
def numbers_to_verify(request: HttpRequest) -> HttpResponse:
    """Owners whose mobile a callback found empty or wrong: an agent corrects it or marks the
    owner unreachable; no text goes to the number meanwhile."""
    form = None
    if request.method == "POST":
        if not may(request.membership.role, "owner.number_verify"):
            raise PermissionDenied
        form = NumberCheckForm(request.POST)
        if form.is_valid():
            try:
                number_check_decide(
                    actor=actor_of(request), check_id=form.cleaned_data.pop("check"), **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc, {"check": None})
            else:
                messages.success(request, _("Owner's number verified."))
                return redirect("numbers-to-verify")
        else:
            if "check" in form.errors:
                form.add_error(None, _("Choose a number to verify."))
    checks = list(number_checks_pending()[:200])
    failed_check = form.data.get("check") if form is not None else None
    for check in checks:
        check.form = form if str(check.pk) == failed_check else NumberCheckForm(initial={"check": check.pk})
    return render(
        request,
        "hotline/work_orders/numbers_to_verify.html",
        {"checks": checks, "form": form, "may_verify": may(request.membership.role, "owner.number_verify")},
        status=400 if form is not None and form.errors else 200,
    )
