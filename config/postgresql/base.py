"""django-tenants' PostgreSQL backend, where a statement may set the search path itself.

django-tenants sends ``SET search_path`` before the first statement after each tenant switch
(``TENANT_LIMIT_SET_CALLS``), and every request switches twice: to the public schema to look its
host up, then to the host's tenant. The host lookup instead names its tables with their schema,
runs with the search path left as it is, and sets the path of the tenant it finds with
``set_config`` in the same statement: a request then sends neither ``SET``. The path the
statement set is trusted only when it is, to the letter, the one django-tenants would have sent
for the tenant; a rollback (of the transaction or of a savepoint) forgets it, as it forgets
django-tenants' own.

``prepared_cursor`` gives a cursor whose statements with parameters are prepared: parsed,
analysed and planned by the server once per connection, then only bound and run (the few
statements on every request's path, ``config.rows``). PostgreSQL analyses a prepared statement
again when the search path differs from the one it was prepared under, so the same statement
reads each tenant's own tables. A statement that can no longer be run as prepared (a column's
type changed under a running process: "cached plan must not change result type") fails once
and is run unprepared on that connection from then on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import psycopg
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.postgresql.operations import DatabaseOperations
from django_tenants.postgresql_backend import base as tenants_backend
from django_tenants.utils import get_public_schema_name, quote_schema_name
from psycopg import _queries


@lru_cache(maxsize=512)
def _placeholders(query: str, encoding: str) -> tuple:
    """``query`` with its ``%s`` written as ``$1``, ``$2``, ... (and what psycopg keeps with it)."""
    return _queries._query2pg_nocache(query.encode(encoding), encoding)


class _Query(_queries.PostgresQuery):
    """psycopg remembers the placeholders of statements up to 4 KiB and 50 parameters (so that
    ever-new statements an ORM builds do not fill its memory); the prepared ones are a fixed few,
    some of them longer (a wide row's columns, or the values of one), so all are remembered here."""

    def convert(self, query, params) -> None:
        if params is None or type(query) is not str:
            return super().convert(query, params)
        self.query, self._want_formats, self._order, self._parts = _placeholders(query, self._tx.encoding)
        self.dump(params)
        return None


class PreparedCursor(ServerBindingCursor):
    """Parameters bound by the server, and each statement given parameters prepared on first use
    (a statement without, such as django-tenants' ``SET search_path``, runs as it is)."""

    _query_cls = _Query

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if params is None or prepare is False:
            return super().execute(query, params, prepare=False, binary=binary)
        conn = self.connection
        unprepared = _unprepared(conn)
        if query in unprepared:
            return super().execute(query, params, prepare=False, binary=binary)
        # Django keeps psycopg's automatic preparing off (None); a forced prepare needs it on.
        threshold, conn.prepare_threshold = conn.prepare_threshold, 0
        try:
            return super().execute(query, params, prepare=True, binary=binary)
        except psycopg.errors.FeatureNotSupported:
            # "cached plan must not change result type" (by its code: the server's messages may
            # be in any language); a statement refused for another such reason loses nothing.
            unprepared.add(query)
            raise
        finally:
            conn.prepare_threshold = threshold


def _unprepared(conn: psycopg.Connection) -> set:
    """The statements this connection no longer prepares."""
    try:
        return conn._complaint_desk_unprepared
    except AttributeError:
        conn._complaint_desk_unprepared = set()
        return conn._complaint_desk_unprepared


class _Operations(DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """A prepared statement as the text it ran, its parameters written in (for logs and
        captured queries, as for the other statements)."""
        if isinstance(cursor, PreparedCursor) and params is not None:
            return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(tenants_backend.DatabaseWrapper):
    ops_class = _Operations
    _path_left_alone = False
    _prepare = False

    def create_cursor(self, name=None):
        if name or not self._prepare:
            return super().create_cursor(name)
        factory, self.connection.cursor_factory = self.connection.cursor_factory, PreparedCursor
        try:
            return super().create_cursor(name)
        finally:
            self.connection.cursor_factory = factory

    @contextmanager
    def prepared_cursor(self) -> Iterator:
        """A cursor (as ``cursor()`` gives, the tenant's search path set) whose statements with
        parameters are prepared once per connection and run as prepared after."""
        self._prepare = True
        try:
            cursor = self.cursor()
        finally:
            self._prepare = False
        with cursor:
            yield cursor

    def _handle_search_path(self, cursor=None):
        if not self._path_left_alone:
            super()._handle_search_path(cursor)

    @contextmanager
    def search_path_left_alone(self) -> Iterator[None]:
        """Statements run inside send no ``SET search_path`` first: they name every table with
        its schema. The path set before is no longer trusted (a statement inside may change it
        and fail before ``search_path_was_set``): unless one of them sets it and says so, the
        next statement after sets the tenant's."""
        self._path_left_alone = True
        self.search_path_set_schemas = None
        try:
            yield
        finally:
            self._path_left_alone = False

    @staticmethod
    def search_path_of(column: str) -> tuple[str, list[str]]:
        """SQL for the search path django-tenants sets for the schema named in ``column``, as its
        ``SET`` writes it, and the expression's parameters: the schema quoted, then the public
        schema (unless it is the public schema itself) and any extra paths."""
        public = get_public_schema_name()
        extra = "".join(f",{quote_schema_name(s)}" for s in tenants_backend.EXTRA_SEARCH_PATHS)
        quoted = f"'\"' || replace({column}, '\"', '\"\"') || '\"'"
        return f"{quoted} || CASE WHEN {column} = %s THEN %s ELSE %s END", [
            public,
            extra,
            f",{quote_schema_name(public)}{extra}",
        ]

    def search_path_was_set(self, text: str) -> None:
        """A statement of this session set its search path to ``text``: when that is the path of
        the tenant now set, no ``SET`` goes out before the next statement; otherwise one does."""
        paths = self._get_cursor_search_paths()
        # Any other path: the one set before is gone too, and the next statement sets the tenant's.
        self.search_path_set_schemas = (
            paths if text == ",".join(quote_schema_name(s) for s in paths) else None
        )
