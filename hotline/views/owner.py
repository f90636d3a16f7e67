"""The owner's page behind the signed link in the score-request text: no sign-in.

It shows no more than the owner's own complaint, its progress and the dealer's
name, and takes the owner's answer once. A link that is forged, expired, from
another hotline or about a resolution that is over gets the same plain page,
which says nothing about any work order.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from config.portal import apply_errors

from ..models import Questionnaire
from ..questionnaire_form import SCORES, YES_NO, answers_of, questionnaire_fields_add
from ..services.callbacks import CallbackNotAllowed
from ..services.owner_link import (
    MAX_COMMENT,
    owner_answered_online,
    owner_link_work_order,
    owner_online_answer,
)
from ..services.questionnaires import questionnaire_for


class OwnerAnswerForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_lazy("Overall, how satisfied are you? (1–10)"), choices=SCORES, coerce=int
    )
    solved = forms.TypedChoiceField(
        label=_lazy("Is the fault fully fixed?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
    )
    comment = forms.CharField(
        label=_lazy("Anything else you would like to tell us?"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, questionnaire: Questionnaire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questionnaire_fields_add(self, questionnaire)
        # Required items are required here too: the owner sees the asterisk before sending.
        for item in questionnaire.items.all():
            name = "score" if item.overall else f"answers.{item.code}"
            self.fields[name].required = item.required
        self.order_fields(["score", "solved"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["answers"] = answers_of(cleaned)
        return cleaned


def _plain(request: HttpRequest, *, busy: bool = False) -> HttpResponse:
    """The page that says nothing about any work order; ``busy``: too many requests from one
    address (429, try again in a minute)."""
    response = render(request, "hotline/owner/unavailable.html", {"busy": busy}, status=429 if busy else 404)
    response["Cache-Control"] = "no-store"
    if busy:
        response["Retry-After"] = "60"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=lambda g, r: settings.OWNER_LINK_RATE_PER_IP, block=False)
def owner_answer(request: HttpRequest, token: str) -> HttpResponse:
    if getattr(request, "limited", False):  # one address trying link after link
        return _plain(request, busy=True)
    work_order = owner_link_work_order(token)
    if work_order is None:
        return _plain(request)
    if owner_answered_online(work_order):
        return render(request, "hotline/owner/thanks.html", {"wo": work_order})
    questionnaire = questionnaire_for(work_order)
    form = OwnerAnswerForm(request.POST or None, questionnaire=questionnaire)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            owner_online_answer(
                work_order_id=work_order.pk,
                score=data["score"],
                solved=data["solved"],
                answers=data["answers"],
                comment=data["comment"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except CallbackNotAllowed:
            return _plain(request)
        else:
            return redirect("owner-answer", token=token)
    return render(
        request,
        "hotline/owner/answer.html",
        {"wo": work_order, "form": form},
        status=400 if form.errors else 200,
    )
