"""The questionnaire's fields on a callback form, the hotline's and the dealer's alike.

Each item becomes a field named ``answers.<code>`` (the name the service's
errors use, so an error lands on its item); the overall item is the form's
``score`` field, labelled with its question. Every field is optional on the
form: the service knows which items a reached callback must answer, and says
so by field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from .models import AnswerKind, DetailAnswer, Questionnaire

SCORES = [("", "—"), *[(str(n), str(n)) for n in range(10, 0, -1)]]
YES_NO = [("", "—"), ("yes", _lazy("Yes")), ("no", _lazy("No"))]
DETAILS = [("", "—"), *DetailAnswer.choices]


def questionnaire_fields_add(form: forms.Form, questionnaire: Questionnaire | None) -> None:
    """Add the questionnaire's items to ``form`` (after its ``score`` field, if it has one)."""
    if questionnaire is None:
        return
    fields: dict[str, forms.Field] = {}
    required_help = _lazy("Required when the owner is reached")
    for item in questionnaire.items.all():
        help_text = f"{item.get_dimension_display()}" + (f" · {required_help}" if item.required else "")
        if item.overall:
            if "score" in form.fields:
                form.fields["score"].label = item.label
                form.fields["score"].help_text = help_text
            continue
        choices = {AnswerKind.SCORE: SCORES, AnswerKind.YES_NO: YES_NO}.get(item.kind, DETAILS)
        fields[f"answers.{item.code}"] = forms.ChoiceField(
            label=item.label, choices=choices, required=False, help_text=help_text
        )
    names = list(form.fields)
    at = names.index("score") + 1 if "score" in names else len(names)
    ordered = {name: form.fields[name] for name in names[:at]}
    ordered.update(fields)
    ordered.update({name: form.fields[name] for name in names[at:]})
    form.fields = ordered


def answers_of(cleaned: dict[str, Any]) -> dict[str, Any]:
    """Take the items' answers out of a form's cleaned data, keyed by item code (blanks left out)."""
    answers = {}
    for name in [n for n in cleaned if n.startswith("answers.")]:
        value = cleaned.pop(name)
        if value not in ("", None):
            answers[name.removeprefix("answers.")] = int(value) if value.isdigit() else value
    return answers
