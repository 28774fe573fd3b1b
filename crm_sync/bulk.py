"""One statement, many parameter rows, through the driver's executemany.

SQLAlchemy's Core executemany builds each row's parameters through the compiler
(``construct_params``) and its type processors one row at a time; the relay records a
whole batch of deliveries per transaction, so here the statement is compiled once, the
bind processors are looked up once per parameter and the rows go to the driver as plain
tuples or dicts (sqlite3 steps them in C; psycopg sends them in one pipeline).
Like :func:`tailcall.db.bulk_insert`, but for any statement with named bind parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


def execute_many(conn: Connection, stmt: ClauseElement, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run ``stmt`` once per row; a row gives the statement's ``bindparam`` values by name.

    Parameters a row leaves out take the value compiled into the statement (e.g. the
    ``None`` of ``.values(lease_owner=None)``).
    """
    if not rows:
        return
    compiled = stmt.compile(dialect=conn.dialect)
    assert isinstance(compiled, SQLCompiler)
    defaults = dict(compiled.construct_params(_check=False) or {})
    names = list(compiled.positiontup) if compiled.positiontup is not None else list(defaults)
    procs = [compiled.binds[n].type._cached_bind_processor(conn.dialect) for n in names]
    plan = list(zip(names, procs, strict=True))
    fixed = {n: (p(defaults[n]) if p else defaults[n]) for n, p in plan}
    given = [(n, p) for n, p in plan if n in rows[0]]
    positional = compiled.positiontup is not None
    params: list[Any] = []
    for row in rows:
        values = dict(fixed)
        for n, p in given:
            v = row[n]
            values[n] = p(v) if p and v is not None else v
        params.append(tuple(values[n] for n in names) if positional else values)
    conn.exec_driver_sql(compiled.string, params)
