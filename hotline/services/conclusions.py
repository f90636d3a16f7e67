"""The complaint's conclusion (原因分析 / 改进措施) and the hotline's review (客服部复核意见).

``conclusion_check`` validates what the dealer gives when reporting a work order resolved
(``handling.work_order_resolve`` writes it in the same transaction); ``conclusion_review``
records the hotline's review opinion on a closed work order; ``root_cause_*`` keep the
manufacturer's list of root causes (administrators).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from config.actor import Actor
from tenants.permissions import require

from ..events import EventKind
from ..models import (
    PAID_REMEDIES,
    REASON_NEEDED,
    Apologiser,
    Conclusion,
    RemedyType,
    Responsibility,
    RootCause,
    State,
    Validity,
    WorkOrder,
)
from .clocks import tenant_time_zone
from .events import event_append
from .work_orders import work_order_lock, work_order_save

MAX_AMOUNT = Decimal("1000000.00")  # CNY; a remedy above a million is a typing error
MAX_TEXT = 2000
MAX_DUE_DAYS = 366
REVIEW_MAX = 2000

# The fields a conclusion is given by, in the order forms and errors name them.
CONCLUSION_FIELDS = (
    "validity",
    "invalid_reason",
    "responsibility",
    "root_cause",
    "remedy_types",
    "remedy_amount",
    "apologised_by",
    "corrective_action",
    "corrective_owner",
    "corrective_due",
)


def _amount(value: Any, errors: dict[str, list[str]]) -> Decimal:
    if value in (None, ""):
        return Decimal("0.00")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors["remedy_amount"] = [_("Write the amount in yuan, e.g. 200 or 1250.50.")]
        return Decimal("0.00")
    if not amount.is_finite():
        errors["remedy_amount"] = [_("Write the amount in yuan, e.g. 200 or 1250.50.")]
        return Decimal("0.00")
    if amount < 0 or amount > MAX_AMOUNT:
        errors["remedy_amount"] = [_("The amount is between 0 and 1,000,000 yuan.")]
    elif amount != amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        errors["remedy_amount"] = [_("The amount has at most 2 decimals (fen).")]
    return (
        amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if "remedy_amount" not in errors else amount
    )


def _due(value: Any, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            errors["corrective_due"] = [_("Give the due date as a date (YYYY-MM-DD).")]
            return None
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(tenant_time_zone())).date()
    if value < today:
        errors["corrective_due"] = [_("The due date is in the past.")]
    elif value > today + dt.timedelta(days=MAX_DUE_DAYS):
        errors["corrective_due"] = [_("The due date is within a year.")]
    return value


def _text(value: Any, name: str, errors: dict[str, list[str]], limit: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        errors[name] = [_("Write at most %(count)s characters.") % {"count": limit}]
    return text


# The first list of root causes, drawn from the manufacturer handbook's cases; a manufacturer's
# administrators rename, retire or add to it. Made on first use in each hotline (so a new
# hotline, cloned from an empty template, gets it too).
ROOT_CAUSES = [
    ("parts-not-stocked", "常用配件未备足库存", "A common part was not kept in stock"),
    ("owner-not-told-parts", "配件到货未及时通知客户", "The owner was not told when the part arrived"),
    ("tech-support-waiting", "技术支持被动等待", "Technical support was waited for, not chased"),
    ("diagnosis-incomplete", "故障检查判断不彻底", "The fault was not fully diagnosed"),
    ("handover-inspection", "交车前质量检验不到位", "The quality check before handover was missed"),
    ("wrong-quote", "零件或价格报错", "A wrong part or price was quoted"),
    ("booking-not-recorded", "预约信息未登记或未传达", "The booking details were not recorded or passed on"),
    ("staff-communication", "接待人员态度或沟通不当", "Staff attitude or communication"),
    ("rescue-not-provided", "未按规范提供救援", "Roadside rescue was not provided as required"),
    ("no-follow-up", "未主动跟踪客户问题", "The owner's problem was not followed up"),
    ("poor-scheduling", "作业安排不合理导致等待", "Poor workshop scheduling kept the owner waiting"),
    ("promise-not-kept", "对客户的承诺未兑现", "A promise to the owner was not kept"),
    ("charges-not-explained", "收费未向客户解释清楚", "The charges were not explained to the owner"),
    ("product-defect", "产品设计或制造缺陷", "A design or manufacturing defect"),
    ("customer-misuse", "客户使用不当", "The vehicle was not used as intended"),
    ("other", "其他", "Other"),
]


def root_causes_ensure() -> None:
    """The first list of root causes, where this hotline has none yet."""
    if RootCause.objects.exists():
        return
    try:
        with transaction.atomic():
            RootCause.objects.bulk_create(
                RootCause(code=code, name_zh=zh, name_en=en, position=n)
                for n, (code, zh, en) in enumerate(ROOT_CAUSES, start=1)
            )
    except IntegrityError:  # made by a concurrent first use
        pass


def conclusion_check(
    *,
    validity: str = "",
    invalid_reason: str = "",
    responsibility: str = "",
    root_cause: str = "",
    remedy_types: Iterable[str] | None = None,
    remedy_amount: Any = None,
    apologised_by: str = "",
    corrective_action: str = "",
    corrective_owner: str = "",
    corrective_due: Any = None,
) -> dict[str, Any]:
    """The conclusion's values, checked; ``ValidationError`` naming every field that is wrong.

    Validity, responsibility, a root cause in use from the manufacturer's list and at least one
    remedy are required; the reason when the complaint is not (fully) valid; who apologised when
    the remedies include an apology; the amount (CNY, 2 decimals) when they include a refund or
    compensation; a corrective action, its owner and due date unless the complaint is not valid
    (then only if one is given, with its owner and date).
    """
    errors: dict[str, list[str]] = {}
    if validity not in Validity.values:
        errors["validity"] = [_("Choose whether the complaint is valid.")]
    reason = _text(invalid_reason, "invalid_reason", errors)
    if validity in REASON_NEEDED and not reason and "invalid_reason" not in errors:
        errors["invalid_reason"] = [_("Say why the complaint is not (fully) valid.")]
    if responsibility not in Responsibility.values:
        errors["responsibility"] = [_("Choose who is responsible.")]
    cause = None
    code = str(root_cause or "").strip()
    if not code:
        errors["root_cause"] = [_("Choose the root cause.")]
    else:
        root_causes_ensure()
        cause = RootCause.objects.filter(code=code, active=True).first()
        if cause is None:
            errors["root_cause"] = [_("“%(code)s” is not a root cause in this list.") % {"code": code[:40]}]
    if isinstance(remedy_types, str):
        remedy_types = [remedy_types]
    remedies = [str(t) for t in (remedy_types or []) if str(t).strip()]
    unknown = [t for t in remedies if t not in RemedyType.values]
    if not remedies:
        errors["remedy_types"] = [_("Choose at least one remedy.")]
    elif unknown:
        errors["remedy_types"] = [_("Unknown remedy: %(value)s.") % {"value": ", ".join(unknown)[:80]}]
    elif len(set(remedies)) != len(remedies):
        errors["remedy_types"] = [_("Each remedy once.")]
    amount = _amount(remedy_amount, errors)
    if "remedy_amount" not in errors and PAID_REMEDIES & set(remedies) and amount <= 0:
        errors["remedy_amount"] = [_("A refund or compensation needs its amount in yuan.")]
    if apologised_by and apologised_by not in Apologiser.values:
        errors["apologised_by"] = [_("Choose who apologised.")]
    elif RemedyType.APOLOGY in remedies and not apologised_by:
        errors["apologised_by"] = [_("Say who apologised to the owner.")]
    action = _text(corrective_action, "corrective_action", errors)
    owner = _text(corrective_owner, "corrective_owner", errors, 120)
    due = _due(corrective_due, errors)
    if not action and validity != Validity.NOT_VALID and "corrective_action" not in errors:
        errors["corrective_action"] = [_("Say what will be done so it does not happen again.")]
    if action:
        if not owner and "corrective_owner" not in errors:
            errors["corrective_owner"] = [_("Name who carries out the corrective action.")]
        if due is None and "corrective_due" not in errors:
            errors["corrective_due"] = [_("Give the corrective action's due date.")]
    if errors:
        raise ValidationError(errors)
    return {
        "validity": validity,
        "invalid_reason": reason if validity in REASON_NEEDED else "",
        "responsibility": responsibility,
        "root_cause": cause,
        "remedy_types": remedies,
        "remedy_amount": amount,
        "apologised_by": apologised_by or "",
        "corrective_action": action,
        "corrective_owner": owner if action else "",
        "corrective_due": due if action else None,
    }


def conclusion_write(
    work_order: WorkOrder, values: dict[str, Any], actor: Actor, at: dt.datetime
) -> Conclusion:
    """Store the checked conclusion (the caller holds the work order's lock); an earlier one is
    replaced and its review cleared (the event log keeps both)."""
    conclusion, _created = Conclusion.objects.update_or_create(
        work_order=work_order,
        defaults={
            **values,
            "concluded_at": at,
            "concluded_by_id": actor.user_id,
            "review_opinion": "",
            "reviewed_at": None,
            "reviewed_by_id": None,
            "reviewed_by_name": "",
        },
    )
    return conclusion


def conclusion_data(values: dict[str, Any]) -> dict[str, Any]:
    """The conclusion as the resolution's event records it."""
    return {
        **values,
        "root_cause": values["root_cause"].code,
        "remedy_amount": f"{values['remedy_amount']:.2f}",
    }


def conclusion_review(*, work_order_id: int, actor: Actor, opinion: str) -> Conclusion:
    """The hotline's review opinion (客服部复核意见) on a closed work order's conclusion.

    Allowed once the work order is closed and has a conclusion; a later review replaces the
    earlier one. Appends ``work_order.reviewed`` (the dealer on duty is told).
    """
    require(actor, "work_order.review")
    text = str(opinion or "").strip()
    if not text:
        raise ValidationError({"opinion": [_("Write the review opinion.")]})
    if len(text) > REVIEW_MAX:
        raise ValidationError({"opinion": [_("Write at most %(count)s characters.") % {"count": REVIEW_MAX}]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id)
        conclusion = Conclusion.objects.filter(work_order=work_order).first()
        if work_order.state != State.CLOSED or conclusion is None:
            raise ValidationError(
                {"opinion": [_("A review is recorded on a closed work order with the dealer's conclusion.")]}
            )
        now = timezone.now()
        conclusion.review_opinion = text
        conclusion.reviewed_at = now
        conclusion.reviewed_by_id = actor.user_id
        conclusion.reviewed_by_name = actor.name[:150]
        conclusion.save(update_fields=["review_opinion", "reviewed_at", "reviewed_by_id", "reviewed_by_name"])
        work_order_save(work_order)
        event_append(work_order, EventKind.REVIEWED, actor, now, opinion=text)
    return conclusion


# --- the manufacturer's list of root causes ------------------------------------------------

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
CODE_RULE = _lazy("A code of lower-case letters, digits, - and _ (at most 40).")


def _cause_values(name_zh: str, name_en: str) -> tuple[str, str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    zh, en = str(name_zh or "").strip(), str(name_en or "").strip()
    if not zh:
        errors["name_zh"] = [_("Write the name in Chinese.")]
    elif len(zh) > 80:
        errors["name_zh"] = [_("Write at most %(count)s characters.") % {"count": 80}]
    if not en:
        errors["name_en"] = [_("Write the name in English.")]
    elif len(en) > 120:
        errors["name_en"] = [_("Write at most %(count)s characters.") % {"count": 120}]
    return zh, en, errors


def root_cause_add(*, actor: Actor, code: str, name_zh: str, name_en: str) -> RootCause:
    """A new root cause, last in the list."""
    require(actor, "root_causes.change")
    zh, en, errors = _cause_values(name_zh, name_en)
    code = str(code or "").strip().lower()
    if not CODE.match(code):
        errors["code"] = [str(CODE_RULE)]
    elif RootCause.objects.filter(code=code).exists():
        errors["code"] = [_("This code is already in the list.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            last = RootCause.objects.aggregate(last=Max("position"))["last"] or 0
            return RootCause.objects.create(code=code, name_zh=zh, name_en=en, position=last + 1)
    except IntegrityError:  # added by another administrator a moment before
        raise ValidationError({"code": [_("This code is already in the list.")]}) from None


def root_cause_change(*, actor: Actor, cause_id: int, name_zh: str, name_en: str, active: bool) -> RootCause:
    """Rename a root cause or take it out of use (conclusions that name it keep it)."""
    require(actor, "root_causes.change")
    zh, en, errors = _cause_values(name_zh, name_en)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        cause = RootCause.objects.select_for_update().get(pk=cause_id)
        cause.name_zh, cause.name_en, cause.active = zh, en, bool(active)
        cause.save(update_fields=["name_zh", "name_en", "active"])
    return cause
