"""Satisfaction figures from the callbacks (回访): one definition for both KPI pages and the API.

Only callbacks made by a person count: the hotline's verification callbacks and the
dealer's own. An owner's texted score or online answer sets ``WorkOrder.satisfaction``
but is no callback, so it is left out here (docs/work-orders.md, "Satisfaction figures").

Over the work orders received in the period (cancelled ones left out), like the other KPIs:

- callback success rate: work orders with a reached callback ÷ work orders with any
  callback attempt;
- 完全满意率 / 基本满意率 / 不满意率: reached callbacks whose overall score is 8–10 /
  6–7 / 1–5, over the reached callbacks that gave an overall score — three bands that
  never overlap and add up to every scored callback;
- the weakest questionnaire items: the items (the overall one apart) whose answers in
  reached callbacks are furthest from the best, on a 0–100 index (100: every answer the
  best — 10, yes, in detail; 0: every answer the worst);
- "closed — not verified": work orders closed by the callback policy's timeout after
  only the owner's texted score;
- failed callbacks: work orders never reached whose attempts include a counted failure
  ("call later" and "not the owner" are none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from tenants.models import Region, User

from .models import (
    FAILED_OUTCOMES,
    CallbackAnswer,
    CallbackAttempt,
    CallbackOutcome,
    CallbackParty,
    State,
    WorkOrder,
)
from .models.questionnaire import DETAIL_VALUE, QuestionnaireItem
from .selectors import _kpi_work_orders

# Callbacks made by a person; the owner's own answers (by text, online) are not callbacks.
CALLERS = (CallbackParty.HOTLINE, CallbackParty.DEALER)

# The satisfaction bands of the overall score, as the manual sets them: (name, lowest, highest).
BANDS = (("high", 8, 10), ("mid", 6, 7), ("low", 1, 5))

WEAKEST = 3


def band_of(score: int) -> str:
    for name, lowest, highest in BANDS:
        if lowest <= score <= highest:
            return name
    raise ValueError(score)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class CallbackFacts:
    """What the callbacks of one work order say, for the figures."""

    work_order_id: int
    number: str
    dealer_id: int
    dealer_code: str
    dealer_name: str
    region_id: int
    created_by_id: int
    received_at: dt.datetime
    state: str
    closed_unverified: bool
    attempts: list[tuple[dt.datetime, str, str, int | None]] = field(default_factory=list)
    # Whom the dealer assigned it to (its service advisor), filled in by the dealer's side.
    assignee_id: int | None = None

    @property
    def attempted(self) -> bool:
        return bool(self.attempts)

    @property
    def reached(self) -> bool:
        return any(outcome == CallbackOutcome.REACHED for _at, outcome, _party, _score in self.attempts)

    @property
    def failed(self) -> bool:
        """Never reached, and at least one attempt counts as failed ("call later" and "not
        the owner" do not)."""
        return not self.reached and any(outcome in FAILED_OUTCOMES for _at, outcome, _p, _s in self.attempts)

    @property
    def scores(self) -> list[int]:
        """The overall scores of its reached callbacks."""
        return [
            score
            for _at, outcome, _party, score in self.attempts
            if outcome == CallbackOutcome.REACHED and score is not None
        ]

    @property
    def reached_count(self) -> int:
        return sum(1 for _at, outcome, _party, _score in self.attempts if outcome == CallbackOutcome.REACHED)


def callback_facts(
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    dealer_id: int | None = None,
    dealer_code: str = "",
    work_orders: QuerySet[WorkOrder] | None = None,
) -> list[CallbackFacts]:
    """Per work order received in the period: its callbacks by a person, oldest first."""
    qs = _kpi_work_orders(since=since, until=until, dealer_id=dealer_id, dealer_code=dealer_code)
    if work_orders is not None:
        qs = qs.filter(pk__in=work_orders.values("pk"))
    facts = {
        row[0]: CallbackFacts(*row)
        for row in qs.order_by("received_at", "pk").values_list(
            "pk",
            "number",
            "dealer_id",
            "dealer_code",
            "dealer_name",
            "region_id",
            "created_by_id",
            "received_at",
            "state",
            "closed_unverified",
        )
    }
    attempts = (
        CallbackAttempt.objects.filter(work_order__in=qs, party__in=CALLERS)
        .order_by("at", "pk")
        .values_list("work_order_id", "at", "outcome", "party", "score")
    )
    for work_order_id, at, outcome, party, score in attempts:
        facts[work_order_id].attempts.append((at, outcome, party, score))
    return list(facts.values())


def figures_of(facts: Iterable[CallbackFacts]) -> dict[str, Any]:
    """The satisfaction figures of some work orders (see the module's docstring)."""
    facts = list(facts)
    attempted = sum(1 for f in facts if f.attempted)
    reached = sum(1 for f in facts if f.reached)
    scores = [s for f in facts for s in f.scores]
    bands = {name: sum(1 for s in scores if band_of(s) == name) for name, _lo, _hi in BANDS}
    return {
        "work_orders": len(facts),
        "attempted": attempted,
        "reached": reached,
        "success_rate": _percent(reached, attempted),
        "reached_callbacks": sum(f.reached_count for f in facts),
        "scored": len(scores),
        "band_high": bands["high"],
        "band_mid": bands["mid"],
        "band_low": bands["low"],
        "high_rate": _percent(bands["high"], len(scores)),
        "mid_rate": _percent(bands["mid"], len(scores)),
        "low_rate": _percent(bands["low"], len(scores)),
        "closed_unverified": sum(1 for f in facts if f.closed_unverified),
        "failed": sum(1 for f in facts if f.failed),
    }


def figures_by(
    facts: Iterable[CallbackFacts], key_of: Callable[[CallbackFacts], Hashable]
) -> list[tuple[Hashable, dict[str, Any]]]:
    """``figures_of`` per group, in the order of the keys."""
    groups: dict[Hashable, list[CallbackFacts]] = {}
    for f in facts:
        groups.setdefault(key_of(f), []).append(f)
    return [(key, figures_of(groups[key])) for key in sorted(groups, key=lambda k: (k is None, str(k)))]


def weakest_items(facts: Iterable[CallbackFacts], *, limit: int = WEAKEST) -> list[dict[str, Any]]:
    """The questionnaire items (the overall one apart) answered worst in reached callbacks.

    Items are told apart by questionnaire and code, so versions that ask the same thing
    count together; the question shown is the newest version's. Ties go to the item with
    more answers, then by code.
    """
    ids = [f.work_order_id for f in facts if f.reached]
    answers = CallbackAnswer.objects.filter(
        attempt__work_order_id__in=ids,
        attempt__party__in=CALLERS,
        attempt__outcome=CallbackOutcome.REACHED,
        item__overall=False,
    ).values_list("item__questionnaire__purpose", "item__code", "score", "yes", "detail")
    totals: dict[tuple[str, str], list[float]] = {}
    for purpose, code, score, yes, detail in answers:
        if score is not None:
            value = (score - 1) / 9
        elif yes is not None:
            value = 1.0 if yes else 0.0
        elif detail in DETAIL_VALUE:
            value = DETAIL_VALUE[detail]
        else:
            continue
        totals.setdefault((purpose, code), []).append(value)
    ranked = sorted(totals.items(), key=lambda kv: (sum(kv[1]) / len(kv[1]), -len(kv[1]), kv[0]))[:limit]
    out = []
    for (purpose, code), values in ranked:
        item = (
            QuestionnaireItem.objects.filter(questionnaire__purpose=purpose, code=code)
            .order_by("-questionnaire__version")
            .first()
        )
        out.append(
            {
                "questionnaire": purpose,
                "code": code,
                "question": item.label,
                "dimension": item.get_dimension_display(),
                "dimension_code": item.dimension,
                "answers": len(values),
                "index": round(100 * sum(values) / len(values), 1),
            }
        )
    return out


def failed_callbacks(facts: Iterable[CallbackFacts]) -> list[dict[str, Any]]:
    """Work orders never reached with a counted failure, newest last attempt first."""
    out = []
    for f in facts:
        if not f.failed:
            continue
        last_at, last_outcome, last_party, _score = f.attempts[-1]
        out.append(
            {
                "work_order_id": f.work_order_id,
                "number": f.number,
                "dealer_code": f.dealer_code,
                "dealer_name": f.dealer_name,
                "state": f.state,
                "state_label": str(State(f.state).label),
                "attempts": len(f.attempts),
                "last_at": last_at,
                "last_outcome": last_outcome,
                "last_outcome_label": str(CallbackOutcome(last_outcome).label),
                "last_party": last_party,
                "last_party_label": str(CallbackParty(last_party).label),
            }
        )
    out.sort(key=lambda r: r["last_at"], reverse=True)
    return out


# How the figures are grouped: the hotline's page and API (the dealer's page groups by its own
# service advisors, whom only the dealer knows).
SATISFACTION_GROUPS = ("dealer", "region", "agent", "week", "month")


def _week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def satisfaction_rows(facts: list[CallbackFacts], *, group: str, time_zone: Any) -> list[dict[str, Any]]:
    """``figures_of`` per dealer, region, hotline agent (who recorded the work order), or
    week or month of receipt in ``time_zone``; each row with a ``key`` and a ``label``."""
    if group == "dealer":
        names = {f.dealer_code: f"{f.dealer_code} {f.dealer_name}" for f in facts}
        rows = figures_by(facts, lambda f: f.dealer_code)
        labels = names
    elif group == "region":
        rows = figures_by(facts, lambda f: f.region_id)
        labels = dict(Region.objects.values_list("pk", "name"))
    elif group == "agent":
        rows = figures_by(facts, lambda f: f.created_by_id)
        labels = {
            u.pk: u.get_full_name() or u.username
            for u in User.objects.filter(pk__in={f.created_by_id for f in facts})
        }
    elif group in ("week", "month"):

        def start_of(f: CallbackFacts) -> dt.date:
            day = f.received_at.astimezone(time_zone).date()
            return _week_of(day) if group == "week" else day.replace(day=1)

        rows = figures_by(facts, start_of)
        labels = {key: key.strftime("%Y-%m-%d" if group == "week" else "%Y-%m") for key, _ in rows}
    else:
        raise ValueError(group)
    return [{"key": str(key), "label": labels.get(key, str(key)), **figures} for key, figures in rows]
