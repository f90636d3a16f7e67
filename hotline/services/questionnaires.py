"""The manufacturer's callback questionnaires: published in versions, answered by reached callbacks.

Two questionnaires per manufacturer, after-sales service and sales (the
callback manual's two); a work order of the "sales" category is asked the sales
one, every other the service one. Each item is a score from 1 to 10, yes/no,
or in detail / partly / not explained, and measures one dimension. Exactly one
item is the overall score: it is the callback's score (the satisfaction bands
count it) and the only item an owner's texted score answers.

Until an administrator publishes one, the manual's questionnaires are version 1,
with only the overall score required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from config.actor import Actor
from tenants.permissions import require

from ..models import (
    AnswerKind,
    CallbackAnswer,
    CallbackAttempt,
    Category,
    DetailAnswer,
    Dimension,
    Questionnaire,
    QuestionnaireItem,
    QuestionnairePurpose,
    WorkOrder,
)
from .policy import publishing

MAX_ITEMS = 30
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
Errors = dict[str, list[str]]

S, YN, D = AnswerKind.SCORE, AnswerKind.YES_NO, AnswerKind.DETAIL
DIM = Dimension

# The callback manual's two questionnaires, in our own words: (code, kind, dimension, zh, en).
DEFAULT_ITEMS: dict[str, list[tuple[str, str, str, str, str]]] = {
    QuestionnairePurpose.SERVICE: [
        (
            "overall",
            S,
            DIM.OVERALL,
            "总体来说，您对我们这次的服务满意吗？（1–10 分）",
            "Overall, how satisfied are you with our service this time? (1–10)",
        ),
        (
            "greeted",
            YN,
            DIM.RECEPTION,
            "您到店时，服务顾问是否马上接待并问候了您？",
            "When you arrived, did a service advisor receive and greet you at once?",
        ),
        (
            "walkaround",
            YN,
            DIM.RECEPTION,
            "服务顾问是否和您一起检查了车辆外观并说明情况？",
            "Did the service advisor check the car's exterior with you and explain what was found?",
        ),
        (
            "work_explained",
            D,
            DIM.CHARGES,
            "开工前，服务顾问是否说明了作业项目、费用和时间，并请您签字确认？",
            "Before work began, did the advisor explain the work, its cost and time, and ask you to sign?",
        ),
        (
            "on_time",
            YN,
            DIM.SPEED,
            "车辆是否按约定的时间交还给您？",
            "Was the car handed back to you at the time agreed?",
        ),
        (
            "charges_explained",
            YN,
            DIM.CHARGES,
            "交车时，是否有人对照车辆向您解释了收费和作业内容？",
            "At hand-over, did someone explain the charges and the work done, at the car?",
        ),
        (
            "old_parts",
            YN,
            DIM.CHARGES,
            "交车时，是否向您展示了更换下来的旧件？",
            "At hand-over, were you shown the parts that were replaced?",
        ),
        (
            "next_service",
            YN,
            DIM.ATTITUDE,
            "交车时，是否向您介绍了预约服务并给出下次保养建议？",
            "At hand-over, were you told about booking ahead and advised on the next service?",
        ),
        (
            "diagnosis",
            S,
            DIM.DIAGNOSIS,
            "您对技师判断车辆故障的能力满意吗？（1–10 分）",
            "How satisfied are you with how well the technicians found the fault? (1–10)",
        ),
        (
            "repair_quality",
            S,
            DIM.REPAIR_QUALITY,
            "您对这次维修的质量和所用时间满意吗？（1–10 分）",
            "How satisfied are you with the quality of the repair and the time it took? (1–10)",
        ),
    ],
    QuestionnairePurpose.SALES: [
        (
            "overall",
            S,
            DIM.OVERALL,
            "总体来说，您对这次购车的经历满意吗？（1–10 分）",
            "Overall, how satisfied are you with buying your car from us? (1–10)",
        ),
        (
            "wait",
            S,
            DIM.SPEED,
            "销售顾问接待您之前等候的时间，您满意吗？（1–10 分）",
            "How satisfied are you with how long you waited before a sales consultant saw you? (1–10)",
        ),
        (
            "model_info",
            S,
            DIM.RECEPTION,
            "销售顾问介绍您感兴趣车型的能力，您满意吗？（1–10 分）",
            "How satisfied are you with how the consultant presented the models you liked? (1–10)",
        ),
        (
            "test_drive",
            YN,
            DIM.RECEPTION,
            "购车前，销售顾问是否请您试乘试驾？",
            "Before you bought, did the consultant offer you a test drive?",
        ),
        (
            "handover_time",
            YN,
            DIM.SPEED,
            "交车的时间是否符合您的要求？",
            "Was the car handed over when you wanted it?",
        ),
        (
            "fuel",
            YN,
            DIM.REPAIR_QUALITY,
            "交车时油箱是否加好了油（燃油警示灯未亮）？",
            "At hand-over, had the car been fuelled (no low-fuel warning)?",
        ),
        (
            "questions_answered",
            YN,
            DIM.ATTITUDE,
            "交车时，您提出的问题是否都得到了解答？",
            "At hand-over, were all your questions answered?",
        ),
        (
            "use_explained",
            S,
            DIM.CHARGES,
            "交车时关于用车和保养的讲解，您满意吗？（1–10 分）",
            "How satisfied are you with what you were told about using and servicing the car? (1–10)",
        ),
        (
            "followed_up",
            YN,
            DIM.ATTITUDE,
            "交车后，销售顾问是否联系过您，了解车辆使用情况？",
            "After hand-over, did the consultant contact you to ask how the car was going?",
        ),
        (
            "advisor_introduced",
            YN,
            DIM.RECEPTION,
            "是否向您介绍了服务顾问，提醒首次保养时间并留下联系方式？",
            "Were you introduced to a service advisor, reminded of the first service and given a contact?",
        ),
        (
            "cashier",
            YN,
            DIM.ATTITUDE,
            "结算时，您对财务人员的效率和态度满意吗？",
            "At payment, were you satisfied with the cashier's speed and manner?",
        ),
    ],
}


def purpose_of(work_order: WorkOrder) -> str:
    return (
        QuestionnairePurpose.SALES if work_order.category == Category.SALES else QuestionnairePurpose.SERVICE
    )


def _with_items(qs: Any) -> Any:
    return qs.prefetch_related(Prefetch("items", queryset=QuestionnaireItem.objects.order_by("position")))


def _create(purpose: str, version: int, items: list[dict[str, Any]], *, note: str, actor_id: int | None):
    questionnaire = Questionnaire.objects.create(
        purpose=purpose, version=version, note=note, created_by_id=actor_id
    )
    QuestionnaireItem.objects.bulk_create(
        QuestionnaireItem(questionnaire=questionnaire, position=i, **item) for i, item in enumerate(items, 1)
    )
    return questionnaire


def questionnaire_current(purpose: str = QuestionnairePurpose.SERVICE) -> Questionnaire:
    """The newest version of one questionnaire, its items prefetched in order; the manual's
    becomes version 1 on first use."""
    current = _with_items(Questionnaire.objects.filter(purpose=purpose).order_by("-version")).first()
    if current is None:
        items = [
            {
                "code": code,
                "kind": kind,
                "dimension": dim,
                "text": zh,
                "text_en": en,
                "required": code == "overall",
                "overall": code == "overall",
            }
            for code, kind, dim, zh, en in DEFAULT_ITEMS[purpose]
        ]
        try:
            with transaction.atomic():
                _create(purpose, 1, items, note=_("The callback manual's questionnaire"), actor_id=None)
        except IntegrityError:  # a concurrent first use made version 1 and committed first
            pass
        current = _with_items(Questionnaire.objects.filter(purpose=purpose).order_by("-version")).first()
    return current


def questionnaire_for(work_order: WorkOrder) -> Questionnaire:
    """The questionnaire a callback on this work order asks (the current version)."""
    return questionnaire_current(purpose_of(work_order))


def questionnaire_publish(
    *, actor: Actor, purpose: str, items: list[dict[str, Any]], note: str = ""
) -> Questionnaire:
    """A new version of one questionnaire. Answers already given keep pointing at the version
    they answered. Each item: ``text`` (Chinese, required), ``text_en``, ``kind``,
    ``dimension``, ``required``, ``overall``, and ``code`` to keep an item's identity from the
    version before (a new item gets one). Errors name ``items[<n>].<field>`` (n from 1)."""
    require(actor, "questionnaire.change")
    errors: Errors = {}
    if purpose not in QuestionnairePurpose.values:
        errors["purpose"] = [_("Choose which questionnaire to change.")]
    if not isinstance(items, list) or not items:
        errors["items"] = [_("A questionnaire needs at least one item.")]
        items = []
    elif len(items) > MAX_ITEMS:
        errors["items"] = [_("At most %(n)s items.") % {"n": MAX_ITEMS}]
    if len(note or "") > 200:
        errors["note"] = [_("At most 200 characters.")]
    cleaned: list[dict[str, Any]] = []
    codes: set[str] = set()
    for n, raw in enumerate(items if isinstance(items, list) else [], 1):
        here = f"items[{n}]"
        if not isinstance(raw, dict):
            errors[here] = [_("Each item is an object.")]
            continue
        text = str(raw.get("text") or "").strip()
        text_en = str(raw.get("text_en") or "").strip()
        kind, dimension = raw.get("kind"), raw.get("dimension")
        code = str(raw.get("code") or "").strip().lower()
        if not text:
            errors[f"{here}.text"] = [_("Write the question in Chinese.")]
        elif len(text) > 300:
            errors[f"{here}.text"] = [_("At most 300 characters.")]
        if len(text_en) > 300:
            errors[f"{here}.text_en"] = [_("At most 300 characters.")]
        if kind not in AnswerKind.values:
            errors[f"{here}.kind"] = [_("Choose how the item is answered.")]
        if dimension not in Dimension.values:
            errors[f"{here}.dimension"] = [_("Choose the dimension the item measures.")]
        if code and not CODE_RE.match(code):
            errors[f"{here}.code"] = [
                _("A code is up to 20 lower-case letters, digits or “_”, starting with a letter.")
            ]
        elif code in codes:
            errors[f"{here}.code"] = [_("Two items have the code %(code)s.") % {"code": code}]
        codes.add(code)
        cleaned.append(
            {
                "code": code,
                "text": text,
                "text_en": text_en,
                "kind": kind,
                "dimension": dimension,
                "required": bool(raw.get("required")),
                "overall": bool(raw.get("overall")),
            }
        )
    overall = [n for n, item in enumerate(cleaned, 1) if item["overall"]]
    if cleaned and len(overall) != 1:
        errors["items"] = [_("Exactly one item is the overall score.")]
    elif cleaned:
        item = cleaned[overall[0] - 1]
        if item["kind"] != AnswerKind.SCORE:
            errors[f"items[{overall[0]}].kind"] = [_("The overall item is a score from 1 to 10.")]
        item["required"] = True  # a reached callback always gives its overall score
    if errors:
        raise ValidationError(errors)
    taken = {item["code"] for item in cleaned if item["code"]}
    counter = 1
    for item in cleaned:
        if not item["code"]:
            while f"q{counter}" in taken:
                counter += 1
            item["code"] = f"q{counter}"
            taken.add(item["code"])
    questionnaire_current(purpose)  # the manual's version 1 first, so versions count from it
    with publishing():
        last = Questionnaire.objects.select_for_update().filter(purpose=purpose).order_by("-version").first()
        created = _create(
            purpose, last.version + 1, cleaned, note=(note or "").strip(), actor_id=actor.user_id
        )
    return _with_items(Questionnaire.objects.filter(pk=created.pk)).get()


# --- answering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    """A reached callback's answers, checked against one questionnaire version."""

    questionnaire: Questionnaire
    score: int  # the overall item's
    rows: list[tuple[QuestionnaireItem, dict[str, Any]]]


def _answer(item: QuestionnaireItem, value: Any) -> dict[str, Any] | str:
    """The stored form of one answer, or the message saying what is wrong with it."""
    if item.kind == AnswerKind.SCORE:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10:
            return _("“%(item)s”: a score from 1 to 10.") % {"item": item.label}
        return {"score": value}
    if item.kind == AnswerKind.YES_NO:
        value = {"yes": True, "no": False, "true": True, "false": False}.get(value, value)
        if not isinstance(value, bool):
            return _("“%(item)s”: answer yes or no.") % {"item": item.label}
        return {"yes": value}
    if value not in DetailAnswer.values:
        return _("“%(item)s”: answer in detail, partly or not explained.") % {"item": item.label}
    return {"detail": value}


def answers_check(
    errors: Errors,
    questionnaire: Questionnaire,
    *,
    reached: bool,
    score: Any,
    answers: dict[str, Any] | None,
) -> Answers | None:
    """Check a callback's answers: a reached callback answers every required item (its
    overall item may come as ``score``); one that did not reach the owner answers none.
    Errors name ``answers.<code>`` (``score`` for the overall item)."""
    if answers is not None and not isinstance(answers, dict):
        errors["answers"] = [_("Answers are given as an object of item codes.")]
        return None
    answers = {k: v for k, v in (answers or {}).items() if v is not None and v != ""}
    if not reached:
        if answers:
            errors["answers"] = [_("Only a reached owner answers the questionnaire.")]
        if score is not None:
            errors["score"] = [_("Only a reached owner gives a score.")]
        return None
    items = list(questionnaire.items.all())
    by_code = {item.code: item for item in items}
    unknown = sorted(set(answers) - set(by_code))
    if unknown:
        errors["answers"] = [
            _("No such item in questionnaire version %(v)s: %(codes)s.")
            % {"v": questionnaire.version, "codes": ", ".join(unknown)}
        ]
    rows: list[tuple[QuestionnaireItem, dict[str, Any]]] = []
    overall_score = None
    for item in items:
        field = "score" if item.overall else f"answers.{item.code}"
        value = answers.get(item.code)
        if item.overall:
            if score is not None and value is not None and score != value:
                errors["score"] = [_("The score and the overall item's answer differ.")]
                continue
            value = score if score is not None else value
        if value is None:
            if item.required:
                message = (
                    _("A reached owner gives a score from 1 to 10.")
                    if item.overall
                    else _("“%(item)s” must be answered.") % {"item": item.label}
                )
                errors[field] = [message]
            continue
        stored = _answer(item, value)
        if isinstance(stored, str):
            errors[field] = [stored]
            continue
        if item.overall:
            overall_score = stored["score"]
        rows.append((item, stored))
    if errors or overall_score is None:
        return None
    return Answers(questionnaire=questionnaire, score=overall_score, rows=rows)


def answers_save(attempt: CallbackAttempt, answers: Answers) -> None:
    """The answers of one callback, stored with it (same transaction)."""
    attempt.questionnaire = answers.questionnaire
    attempt.save(update_fields=["questionnaire"])
    CallbackAnswer.objects.bulk_create(
        CallbackAnswer(attempt=attempt, item=item, **stored) for item, stored in answers.rows
    )


def overall_answer_save(attempt: CallbackAttempt, questionnaire: Questionnaire, score: int) -> None:
    """An owner's texted score: it answers the overall item only."""
    item = next(item for item in questionnaire.items.all() if item.overall)
    attempt.questionnaire = questionnaire
    attempt.save(update_fields=["questionnaire"])
    CallbackAnswer.objects.create(attempt=attempt, item=item, score=score)


def answers_summary(answers: Answers | None) -> dict[str, Any]:
    """What the callback's event records of its answers: the version and each item's answer."""
    if answers is None:
        return {}
    return {
        "questionnaire": answers.questionnaire.version,
        "answers": {
            item.code: stored.get("score", stored.get("yes", stored.get("detail")))
            for item, stored in answers.rows
        },
    }
