"""The event catalogue: every kind is named once, with its fields, label, title and audience."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation

from config.actor import Actor
from hotline.events import CATALOGUE, EventKind, event_label, event_title
from hotline.services.events import event_build, event_row
from notifications.rules import Audience


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_has_a_label_a_title_an_audience_and_its_fields(kind):
    spec = CATALOGUE.get(kind)

    assert spec is not None, f"{kind} is not in the catalogue"
    with translation.override("en"):
        assert str(spec.label).strip()
        assert "%(number)s" in str(spec.title)
    with translation.override("zh-hans"):
        assert str(spec.label) != kind
        assert "%(number)s" in str(spec.title)
    audience = spec.audience_for({"clock_kind": "first_contact", "escalate_to": ["service_manager"]})
    assert isinstance(audience, Audience)
    assert isinstance(spec.fields, frozenset)


def test_the_catalogue_holds_nothing_but_the_kinds():
    assert set(CATALOGUE) == set(EventKind)


def test_labels_and_titles_read_as_people_write_them():
    with translation.override("zh-hans"):
        assert event_label("parts.delivered") == "配件已送达经销商"
        assert event_title("clock.breached", "HQ20261124-00001") == "HQ20261124-00001：已超时"
    with translation.override("en"):
        assert event_label("parts.delivered") == "Parts delivered to the dealer"
        assert event_title("work_order.dispatched", "HQ20261124-00001") == "New work order HQ20261124-00001"


def test_an_event_with_a_field_its_kind_does_not_declare_is_refused():
    actor = Actor.system()

    with pytest.raises(ValueError, match=r"clock\.started declares no field colour"):
        event_build(1, EventKind.CLOCK_STARTED, actor, timezone.now(), clock=1, colour="red")
    with pytest.raises(ValueError, match=r"work_order\.teleported"):
        event_build(1, "work_order.teleported", actor, timezone.now())  # type: ignore[arg-type]


def test_who_is_told_of_a_missed_window_depends_on_the_window():
    spec = CATALOGUE[EventKind.CLOCK_BREACHED]

    dealer_window = spec.audience_for({"clock_kind": "answer", "escalate_to": ["service_manager"]})
    callback = spec.audience_for({"clock_kind": "callback", "escalate_to": ["service_manager"]})

    assert dealer_window == Audience(dealer_roles=frozenset({"service_manager"}))
    assert callback == Audience(recorder=True)


def test_times_in_event_data_read_as_the_json_encoder_writes_them_also_when_they_alternate():
    """A batch of clock events alternates the pass's instant with each clock's own due time:
    every one of them keeps its own text (to the millisecond, UTC written Z, local zones with
    their offset), however the times follow one another."""
    encoder = DjangoJSONEncoder()
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    now = dt.datetime(2026, 3, 2, 1, 30, 0, 123456, tzinfo=dt.UTC)
    dues = [
        dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 9, 0, 0, 999, tzinfo=shanghai),
        dt.datetime(2026, 3, 2, 1, 0, 0, 1000, tzinfo=zoneinfo.ZoneInfo("UTC")),
        dt.datetime(2026, 3, 1, 23, 59, 59),  # naive: no offset written
    ]
    actor = Actor.system()

    for due in [*dues, *reversed(dues), dues[0]]:
        row = event_row(
            1, EventKind.CLOCK_BREACHED, actor, now, clock=1, clock_kind="answer", due_at=due, notify_at=now
        )

        assert row.data["due_at"] == encoder.default(due)
        assert row.data["notify_at"] == encoder.default(now) == "2026-03-02T01:30:00.123Z"
    assert [encoder.default(d) for d in dues] == [
        "2026-03-02T01:00:00Z",
        "2026-03-02T09:00:00.000+08:00",
        "2026-03-02T01:00:00.001Z",
        "2026-03-01T23:59:59",
    ]
