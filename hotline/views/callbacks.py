"""The hotline's callback pages: the callback policy (who verifies, who closes), the
questionnaires, and the queue of owners' numbers to verify."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from config.portal import actor_of, apply_errors
from tenants.permissions import may

from ..models import (
    AnswerKind,
    CallbackPolicy,
    CallbackScript,
    Dimension,
    Gender,
    HotlineVerification,
    Owner,
    Questionnaire,
    QuestionnairePurpose,
)
from ..selectors import number_checks_pending
from ..services.callbacks import callback_policy_current, callback_policy_publish, number_check_decide
from ..services.questionnaires import questionnaire_current, questionnaire_publish
from ..services.scripts import MAX_SITUATIONS, callback_script, script_current, script_publish


def _rows_errors(exc: ValidationError, rows: str, kept: list[forms.Form], form: forms.Form) -> None:
    """A service's errors on a formset's rows (``<rows>[<n>].<field>``, n from 1 over the rows
    sent) put on those rows; every other error goes to ``form``, on its field if it has one."""
    pattern = re.compile(rf"^{re.escape(rows)}\[(\d+)\](?:\.(\w+))?$")
    for name, errors in exc.message_dict.items():
        match = pattern.match(name)
        if match and 0 < int(match[1]) <= len(kept):
            row = kept[int(match[1]) - 1]
            field = match[2] if match[2] in row.fields else None
            for error in errors:
                row.add_error(field, error)
        else:
            field = name if name in form.fields else None
            for error in errors:
                form.add_error(field, error)


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
    unverified_close_days = forms.IntegerField(
        label=_lazy("Close a texted-only result as “closed — not verified” after (days)"),
        min_value=1,
        max_value=30,
        help_text=_lazy("When the owner answered only by text and nobody reached the owner since."),
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
            "unverified_close_days",
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


# --- the questionnaires ---------------------------------------------------------------------


class QuestionnaireItemForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    text = forms.CharField(label=_lazy("Question (Chinese)"), max_length=300)
    text_en = forms.CharField(label=_lazy("Question (English)"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_lazy("Answered by"), choices=AnswerKind.choices)
    dimension = forms.ChoiceField(label=_lazy("Dimension"), choices=Dimension.choices)
    required = forms.BooleanField(label=_lazy("Required"), required=False)
    overall = forms.BooleanField(label=_lazy("Overall score"), required=False)


QuestionnaireItems = forms.formset_factory(
    QuestionnaireItemForm, extra=3, can_delete=True, max_num=30, validate_max=True
)


class QuestionnaireNoteForm(forms.Form):
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=200)


@login_required
def questionnaires(request: HttpRequest, purpose: str = QuestionnairePurpose.SERVICE) -> HttpResponse:
    """One questionnaire's current version and its versions; administrators publish a new one."""
    if purpose not in QuestionnairePurpose.values:
        raise Http404
    is_admin = may(request.membership.role, "questionnaire.change")
    if request.method == "POST" and not is_admin:
        raise PermissionDenied(_("Only the customer-service centre's administrators may do this."))
    current = questionnaire_current(purpose)
    initial = [
        {
            "code": item.code,
            "text": item.text,
            "text_en": item.text_en,
            "kind": item.kind,
            "dimension": item.dimension,
            "required": item.required,
            "overall": item.overall,
        }
        for item in current.items.all()
    ]
    formset = QuestionnaireItems(request.POST or None, initial=initial, prefix="items")
    note_form = QuestionnaireNoteForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and note_form.is_valid():
        kept = [
            form
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")  # blank extra rows: none
        ]
        items = [{k: v for k, v in form.cleaned_data.items() if k != "DELETE"} for form in kept]
        try:
            published = questionnaire_publish(
                actor=actor_of(request), purpose=purpose, items=items, note=note_form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _rows_errors(exc, "items", kept, note_form)
        else:
            messages.success(
                request,
                _("%(questionnaire)s questionnaire version %(v)s published.")
                % {"questionnaire": published.get_purpose_display(), "v": published.version},
            )
            return redirect("admin-questionnaires", purpose=purpose)
    failed = request.method == "POST"
    return render(
        request,
        "hotline/admin/questionnaires.html",
        {
            "purpose": purpose,
            "purposes": QuestionnairePurpose.choices,
            "current": current,
            "formset": formset,
            "note_form": note_form,
            "versions": Questionnaire.objects.filter(purpose=purpose).order_by("-version")[:20],
            "is_admin": is_admin,
        },
        status=400 if failed else 200,
    )


# --- the callback script --------------------------------------------------------------------


class ScriptForm(forms.Form):
    opening = forms.CharField(label=_lazy("Opening (Chinese)"), max_length=1000, widget=forms.Textarea)
    opening_en = forms.CharField(
        label=_lazy("Opening (English)"), max_length=1000, required=False, widget=forms.Textarea
    )
    closing = forms.CharField(label=_lazy("Closing (Chinese)"), max_length=1000, widget=forms.Textarea)
    closing_en = forms.CharField(
        label=_lazy("Closing (English)"), max_length=1000, required=False, widget=forms.Textarea
    )
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=200)


class SituationForm(forms.Form):
    title = forms.CharField(label=_lazy("Situation (Chinese)"), max_length=100)
    title_en = forms.CharField(label=_lazy("Situation (English)"), max_length=100, required=False)
    say = forms.CharField(label=_lazy("What to say (Chinese)"), max_length=1000, widget=forms.Textarea)
    say_en = forms.CharField(
        label=_lazy("What to say (English)"), max_length=1000, required=False, widget=forms.Textarea
    )
    never = forms.CharField(
        label=_lazy("What never to say (Chinese)"), max_length=1000, required=False, widget=forms.Textarea
    )
    never_en = forms.CharField(
        label=_lazy("What never to say (English)"), max_length=1000, required=False, widget=forms.Textarea
    )


Situations = forms.formset_factory(
    SituationForm, extra=2, can_delete=True, max_num=MAX_SITUATIONS, validate_max=True
)
SCRIPT_FIELDS = ("opening", "opening_en", "closing", "closing_en")
SITUATION_FIELDS = ("title", "title_en", "say", "say_en", "never", "never_en")


@login_required
def callback_scripts(request: HttpRequest) -> HttpResponse:
    """The callback script as the callback forms show it, and its versions; administrators
    publish a new version (both languages)."""
    is_admin = may(request.membership.role, "callback_script.change")
    if request.method == "POST" and not is_admin:
        raise PermissionDenied(_("Only the customer-service centre's administrators may do this."))
    current = script_current()
    form = ScriptForm(request.POST or None, initial={name: getattr(current, name) for name in SCRIPT_FIELDS})
    formset = Situations(
        request.POST or None,
        initial=[{name: getattr(s, name) for name in SITUATION_FIELDS} for s in current.situations.all()],
        prefix="situations",
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = [row for row in formset.forms if row.cleaned_data and not row.cleaned_data.get("DELETE")]
        try:
            published = script_publish(
                actor=actor_of(request),
                situations=[{name: row.cleaned_data[name] for name in SITUATION_FIELDS} for row in kept],
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _rows_errors(exc, "situations", kept, form)
        else:
            messages.success(
                request, _("Callback script version %(v)s published.") % {"v": published.version}
            )
            return redirect("admin-scripts")
    example = Owner(name="王建华", gender=Gender.MALE)
    return render(
        request,
        "hotline/admin/scripts.html",
        {
            "current": current,
            "script": callback_script(example, org=request.tenant.name, script=current),
            "form": form,
            "formset": formset,
            "versions": CallbackScript.objects.order_by("-version")[:20],
            "is_admin": is_admin,
        },
        status=400 if request.method == "POST" else 200,
    )
