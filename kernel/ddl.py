"""Dialect-specific DDL the models cannot declare: SQLite FTS5 tables and their triggers,
PostgreSQL expression indexes (GIN).

A model module registers ``DialectDDL`` on its table (``register``). ``metadata.create_all``
runs it after the table is created (tests); the migration environment renders it into the
generated migration as ``kernel.ddl.execute_on(op, dialect, sql)`` calls (see
``kernel/migrations/env.py``), so regenerating the migration keeps it. The objects it creates
are named in ``names``: schema comparison skips them (``include_name``), since they are not
in the models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import DDL, MetaData, Table, event

INFO_KEY = "dialect_ddl"


@dataclass(frozen=True)
class DialectDDL:
    """Statements run on one dialect after ``table`` is created, and before it is dropped."""

    table: str
    dialect: str  # "sqlite" | "postgresql"
    create: tuple[str, ...]
    drop: tuple[str, ...]
    names: tuple[str, ...]  # tables and indexes the statements create


def register(table: Table, ddl: DialectDDL) -> None:
    """Run ``ddl`` with ``create_all`` and record it for the migration generator."""
    for sql in ddl.create:
        event.listen(table, "after_create", DDL(sql).execute_if(dialect=ddl.dialect))  # type: ignore[no-untyped-call]
    for sql in ddl.drop:
        event.listen(table, "before_drop", DDL(sql).execute_if(dialect=ddl.dialect))  # type: ignore[no-untyped-call]
    registered(table.metadata).append(ddl)


def registered(metadata: MetaData) -> list[DialectDDL]:
    found: list[DialectDDL] = metadata.info.setdefault(INFO_KEY, [])
    return found


def extra_names(metadata: MetaData) -> set[str]:
    """Names of the objects the registered DDL creates (and their FTS5 shadow tables)."""
    names: set[str] = set()
    for d in registered(metadata):
        for n in d.names:
            names.add(n)
            names.update(f"{n}_{s}" for s in ("data", "idx", "content", "docsize", "config"))
    return names


def include_name_for(metadata: MetaData) -> Any:
    """An ``include_name`` hook for Alembic's comparison that skips the registered objects."""
    skip = extra_names(metadata)

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        return name not in skip

    return include_name


def execute_on(op: Any, dialect: str, sql: str) -> None:
    """Run ``sql`` in a migration only on ``dialect`` (what generated migrations call)."""
    if op.get_bind().dialect.name == dialect:
        op.execute(sql)
