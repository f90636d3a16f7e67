"""Model instances read with plain SQL, for the few reads on every request's path.

Building a query through the ORM (filters, joins, the select list of a wide
model) costs more CPU than PostgreSQL spends answering it. ``Rows`` holds one
fixed ``SELECT`` per use, written once, and turns its rows into the same model
instances the ORM would: forward relations joined in come as their cached
objects (as ``select_related`` gives them), reverse one-to-one relations too.
The ``WHERE`` clause is the caller's, with ``%s`` parameters; nothing else is
pasted in (``one_or_insert``: the row, or else a new one written, in one
statement). ``insert`` writes a new instance the same way: one fixed ``INSERT``
per model, with the values the ORM's ``save`` would send (``insert_all_json``: many
rows as one JSON parameter; ``insert_values_json``: the same from plain values, without
instances). ``fetch_last`` runs a
transaction's last statement and its ``COMMIT`` in one round trip.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from types import NoneType
from typing import Any, LiteralString, NamedTuple

from django.db import connection, models
from django.db.models import Model


@dataclass(frozen=True)
class Join:
    """A relation read with the row: ``path`` is a field name on the main model (a forward
    foreign key or one-to-one) or the accessor of a reverse one-to-one; ``inner`` drops rows
    without it (a ``JOIN`` instead of a ``LEFT JOIN``)."""

    path: str
    inner: bool = False


class _Layout(NamedTuple):
    model: type[Model]
    names: list[str]  # attnames, in the row's order
    field: Any  # the relation it is cached on (None for the main model)
    start: int  # its first column in the row


class Rows:
    """``SELECT`` of ``model`` (alias ``t``) and its ``joins`` (aliases ``j0``, ``j1``, ...); with
    ``schema``, every table named with it (read whatever the session's search path)."""

    def __init__(self, model: type[Model], *joins: Join, schema: str = "") -> None:
        self.model = model
        self.joins = joins
        self.schema = schema

    def _table(self, model: type[Model]) -> str:
        table = f'"{model._meta.db_table}"'
        return f'"{self.schema}".{table}' if self.schema else table

    @cached_property
    def _parts(self) -> tuple[tuple[str, str], list[_Layout], list[tuple[int, Any, list]]]:
        select: list[str] = []
        layout: list[_Layout] = []
        converters: list[tuple[int, Any, list]] = []  # as the ORM applies them (JSON, ...)

        def add(model: type[Model], alias: str, field: Any) -> None:
            concrete = model._meta.concrete_fields
            layout.append(_Layout(model, [f.attname for f in concrete], field, len(select)))
            for f in concrete:
                col = f.get_col(alias)
                found = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
                if found:
                    converters.append((len(select), col, found))
                select.append(f'{alias}."{f.column}"')

        meta = self.model._meta
        add(self.model, "t", None)
        joins = []
        for n, join in enumerate(self.joins):
            field = meta.get_field(join.path)
            alias = f"j{n}"
            if field.concrete:  # forward: our column holds their key
                on = f'{alias}."{field.target_field.column}" = t."{field.column}"'
            else:  # reverse one-to-one: their column holds our key
                remote = field.remote_field
                on = f'{alias}."{remote.column}" = t."{remote.target_field.column}"'
            add(field.related_model, alias, field)
            table = self._table(field.related_model)
            joins.append(f"{'JOIN' if join.inner else 'LEFT JOIN'} {table} {alias} ON {on}")
        # Names from the models' own metadata; no value is ever pasted in.
        sql = (f"SELECT {', '.join(select)}", f" FROM {self._table(self.model)} t {' '.join(joins)}")
        return sql, layout, converters

    def one(self, where: LiteralString, params: Sequence[Any] = (), *, for_update: bool = False) -> Any:
        """The first row ``where`` selects, or None: ``where`` follows ``WHERE`` and may end with
        an ``ORDER BY`` (without one, any matching row); ``LIMIT 1`` is added."""
        return self.one_with("", where, params, for_update=for_update)[0]

    def one_with(
        self,
        also: LiteralString,
        where: LiteralString,
        params: Sequence[Any] = (),
        *,
        for_update: bool = False,
    ) -> tuple[Any, tuple[Any, ...]]:
        """``one``, with the values of the expressions ``also`` (``, expr, ...``, selected after
        the row's columns, with parameters of their own before those of ``where``) read with it:
        ``(None, ())`` when no row is selected."""
        (columns, tables), layout, converters = self._parts
        tail = " FOR UPDATE OF t" if for_update else ""
        with connection.prepared_cursor() as cursor:
            cursor.execute(f"{columns}{also}{tables} WHERE {where} LIMIT 1{tail}", params)
            row = cursor.fetchone()
        if row is None:
            return None, ()
        width = layout[-1].start + len(layout[-1].names)
        row, extra = row[:width], row[width:]
        return self._converted(row, layout, converters), tuple(extra)

    def one_or_insert(self, where: LiteralString, params: Sequence[Any], new: Model) -> tuple[Model, bool]:
        """The first row ``where`` selects, locked (``FOR UPDATE``), or else ``new`` written as
        ``insert`` writes it, in one statement: ``(the instance, whether it is new)``. For a
        ``Rows`` of ``new``'s model alone (no joins). Two callers looking for the same row at
        once must be kept apart by the caller (a lock taken before), as with a read and an
        ``insert``."""
        if self.joins or type(new) is not self.model:
            raise TypeError(f"one_or_insert writes a {self.model.__name__} read without joins")
        (columns, tables), layout, converters = self._parts
        _model, head, _fields, raw = _saved_values([new])
        values = _db_form(self.model, raw)
        typed, returned = _typed_parts(self.model)
        with connection.prepared_cursor() as cursor:
            cursor.execute(
                # Names and types from the model's own metadata; every value is a parameter.
                f"WITH found AS ({columns}{tables} WHERE {where} LIMIT 1 FOR UPDATE OF t), "  # noqa: S608
                f"made AS ({head} SELECT {typed} WHERE NOT EXISTS (SELECT FROM found) RETURNING {returned}) "
                "SELECT *, FALSE FROM found UNION ALL SELECT *, TRUE FROM made",
                [*params, *values],
            )
            *row, made = cursor.fetchone()
        if made:
            _keys_given([new], [(row[layout[0].names.index(self.model._meta.pk.attname)],)])
            return new, True
        return self._converted(row, layout, converters), False

    def _converted(self, row: Sequence[Any], layout: list[_Layout], converters: list) -> Model:
        if converters:
            row = list(row)
            for i, col, found in converters:
                for convert in found:
                    row[i] = convert(row[i], col, connection)
        return self._instance(row, layout)

    @staticmethod
    def _instance(row: Sequence[Any], layout: list[_Layout]) -> Model:
        first = layout[0]
        main = first.model.from_db(connection.alias, first.names, row[: len(first.names)])
        for part in layout[1:]:
            values = row[part.start : part.start + len(part.names)]
            pk = values[part.names.index(part.model._meta.pk.attname)]
            obj = None if pk is None else part.model.from_db(connection.alias, part.names, values)
            part.field.set_cached_value(main, obj)  # a reverse one-to-one cached as None has none
            if obj is not None and not part.field.concrete:
                part.field.remote_field.set_cached_value(obj, main)
        return main


def insert(obj: Model) -> Model:
    """Write the new instance ``obj`` with its model's one ``INSERT`` and give it its key.

    The values are those ``save()`` sends (defaults, ``auto_now_add``, each field's database
    form); the models written this way have no ``save`` of their own and no signal receivers."""
    insert_all([obj])
    return obj


def insert_all(objs: Sequence[Model]) -> None:
    """Write the new instances ``objs`` of one model in one ``INSERT`` and give each its key,
    as ``insert`` does for one (``bulk_create`` compiles the statement anew on every call)."""
    if not objs:
        return
    model, head, fields, raw = _saved_values(objs)
    values = _db_form(model, raw)
    row = f"({', '.join(['%s'] * len(fields))})"
    pk = model._meta.pk.column
    with connection.prepared_cursor() as cursor:
        # PostgreSQL returns the rows of a multi-row VALUES in their order (bulk_create relies on it too).
        cursor.execute(f'{head} VALUES {", ".join([row] * len(objs))} RETURNING "{pk}"', values)
        _keys_given(objs, cursor.fetchall())


def insert_all_json(objs: Sequence[Model]) -> None:
    """``insert_all`` with the rows as one JSON parameter, unpacked by PostgreSQL: for several rows
    of many columns, where turning each value into SQL text in Python costs more than encoding
    the whole in C (a work order's clocks). Values are JSON's own (text, numbers, lists, objects)
    and times; anything else is refused. The keys are drawn in the rows' order."""
    if not objs:
        return
    model, _head, fields, raw = _saved_values(objs)
    names = [field.attname for field in fields]
    _keys_given(objs, _written_json(model, [dict(zip(names, values, strict=True)) for values in raw]))


def insert_values_json(model: type[Model], rows: Sequence[dict[str, Any]]) -> list[Any]:
    """New rows of ``model`` given as plain values (by attribute name: ``work_order_id``) written
    as ``insert_all_json`` writes instances, without making one: their keys, in the rows' order.
    A field left out takes its default, as a new instance would; a name the model lacks is
    refused, and so is a model with a field whose value ``save()`` makes (``auto_now``)."""
    if not rows:
        return []
    fields = _fields_by_name(model)
    full = []
    for row in rows:
        if unknown := row.keys() - fields.keys():
            raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
        full.append(
            {name: row[name] if name in row else field.get_default() for name, field in fields.items()}
        )
    return [key for (key,) in _written_json(model, full)]


@cache
def _fields_by_name(model: type[Model]) -> dict[str, Any]:
    """The written fields by attribute name, in the ``INSERT``'s order; refused for a model with
    a field whose value ``save()`` makes."""
    _head, fields = _insert_parts(model)
    if made := [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]:
        raise TypeError(f"{model.__name__}.{made[0].name} needs insert_all_json")
    return {f.attname: f for f in fields}


def _written_json(model: type[Model], rows: list[dict[str, Any]]) -> list[tuple[Any]]:
    """The rows (every field's value, by attribute name) written in one statement: their keys."""
    head, fields = _insert_parts(model)
    encoded = []
    for values in rows:
        row = {}
        for field in fields:
            value = values[field.attname]
            if isinstance(value, dt.datetime | dt.date):
                value = value.isoformat()
            elif not isinstance(value, _JSON_TYPES):
                raise TypeError(
                    f"{model.__name__}.{field.name}: {type(value).__name__} is not for insert_all_json"
                )
            row[field.column] = value
        encoded.append(row)
    select, record = _json_parts(model)
    pk = model._meta.pk.column
    with connection.prepared_cursor() as cursor:
        cursor.execute(
            # Names and types from the model's own metadata; the rows are the one parameter.
            f"WITH written AS ({head} SELECT {select} FROM ROWS FROM (json_to_recordset(%s::json) "  # noqa: S608
            f'AS ({record})) WITH ORDINALITY AS x ORDER BY x.ordinality RETURNING "{pk}") '
            f'SELECT "{pk}" FROM written ORDER BY "{pk}"',
            [json.dumps(encoded)],
        )
        return cursor.fetchall()


_JSON_TYPES = (str, int, float, bool, list, dict, NoneType)


def fetch_last(sql: LiteralString, params: Sequence[Any]) -> tuple[Any, ...]:
    """Run ``sql`` as the last statement of the enclosing ``transaction.atomic()`` block and
    return its first row.

    When that block is the outermost and will commit, the ``COMMIT`` goes with the statement,
    in the same message (client-side binding: the simple protocol takes both), so the row locks
    the statement takes are held only while PostgreSQL runs it and commits: never while this
    process waits for the reply, for the interpreter lock and for a core before it can send
    ``COMMIT``. The block's exit then finds the transaction committed, and its ``on_commit``
    callbacks run as usual. Inside a larger transaction (a savepoint) the statement runs alone
    and the outer block commits. Nothing may follow it in the block: a later statement would
    run in a transaction of its own.

    A failing statement leaves the ``COMMIT`` unsent and the block rolls back; a failing
    ``COMMIT`` (a deferred constraint) raises from here, and the block's rollback finds nothing
    left to undo.

    Not prepared, on purpose: a prepared statement and its ``COMMIT`` cannot share a message.
    Sent as a pipeline, psycopg writes them one after the other and lets the interpreter lock
    go in between; on busy cores the serial row was then held up to 11-14 ms (p99) instead of
    3-6 ms, for 0.3 ms of PostgreSQL's planning saved."""
    if not connection.in_atomic_block:
        raise RuntimeError("fetch_last runs inside transaction.atomic()")
    commits = (
        connection.commit_on_exit and len(connection.atomic_blocks) == 1 and not connection.needs_rollback
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{sql}; COMMIT" if commits else sql, params)
        return cursor.fetchone()


def _saved_values(objs: Sequence[Model]) -> tuple[type[Model], str, list[Any], list[list[Any]]]:
    """The model, its ``INSERT`` head and fields, and each instance's values as ``save()`` takes
    them (defaults, ``auto_now_add``), before their database form; refused as ``save()``
    refuses them."""
    model = type(objs[0])
    head, fields = _insert_parts(model)
    raw = []
    for obj in objs:
        if type(obj) is not model:
            raise TypeError(
                f"insert_all takes instances of one model: {model.__name__}, {type(obj).__name__}"
            )
        obj._prepare_related_fields_for_save(operation_name="insert")  # refuses an unsaved relation
        values = [field.pre_save(obj, True) for field in fields]
        for field, value in zip(fields, values, strict=True):
            if hasattr(value, "resolve_expression"):  # a database default or expression: the ORM's job
                raise TypeError(f"{model.__name__}.{field.name} needs the ORM's save()")
        raw.append(values)
    return model, head, fields, raw


def _db_form(model: type[Model], raw: list[list[Any]]) -> list[Any]:
    """The rows' values (``_saved_values``'), one after the other, as each field's
    ``get_db_prep_save`` gives them. A text, a truth value or an aware time, for a field of the
    plain kind that takes it (``_AS_IS``), is that already: it goes as it is, without the calls."""
    _head, fields = _insert_parts(model)
    as_is = _as_is_of(model)
    values = []
    for row in raw:
        for field, value, kind in zip(fields, row, as_is, strict=True):
            if type(value) is kind and (kind is not dt.datetime or value.utcoffset() is not None):
                values.append(value)
            else:
                values.append(field.get_db_prep_save(value, connection))
    return values


# Field classes (exactly these, not their subclasses) whose database form of a value of the given
# type is the value itself: checked against get_db_prep_save by the tests. (Not the whole numbers:
# each goes as the driver's type of its column's size, so that a statement prepared once takes
# the same parameter types every time.)
_AS_IS: dict[type, type] = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    models.BooleanField: bool,
    models.DateTimeField: dt.datetime,
}


@cache
def _as_is_of(model: type[Model]) -> list[type | None]:
    """For each written field of ``model``, the type of value it takes as it is (``_AS_IS``)."""
    return [_AS_IS.get(type(field)) for field in _insert_parts(model)[1]]


def _keys_given(objs: Sequence[Model], keys: list[tuple]) -> None:
    for obj, (key,) in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias


@cache
def _json_parts(model: type[Model]) -> tuple[str, str]:
    _head, fields = _insert_parts(model)
    select = ", ".join(f'x."{f.column}"' for f in fields)
    record = ", ".join(f'"{f.column}" {f.db_type(connection)}' for f in fields)
    return select, record


_MODIFIER = re.compile(r"\(.*?\)")


@cache
def _typed_parts(model: type[Model]) -> tuple[str, str]:
    """The placeholders of an ``INSERT … SELECT``, each cast to its column's type, and every
    column, in a row's order, for ``RETURNING``."""
    _head, fields = _insert_parts(model)
    # The type without its modifier (``varchar``, not ``varchar(20)``): an explicit cast to the
    # column's own type would cut a text too long for it where the INSERT refuses it.
    typed = ", ".join("%s::" + _MODIFIER.sub("", f.db_type(connection)) for f in fields)
    return typed, ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields)


@cache
def _insert_parts(model: type[Model]) -> tuple[str, list[Any]]:
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    # Names from the model's own metadata; the values go as parameters.
    return f'INSERT INTO "{meta.db_table}" ({columns})', fields
