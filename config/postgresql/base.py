"""django-tenants' PostgreSQL backend, where a statement may set the search path itself.

django-tenants sends ``SET search_path`` before the first statement after each tenant switch
(``TENANT_LIMIT_SET_CALLS``), and every request switches twice: to the public schema to look its
host up, then to the host's tenant. The host lookup instead names its tables with their schema,
runs with the search path left as it is, and sets the path of the tenant it finds with
``set_config`` in the same statement: a request then sends neither ``SET``. The path the
statement set is trusted only when it is, to the letter, the one django-tenants would have sent
for the tenant; a rollback (of the transaction or of a savepoint) forgets it, as it forgets
django-tenants' own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django_tenants.postgresql_backend import base as tenants_backend
from django_tenants.utils import get_public_schema_name, quote_schema_name


class DatabaseWrapper(tenants_backend.DatabaseWrapper):
    _path_left_alone = False

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
