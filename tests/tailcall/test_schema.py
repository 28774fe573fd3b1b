"""An empty database migrated to head has exactly the models' schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from kernel.db import make_engine, upgrade
from kernel.ddl import include_name_for
from kernel.settings import Settings
from tailcall.schema import metadata


def _diff(settings: Settings) -> list[Any]:
    upgrade(settings)
    engine = make_engine(settings)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name_for(metadata)}
        )
        diff = compare_metadata(ctx, metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert set(metadata.tables) <= tables
    return diff


def test_sqlite_head_matches_models(tmp_path: Path) -> None:
    assert _diff(Settings(env="test", data_dir=tmp_path)) == []


def test_upgrade_is_repeatable(tmp_path: Path) -> None:
    s = Settings(env="test", data_dir=tmp_path)
    upgrade(s)
    upgrade(s)


@pytest.mark.pg
def test_postgresql_head_matches_models(pg_url: str, tmp_path: Path) -> None:
    assert _diff(Settings(env="test", data_dir=tmp_path, database_url=pg_url)) == []
