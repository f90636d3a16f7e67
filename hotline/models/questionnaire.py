"""The manufacturer's callback questionnaires (回访问卷) and the answers a callback gives.

A questionnaire is versioned: administrators publish a new version, never edit
one, and every answer points at the item of the version that was asked, so an
edit never changes what an owner already said. An item keeps its ``code``
from version to version while it asks the same thing, which is what the
satisfaction figures group by.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class QuestionnairePurpose(models.TextChoices):
    """Which callbacks ask it: after service (every complaint but sales), or after a sale."""

    SERVICE = "service", _("After-sales service")
    SALES = "sales", _("Sales")


class Dimension(models.TextChoices):
    OVERALL = "overall", _("Overall")
    RECEPTION = "reception", _("Reception")
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    REPAIR_QUALITY = "repair_quality", _("Repair quality")
    CHARGES = "charges", _("Explanation of charges")
    ATTITUDE = "attitude", _("Attitude")
    SPEED = "speed", _("Speed")


class AnswerKind(models.TextChoices):
    SCORE = "score", _("Score 1–10")
    YES_NO = "yes_no", _("Yes / no")
    DETAIL = "detail", _("In detail / partly / not explained")


class DetailAnswer(models.TextChoices):
    DETAILED = "detailed", _("In detail")
    PARTLY = "partly", _("Partly")
    NOT_EXPLAINED = "not_explained", _("Not explained")


# How good an answer is, from 0 to 1, to compare items of different kinds (the weakest items).
DETAIL_VALUE = {DetailAnswer.DETAILED: 1.0, DetailAnswer.PARTLY: 0.5, DetailAnswer.NOT_EXPLAINED: 0.0}


class Questionnaire(models.Model):
    """One version of one of the manufacturer's questionnaires. Versions are never edited."""

    purpose = models.CharField(_("questionnaire"), max_length=10, choices=QuestionnairePurpose.choices)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="one_questionnaire_version")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} questionnaire v{self.version}"


class QuestionnaireItem(models.Model):
    """One question: how it is answered, the dimension it measures, whether a reached
    callback must answer it. Exactly one item per version is the overall score, the one
    an owner's texted score answers."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=20)
    text = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    kind = models.CharField(_("answered by"), max_length=10, choices=AnswerKind.choices)
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    required = models.BooleanField(_("required"), default=False)
    overall = models.BooleanField(_("overall score"), default=False)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="one_item_code_per_version"),
            models.UniqueConstraint(
                fields=["questionnaire"],
                condition=models.Q(overall=True),
                name="one_overall_item_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"

    @property
    def label(self) -> str:
        """The question in the reader's language (the Chinese one when no English is given)."""
        if self.text_en and not (get_language() or "").startswith("zh"):
            return self.text_en
        return self.text


class CallbackAnswer(models.Model):
    """One answer of a reached callback (or of the owner online) to one item. Never changed."""

    attempt = models.ForeignKey("hotline.CallbackAttempt", on_delete=models.PROTECT, related_name="answers")
    item = models.ForeignKey(QuestionnaireItem, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    yes = models.BooleanField(null=True, blank=True)
    detail = models.CharField(max_length=16, choices=DetailAnswer.choices, blank=True)

    class Meta:
        ordering = ["attempt", "item__position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "item"], name="one_answer_per_item")]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.item_id}"

    @property
    def value(self) -> int | bool | str | None:
        """The answer as the API gives it: a score, true/false, or detailed/partly/not_explained."""
        if self.score is not None:
            return self.score
        if self.yes is not None:
            return self.yes
        return self.detail or None

    @property
    def goodness(self) -> float | None:
        """0 (worst) to 1 (best), to compare items answered in different ways."""
        if self.score is not None:
            return (self.score - 1) / 9
        if self.yes is not None:
            return 1.0 if self.yes else 0.0
        return DETAIL_VALUE.get(self.detail)
