"""Alembic environment: runs migrations with the process settings' database."""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate import renderers
from alembic.operations import MigrateOperation

from kernel.db import make_engine
from kernel.ddl import include_name_for, registered
from kernel.settings import Settings

config = context.config
# the whole schema (tailcall.schema) when autogenerating; running migrations needs none
target_metadata = config.attributes.get("metadata")


def run_migrations_online() -> None:
    settings = config.attributes.get("settings") or Settings()
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(settings)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


class ExecuteOn(MigrateOperation):
    """SQL for one dialect (``kernel.ddl``), rendered as ``kernel.ddl.execute_on``."""

    def __init__(self, dialect: str, sql: str) -> None:
        self.dialect = dialect
        self.sql = sql


@renderers.dispatch_for(ExecuteOn)
def _render_execute_on(autogen_context: Any, op: ExecuteOn) -> str:
    autogen_context.imports.add("import kernel.ddl")
    return f"kernel.ddl.execute_on(op, {op.dialect!r}, {op.sql!r})"


def _add_dialect_ddl(context_: Any, revision: Any, directives: list[Any]) -> None:
    """Append the models' dialect-specific DDL to a generated migration."""
    if target_metadata is None:
        return
    script = directives[0]
    for ddl in registered(target_metadata):
        script.upgrade_ops.ops.extend(ExecuteOn(ddl.dialect, sql) for sql in ddl.create)
        script.downgrade_ops.ops[:0] = [ExecuteOn(ddl.dialect, sql) for sql in ddl.drop]


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite ALTER TABLE goes through batch mode
        compare_type=True,
        process_revision_directives=_add_dialect_ddl,
        include_name=include_name_for(target_metadata) if target_metadata is not None else None,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `tailcall db upgrade`")
run_migrations_online()
