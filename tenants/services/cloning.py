# ruff: noqa: S608 -- every name in the generated SQL is a catalog identifier, quoted.
"""Copying a migrated template schema into a new tenant schema, fast at 10,000 schemas.

django-tenants clones with a general-purpose PL/pgSQL function that it
re-creates before every clone and that walks the catalogs object by object; in
one session it slows down with every clone (measured 0.12 s rising to 0.19 s
over 25 clones, and about 1 s per tenant after 70 in a bulk import). Our
templates only ever contain what migrations make: tables, identity columns,
constraints, indexes and triggers. So the template is read once, turned into
a DDL script, and each new schema is one round trip running that script. The
script is rebuilt whenever the template's catalog entries change, and
building it refuses any object kind it would not copy faithfully.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

_cache: dict[str, tuple[tuple[str, ...], str]] = {}
SCHEMA_TOKEN = "__new_schema__"  # noqa: S105 -- a placeholder, not a secret


class TemplateNotCopyable(RuntimeError):
    """The template holds an object the script would not reproduce."""


@dataclass(frozen=True)
class _Table:
    name: str
    oid: int


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _signature(cursor, template: str) -> tuple[str, ...]:
    """A fingerprint of everything the script copies; any change to the template alters it.

    Checked before every clone, so it finds the template's objects through catalog
    indexes (what depends on the schema, then the indexes and sequences of those
    tables) rather than a scan of pg_class, which holds half a million rows at
    10,000 dealer schemas (0.2 s a clone).
    """
    cursor.execute(
        """
        WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = %s),
        own AS (SELECT d.objid AS oid FROM pg_depend d
                 WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = (SELECT oid FROM ns)
                   AND d.classid = 'pg_class'::regclass),
        rels AS (SELECT oid FROM own
                 UNION SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM own)
                 UNION SELECT d.objid FROM pg_depend d
                 WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid IN (SELECT oid FROM own)
                   AND d.classid = 'pg_class'::regclass)
        SELECT (SELECT oid::text FROM ns),
          (SELECT md5(string_agg(concat_ws(':', c.relname, c.relkind::text, a.attname,
                   a.atttypid, a.atttypmod, a.attnotnull, a.attidentity::text, a.attisdropped),
                   ',' ORDER BY c.oid, a.attnum))
             FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
             WHERE c.oid IN (SELECT oid FROM rels) AND c.relnamespace = (SELECT oid FROM ns)),
          (SELECT md5(string_agg(k.conname || pg_get_constraintdef(k.oid), ',' ORDER BY k.oid))
             FROM pg_constraint k WHERE k.conrelid IN (SELECT oid FROM own)),
          (SELECT md5(string_agg(t.tgname, ',' ORDER BY t.oid)) FROM pg_trigger t
             WHERE t.tgrelid IN (SELECT oid FROM own)),
          (SELECT count(*)::text FROM pg_proc WHERE pronamespace = (SELECT oid FROM ns))
        """,
        [template],
    )
    row = cursor.fetchone()
    if row is None or row[0] is None:
        raise TemplateNotCopyable(f"template schema {template} does not exist")
    return tuple(str(v) for v in row)


def _requalify(sql: str, template: str) -> str:
    """Point schema-qualified references at the new schema."""
    pattern = rf'(?<![\w"])(?:{re.escape(template)}|"{re.escape(template)}")\.'
    return re.sub(pattern, f"{SCHEMA_TOKEN}.", sql)


def _build(cursor, template: str) -> str:
    cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [template])
    row = cursor.fetchone()
    if row is None:
        raise TemplateNotCopyable(f"template schema {template} does not exist")
    ns = row[0]
    cursor.execute(
        "SELECT relname, relkind FROM pg_class c WHERE relnamespace = %s AND relkind NOT IN "
        "('r', 'i', 'S') ORDER BY relname",
        [ns],
    )
    others = cursor.fetchall()
    if others:
        raise TemplateNotCopyable(f"{template} holds objects not copied: {others}")
    cursor.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %s AND c.relkind = 'S' "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')",
        [ns],
    )
    loose = cursor.fetchall()
    if loose:
        raise TemplateNotCopyable(f"{template} has sequences not owned by identity columns: {loose}")
    cursor.execute("SELECT proname FROM pg_proc WHERE pronamespace = %s", [ns])
    if cursor.fetchall():
        raise TemplateNotCopyable(f"{template} defines functions; keep them in public")
    cursor.execute(
        "SELECT a.attrelid::regclass::text, a.attname FROM pg_attrdef d "
        "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
        "JOIN pg_class c ON c.oid = d.adrelid "
        "WHERE c.relnamespace = %s AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%'",
        [ns],
    )
    serials = cursor.fetchall()
    if serials:
        raise TemplateNotCopyable(f"{template} has serial columns (use identity): {serials}")

    cursor.execute(
        "SELECT relname, oid FROM pg_class WHERE relnamespace = %s AND relkind = 'r' ORDER BY relname", [ns]
    )
    tables = [_Table(name, oid) for name, oid in cursor.fetchall()]
    new = SCHEMA_TOKEN
    statements = [f"CREATE SCHEMA {new}"]
    for table in tables:
        statements.append(
            f"CREATE TABLE {new}.{_q(table.name)} (LIKE {_q(template)}.{_q(table.name)} "
            "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE "
            "INCLUDING COMMENTS INCLUDING COMPRESSION)"
        )
    # Constraints by their own names: keys first, so foreign keys find them; then checks.
    cursor.execute(
        "SELECT c.conrelid::regclass::text, rel.relname, c.conname, c.contype, "
        "pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class rel ON rel.oid = c.conrelid "
        "WHERE c.connamespace = %s AND c.contype IN ('p', 'u', 'x', 'c', 'f') "
        "ORDER BY CASE c.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 2 "
        "WHEN 'c' THEN 3 ELSE 4 END, rel.relname, c.conname",
        [ns],
    )
    for _regclass, table_name, name, _kind, definition in cursor.fetchall():
        statements.append(
            f"ALTER TABLE {new}.{_q(table_name)} ADD CONSTRAINT {_q(name)} {_requalify(definition, template)}"
        )
    # Indexes that back no constraint, with their own names.
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relnamespace = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
        [ns],
    )
    statements += [_requalify(row[0], template) for row in cursor.fetchall()]
    cursor.execute(
        "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.relnamespace = %s AND NOT t.tgisinternal ORDER BY t.tgname",
        [ns],
    )
    statements += [_requalify(row[0], template) for row in cursor.fetchall()]
    # Rows: the migration records (a template holds no others, but copy whatever is there).
    for table in tables:
        statements.append(
            f"INSERT INTO {new}.{_q(table.name)} OVERRIDING SYSTEM VALUE "
            f"SELECT * FROM {_q(template)}.{_q(table.name)}"
        )
    cursor.execute(
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relnamespace = %s AND c.relkind = 'r' AND a.attidentity IN ('a', 'd')",
        [ns],
    )
    for table_name, column in cursor.fetchall():
        target = f"{new}.{_q(table_name)}"
        statements.append(
            f"SELECT setval(pg_get_serial_sequence('{target}', '{column}'), "
            f"coalesce((SELECT max({_q(column)}) FROM {target}), 0) + 1, false)"
        )
    return ";\n".join(statements) + ";"


def clone_script(template: str) -> str:
    """The DDL script (with ``SCHEMA_TOKEN`` for the new schema) that copies ``template``."""
    with connection.cursor() as cursor:
        signature = _signature(cursor, template)
        cached = _cache.get(template)
        if cached is None or cached[0] != signature:
            _cache[template] = (signature, _build(cursor, template))
        return _cache[template][1]


def schema_clone(template: str, new_schema: str) -> None:
    """Create ``new_schema`` as a copy of ``template``: tables, keys, indexes, triggers, rows.

    Runs inside the caller's transaction, so it commits or rolls back with it.
    """
    with connection.cursor() as cursor:
        # Shared with other clones, exclusive against a migration of the template (schemas.py).
        cursor.execute("SELECT pg_advisory_xact_lock_shared(hashtext(%s))", [template])
    script = clone_script(template).replace(SCHEMA_TOKEN, _q(new_schema))
    with connection.cursor() as cursor:
        cursor.execute(script)
