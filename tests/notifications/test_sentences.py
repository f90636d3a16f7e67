"""Every kind of news says what happened, who did it and on which work order, in both languages."""

from __future__ import annotations

import pytest
from django.utils import translation

from hotline.events import CATALOGUE, NOBODY, notifying_kinds
from notifications.sentences import ASSIGNED, sentence

NUMBER = "HQ20261130-00007"
SAMPLE = {
    "dealer_name": "广州骏达",
    "dealer_code": "HQ-GD-001",
    "clock_kind": "first_contact",
    "due_at": "2026-11-30T10:00:00+08:00",
    "notify_at": "2026-11-30T09:30:00+08:00",
    "arrival_promised_at": "2026-11-30T11:00:00+08:00",
    "expected_date": "2026-12-05",
    "part_code": "04465-33450",
    "quantity": 2,
    "minutes": 120,
    "reason": "等待配件",
    "text": "已安排技师检查",
    "opinion": "结论合理",
    "question": "异响原因",
    "answer": "更换减震器",
    "topic": "进度",
    "attempt": 2,
    "level": 1,
    "rescuing_dealer_name": "深圳骏达",
    "city": "深圳",
    "district": "南山",
    "solved": False,
    "assignee_name": "李明",
    "assignee_id": 7,
}


def facts_for(kind: str) -> dict:
    spec = CATALOGUE.get(kind)  # type: ignore[call-overload]
    declared = spec.fields if spec is not None else {"assignee_id", "assignee_name"}
    return {
        "who": "张伟",
        "by": "person",
        "data": {k: v for k, v in SAMPLE.items() if k in declared},
        "labels": {"clock_kind": "First contact"},
        "owner": "王建华",
        "plate": "粤A12345",
    }


def notifying() -> list[str]:
    return [k for k, _label in notifying_kinds()]


def test_the_notifying_kinds_are_those_with_an_audience_and_the_assignment():
    kinds = set(notifying())
    assert ASSIGNED in kinds
    assert {k.value for k, s in CATALOGUE.items() if s.audience is not NOBODY} | {ASSIGNED} == kinds
    assert "clock.warning" in kinds
    assert "work_order.created" not in kinds


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_notifying_kind_has_its_own_sentence_in_both_languages(language):
    bare = []
    for kind in notifying():
        with translation.override(language):
            said = sentence(kind, NUMBER, facts_for(kind))
            title = str(CATALOGUE[kind].title) % {"number": NUMBER} if kind in CATALOGUE else ""  # type: ignore[index]
        if said is None or said == title or NUMBER not in said:
            bare.append(kind)
    assert bare == []


def test_sentences_name_who_did_what_in_the_readers_language():
    facts = facts_for(ASSIGNED)
    with translation.override("zh-hans"):
        assert sentence(ASSIGNED, NUMBER, facts) == f"张伟 将工单 {NUMBER} 分派给 李明"
    with translation.override("en"):
        assert sentence(ASSIGNED, NUMBER, facts) == f"张伟 assigned work order {NUMBER} to 李明"


def test_the_parts_centre_and_the_system_are_named_as_such():
    shipped = {**facts_for("parts.line_shipped"), "who": "", "by": "parts_centre"}
    with translation.override("zh-hans"):
        assert sentence("parts.line_shipped", NUMBER, shipped).startswith("配件分中心 已发货：2 个零件")
    warning = {**facts_for("clock.warning"), "who": "", "by": "system"}
    with translation.override("zh-hans"):
        said = sentence("clock.warning", NUMBER, warning)
    assert "首次联系" in said
    assert "到期" in said
    with translation.override("en"):
        assert "First contact" in sentence("clock.warning", NUMBER, warning)


def test_an_older_notification_without_facts_keeps_its_title():
    assert sentence("clock.warning", NUMBER, {}) is None
