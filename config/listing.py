"""Lists people page through: sortable columns and keyset pages (no offset, no silent cap).

A list is sorted by one key (an annotation or a field) and then by the row id; a page
ends with a cursor, the last row's ``(key, id)`` (and, for a list merged from several
schemas, the schema's number between them). The next page is the rows after that
cursor in the same order, so a page costs the same at row 50 and at row 500,000 and
rows added meanwhile neither repeat nor vanish. Empty keys come last in both
directions.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet

PAGE_SIZE = 50


@dataclass(frozen=True)
class Sort:
    """One sortable column: the query's key and the direction the column starts in."""

    key: str
    descending: bool = False


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the row with this key, (group) and id."""

    value: Any
    pk: int
    group: int = 0

    def encode(self) -> str:
        value = self.value
        if isinstance(value, dt.datetime):
            value = {"t": value.isoformat()}
        raw = json.dumps([value, self.group, self.pk], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        """A cursor from a link; None for anything that is not one (the first page)."""
        if not text:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            value, group, pk = json.loads(raw)
            if isinstance(value, dict):
                value = dt.datetime.fromisoformat(value["t"])
            if not isinstance(pk, int) or not isinstance(group, int):
                return None
            if value is not None and not isinstance(value, str | int | float | dt.datetime):
                return None
            return cls(value, pk, group)
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
            return None


def sort_from(text: str, columns: dict[str, Sort], default: str) -> tuple[str, bool]:
    """The column and direction asked for (``"due"``, ``"-age"``); the default otherwise."""
    text = (text or "").strip()
    name = text.removeprefix("-")
    if name not in columns:
        name, text = default, default
    descending = columns[name].descending != text.startswith("-")
    return name, descending


def ordered(qs: QuerySet, key: str, descending: bool) -> QuerySet:
    expr = F(key).desc(nulls_last=True) if descending else F(key).asc(nulls_last=True)
    return qs.order_by(expr, "-pk" if descending else "pk")


def after(key: str, descending: bool, cursor: Cursor, *, group: int | None = None) -> Q:
    """The rows that come after ``cursor`` in ``ordered(qs, key, descending)``.

    For a list merged from several queries (one per schema), ``group`` is this query's
    number: ties on the key are broken by the group, then by the id.
    """
    beyond = "lt" if descending else "gt"
    if group is None or group == cursor.group:
        tie = Q(**{f"pk__{beyond}": cursor.pk})
    elif (group > cursor.group) != descending:
        tie = Q()  # the whole tie comes after
    else:
        tie = Q(pk__in=[])  # the whole tie came before
    if cursor.value is None:
        return Q(**{f"{key}__isnull": True}) & tie
    return (
        Q(**{f"{key}__{beyond}": cursor.value})
        | (Q(**{key: cursor.value}) & tie)
        | Q(**{f"{key}__isnull": True})
    )


@dataclass
class Page:
    """One page of a list: its rows, the cursor of the next page (None at the end), the total."""

    rows: list[Any]
    next: str | None
    total: int
    first: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def page_of(qs: QuerySet, key: str, descending: bool, cursor: Cursor | None, size: int = PAGE_SIZE) -> Page:
    """A page of one query: ``size`` rows after ``cursor``, and the count of the whole list."""
    total = qs.count()
    if cursor is not None:
        qs = qs.filter(after(key, descending, cursor))
    rows = list(ordered(qs, key, descending)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    following = Cursor(getattr(last, key), last.pk).encode() if more and last is not None else None
    return Page(rows=rows, next=following, total=total, first=cursor is None)
