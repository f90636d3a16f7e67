"""Appending to a work order's event log: the one way services record what happened."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from config.actor import Actor

from ..events import CATALOGUE, EventKind
from ..models import Severity, WorkOrder, WorkOrderEvent

_ENCODER = DjangoJSONEncoder()  # one for the process: its default() keeps no state


_AS_IS = frozenset({str, int, bool, float, type(None)})

# The two times last turned into text, with their texts, the latest first: a batch of clock
# events carries the pass's same instant in each of its events, between times of their own
# (one tuple, replaced whole: safe between threads).
_last_times: tuple[Any, str, Any, str] = (None, "", None, "")


def _time_text(value: dt.datetime) -> str:
    """The JSON encoder's text of a time, the same instant's text reused while it is one of the
    last two asked for."""
    global _last_times
    last = _last_times
    if last[0] is value:
        return last[1]
    if last[2] is value:
        _last_times = (value, last[3], last[0], last[1])
        return last[3]
    text = _ENCODER.default(value)
    _last_times = (value, text, last[0], last[1])
    return text


def _plain(value: Any) -> Any:
    """JSON-ready: times as ISO 8601 with offset, decimals and the like as the JSON encoder does."""
    if type(value) in _AS_IS:  # most values, so asked first
        return value
    if isinstance(value, dict):
        return {k: v if type(v) in _AS_IS else _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if type(v) in _AS_IS else _plain(v) for v in value]
    if type(value) is dt.datetime:
        return _time_text(value)
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return _ENCODER.default(value)
    return value


@dataclass(slots=True)
class EventRow:
    """An event for ``events_insert_sql`` only: what ``events_json`` reads, without a model
    instance (firing thousands of clocks builds thousands of these)."""

    work_order_id: int
    dealer_id: int | None
    kind: str
    at: dt.datetime
    actor_user_id: int | None
    actor_name: str
    actor_tenant_id: int | None
    data: dict[str, Any]


def _event(
    make: type, work_order: WorkOrder | int, event_kind: EventKind, actor: Actor, at: dt.datetime, data: dict
) -> Any:
    if isinstance(work_order, int):
        work_order_id, dealer_id = work_order, data.pop("_dealer_id", None)
    else:
        work_order_id, dealer_id = work_order.pk, work_order.dealer_id
    # (A kind is a string enumeration: the catalogue finds it by its text, unknown text by the
    # enumeration's own error.)
    fields = (CATALOGUE.get(event_kind) or CATALOGUE[EventKind(event_kind)]).fields
    if not data.keys() <= fields:
        undeclared = set(data) - fields
        raise ValueError(f"{event_kind} declares no field {', '.join(sorted(undeclared))}")
    return make(
        work_order_id=work_order_id,
        dealer_id=dealer_id,
        kind=event_kind,
        at=at,
        actor_user_id=actor.user_id,
        actor_name=actor.name,
        actor_tenant_id=actor.tenant_id,
        data=_plain(data),
    )


def event_build(
    work_order: WorkOrder | int, event_kind: EventKind, actor: Actor, at: dt.datetime, /, **data: Any
) -> WorkOrderEvent:
    """An event not yet saved, for callers that insert many in one statement.

    The kind must be in the catalogue and its data carry only the fields the
    catalogue declares for it: a typo is a programming error, caught at once.
    """
    return _event(WorkOrderEvent, work_order, event_kind, actor, at, data)


def event_row(
    work_order: WorkOrder | int, event_kind: EventKind, actor: Actor, at: dt.datetime, /, **data: Any
) -> EventRow:
    """``event_build`` for ``events_insert_sql``: checked the same, no model instance."""
    return _event(EventRow, work_order, event_kind, actor, at, data)


def event_append(
    work_order: WorkOrder, event_kind: EventKind, actor: Actor, at: dt.datetime, /, **data: Any
) -> WorkOrderEvent:
    """Append one event in the caller's transaction; it commits or rolls back with the change."""
    event = event_build(work_order, event_kind, actor, at, **data)
    event.save()
    return event


def major_flag(work_order: WorkOrder) -> dict[str, bool]:
    """``{"major": True}`` for a major complaint (its news then goes to ``MAJOR_NEWS`` at once),
    nothing otherwise: the data of other work orders' events stays as it was."""
    return {"major": True} if work_order.severity == Severity.MAJOR else {}


def iso_or_none(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def events_json(events: Iterable[EventRow]) -> str:
    """Events not yet saved, as the one JSON parameter of ``events_insert_sql``."""
    rows = []
    at, at_text = None, ""  # a batch's events mostly share their instant: its text made once
    for e in events:
        if e.at is not at:
            at, at_text = e.at, e.at.isoformat()
        rows.append(
            {
                "work_order_id": e.work_order_id,
                "dealer_id": e.dealer_id,
                "kind": e.kind,
                "at": at_text,
                "actor_user_id": e.actor_user_id,
                "actor_name": e.actor_name,
                "actor_tenant_id": e.actor_tenant_id,
                "data": e.data,
            }
        )
    return json.dumps(rows)


def events_insert_sql(data: str = "x.data", joined: str = "") -> str:
    """One INSERT of every event in one JSON parameter (``events_json``), in their order: the JSON
    is encoded in C and unpacked by PostgreSQL, where a many-row INSERT would have seven
    placeholders a row to convert. ``data`` may rewrite each event's data from ``joined``, a
    relation (a CTE) joined to every row."""
    # The caller's constant expressions only; every value is a parameter.
    return (
        "INSERT INTO hotline_workorderevent (work_order_id, dealer_id, kind, at, actor_user_id, "  # noqa: S608
        f"actor_name, actor_tenant_id, data) SELECT x.work_order_id, x.dealer_id, x.kind, x.at, "
        f"x.actor_user_id, x.actor_name, x.actor_tenant_id, {data} FROM {joined + ', ' if joined else ''}"
        "ROWS FROM (json_to_recordset(%s::json) AS (work_order_id bigint, dealer_id bigint, "
        "kind text, at timestamptz, actor_user_id bigint, actor_name text, actor_tenant_id bigint, "
        "data jsonb)) WITH ORDINALITY AS x(work_order_id, dealer_id, kind, at, actor_user_id, "
        "actor_name, actor_tenant_id, data, n) ORDER BY x.n"
    )


# Every event of the JSON parameter, as it is.
EVENTS_INSERT_SQL = events_insert_sql()
