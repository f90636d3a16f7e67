"""Two administrators publishing a new version of a setting at the same moment: the second is told
someone published a moment ago, nothing half-made stays, and nobody sees a 500."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from hotline.models import CallbackPolicy, Questionnaire, SlaPolicy
from hotline.services.callbacks import callback_policy_publish
from hotline.services.policy import DEFAULT_WINDOWS, policy_publish
from hotline.services.questionnaires import questionnaire_current, questionnaire_publish

from ..conftest import race

PUBLISHES = {
    "SLA policy": (SlaPolicy, lambda actor: policy_publish(actor=actor, windows=list(DEFAULT_WINDOWS))),
    "callback policy": (
        CallbackPolicy,
        lambda actor: callback_policy_publish(actor=actor, hotline_verifies="sample", sample_percent=50),
    ),
    "questionnaire": (
        Questionnaire,
        lambda actor: questionnaire_publish(
            actor=actor,
            purpose="service",
            items=[
                {"text": "您对本次处理满意吗？", "kind": "score", "dimension": "overall", "overall": True}
            ],
        ),
    ),
}


@pytest.mark.parametrize("setting", list(PUBLISHES))
def test_the_second_of_two_simultaneous_publishes_is_refused_not_a_500(
    committed_tenants, hotline, admin, setting
):
    model, publish = PUBLISHES[setting]
    with tenant_context(hotline):
        publish(admin)  # version 1 (and the manual's questionnaire) exist before the race
        questionnaire_current("service")
        before = model.objects.count()
    outcome, waited = race(hotline, lambda: publish(admin), lambda: publish(admin).version)
    assert waited  # the second publish really met the first one's uncommitted version
    error = outcome.get("error")
    assert isinstance(error, ValidationError), error
    assert "刚刚有人发布了新版本" in str(error.message_dict["__all__"])
    with tenant_context(hotline):
        assert model.objects.count() == before + 1  # the first one's version; nothing of the second
