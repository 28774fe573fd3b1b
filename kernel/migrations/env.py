"""Alembic environment: runs migrations with the process settings' database."""

from __future__ import annotations

from alembic import context

from kernel.db import make_engine
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


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite ALTER TABLE goes through batch mode
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `tailcall db upgrade`")
run_migrations_online()
