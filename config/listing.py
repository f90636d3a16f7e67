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
import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet

PAGE_SIZE = 50


@dataclass(frozen=True)
class Sort:
    """One sortable column: the query's key, the direction the column starts in, whether the key
    can be empty, and the expression that computes it for finding a page (None: a field or an
    annotation the query already has)."""

    key: str
    descending: bool = False
    nullable: bool = False
    expression: Any = None


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


def ordered(qs: QuerySet, key: str, descending: bool, nullable: bool = True) -> QuerySet:
    """Sorted by ``key`` then id; empty keys last. A key that is never empty is sorted plainly,
    so an index on it serves the sort."""
    if not nullable:
        return qs.order_by(f"-{key}" if descending else key, "-pk" if descending else "pk")
    expr = F(key).desc(nulls_last=True) if descending else F(key).asc(nulls_last=True)
    return qs.order_by(expr, "-pk" if descending else "pk")


def after(
    key: str, descending: bool, cursor: Cursor, *, group: int | None = None, nullable: bool = True
) -> Q:
    """The rows that come after ``cursor`` in ``ordered(qs, key, descending, nullable)``.

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
    following = Q(**{f"{key}__{beyond}": cursor.value}) | (Q(**{key: cursor.value}) & tie)
    return following | Q(**{f"{key}__isnull": True}) if nullable else following


@dataclass
class Page:
    """One page of a list: its rows, the cursor of the next page (None at the end), the total."""

    rows: list[Any]
    next: str | None
    total: int
    first: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def page_ids(
    qs: QuerySet, sort: Sort, descending: bool, cursor: Cursor | None, size: int, **after_args: Any
) -> list[tuple[int, Any]]:
    """``(id, key)`` of up to ``size`` rows after ``cursor``: a lean query that computes the sort
    key and what the filters need, not every column of every row it passes over."""
    if sort.expression is not None:
        qs = qs.annotate(**{sort.key: sort.expression})
    if cursor is not None:
        # A cursor of another sort (an edited address) does not fit the key: from the first page.
        with contextlib.suppress(ValidationError, ValueError, TypeError):
            qs = qs.filter(after(sort.key, descending, cursor, nullable=sort.nullable, **after_args))
    return list(ordered(qs, sort.key, descending, sort.nullable).values_list("pk", sort.key)[:size])


def rows_in_order(qs: QuerySet, ids: list[int]) -> list[Any]:
    """The rows of ``ids`` with all their columns, in the order of ``ids``."""
    found = {row.pk: row for row in qs.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def page_of(qs: QuerySet, sort: Sort, descending: bool, cursor: Cursor | None, size: int = PAGE_SIZE) -> Page:
    """A page of one query: ``size`` rows after ``cursor``, and the count of the whole list.

    The page is found first by id and sort key only, then its rows are read whole: a list's
    columns (a window's due time, who recorded it) cost a query each per row, so they are
    computed for the page's rows, not for every row the sort passes over.
    """
    total = qs.count()
    ids = page_ids(qs, sort, descending, cursor, size + 1)
    more = len(ids) > size
    ids = ids[:size]
    rows = rows_in_order(qs, [pk for pk, _key in ids])
    following = Cursor(ids[-1][1], ids[-1][0]).encode() if more and ids else None
    return Page(rows=rows, next=following, total=total, first=cursor is None)
